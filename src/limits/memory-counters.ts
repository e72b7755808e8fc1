import { type CounterCheck, IDLE_EPSILON, type LimitCounters, type ReserveResult } from './counters.ts';

/**
 * Counters in this process: the store without REDIS_URL, and the fallback while Redis is away.
 * Every operation is synchronous under the hood, so it is atomic by construction (no other call
 * can interleave within one); the promises only match the Redis store's interface.
 */
export class MemoryCounters implements LimitCounters {
  /** key → value and expiry (epoch ms), as Redis keeps them. */
  readonly #counters = new Map<string, { value: number; expiresAt: number }>();
  #nextSweepAt = Number.NEGATIVE_INFINITY;

  reserve(checks: readonly CounterCheck[], now: number): Promise<ReserveResult> {
    return Promise.resolve(this.reserveNow(checks, now));
  }

  add(adds: readonly { key: string; amount: number; ttlMs: number }[], now: number): Promise<void> {
    this.addNow(adds, now);
    return Promise.resolve();
  }

  read(keys: readonly string[], now: number): Promise<number[]> {
    return Promise.resolve(this.readNow(keys, now));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /** reserve() without the promise, for callers that are already asynchronous. */
  reserveNow(checks: readonly CounterCheck[], now: number): ReserveResult {
    this.#sweep(now);
    const values = checks.map((check) => this.#value(check.key, now));
    const failed = checks.findIndex(
      (check, i) =>
        check.limit !== null &&
        (values[i] as number) > IDLE_EPSILON &&
        (values[i] as number) + check.amount > check.limit,
    );
    if (failed >= 0) return { failed, values };
    return {
      failed,
      values: checks.map((check) => this.#increment(check.key, check.amount, check.ttlMs, now)),
    };
  }

  addNow(adds: readonly { key: string; amount: number; ttlMs: number }[], now: number): void {
    for (const { key, amount, ttlMs } of adds) {
      // A release must not create a negative counter where the reservation is not (expired, or made in Redis).
      if (amount < 0 && this.#value(key, now) === 0) continue;
      this.#increment(key, amount, ttlMs, now);
    }
  }

  readNow(keys: readonly string[], now: number): number[] {
    return keys.map((key) => this.#value(key, now));
  }

  /** How many counters are held: expired ones are dropped, so this stays bounded. */
  get size(): number {
    return this.#counters.size;
  }

  #value(key: string, now: number): number {
    const counter = this.#counters.get(key);
    return counter === undefined || counter.expiresAt <= now ? 0 : counter.value;
  }

  #increment(key: string, amount: number, ttlMs: number, now: number): number {
    const value = Math.max(0, this.#value(key, now) + amount);
    this.#counters.set(key, { value, expiresAt: now + ttlMs });
    return value;
  }

  /** At most once a second, drops expired counters. */
  #sweep(now: number): void {
    if (now < this.#nextSweepAt) return;
    this.#nextSweepAt = now + 1_000;
    for (const [key, counter] of this.#counters) if (counter.expiresAt <= now) this.#counters.delete(key);
  }
}
