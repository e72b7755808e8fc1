// The contract between the limiter (rate-limiter.ts) and its counter stores (memory-counters.ts,
// redis-counters.ts).

/** One counter a reservation touches: it must stay within `limit` (null: not checked) after adding `amount`. */
export interface CounterCheck {
  key: string;
  limit: number | null;
  amount: number;
  ttlMs: number;
}

/**
 * The outcome of one atomic reservation. `failed` is the index of the first check that did not
 * fit (then nothing was added), or -1 (then every amount was added). `values` are the counters
 * after the step.
 */
export interface ReserveResult {
  failed: number;
  values: number[];
}

/** One operation per method, each atomic, so that replicas sharing a store never over-admit. */
export interface LimitCounters {
  reserve(checks: readonly CounterCheck[], now: number): Promise<ReserveResult>;
  /** Adds each amount (negative ones too, but never below zero and never to a counter that is gone). */
  add(adds: readonly { key: string; amount: number; ttlMs: number }[], now: number): Promise<void>;
  read(keys: readonly string[], now: number): Promise<number[]>;
  close(): Promise<void>;
}

/**
 * A check fits when the counter plus the amount stays within the limit, or when the counter is
 * (about) zero: a request whose own worst case exceeds the whole limit still runs when it is
 * alone in the window, so spend exceeds a limit by at most one request's worst case, and no
 * request is refused forever. Stores implement exactly this rule.
 */
export const IDLE_EPSILON = 1e-9;
