import type { Webhooks } from './webhooks.ts';

/** One budget of one subject as it stands (the limiter's view, after a request settled). */
export interface BudgetState {
  /** `budget` (daily) or `monthly-budget`. */
  kind: string;
  limit: number;
  used: number;
  resetsInSeconds: number;
}

const THRESHOLDS = [80, 100] as const;
const HOUR_MS = 3_600_000;
/** Past this many remembered crossings, those of windows already over are forgotten. */
const PRUNE_AT = 10_000;

/**
 * Tells the webhooks when a subject's spend crosses 80 % and then 100 % of a budget: once per
 * threshold per budget window (a new day or month may cross again). Each process remembers what
 * it sent; with several replicas each may send a crossing once.
 */
export class BudgetAlerts {
  readonly #webhooks: Webhooks;
  readonly #now: () => number;
  /** `subject|kind|threshold` → the end of the window it was sent for (to the hour). */
  readonly #sent = new Map<string, number>();

  constructor(webhooks: Webhooks, now: () => number = Date.now) {
    this.#webhooks = webhooks;
    this.#now = now;
  }

  observe(subject: string, states: readonly BudgetState[]): void {
    const now = this.#now();
    for (const state of states) {
      if ((state.kind !== 'budget' && state.kind !== 'monthly-budget') || !(state.limit > 0)) continue;
      const windowEnd = Math.round((now + state.resetsInSeconds * 1000) / HOUR_MS);
      for (const threshold of THRESHOLDS) {
        if (state.used < (state.limit * threshold) / 100) continue;
        const key = `${subject}|${state.kind}|${threshold}`;
        if (this.#sent.get(key) === windowEnd) continue;
        this.#sent.set(key, windowEnd);
        this.#webhooks.emit('budget.threshold', {
          subject,
          budget: state.kind === 'budget' ? 'daily' : 'monthly',
          threshold,
          limitUsd: state.limit,
          spentUsd: state.used,
          resetsAt: new Date(now + state.resetsInSeconds * 1000).toISOString(),
        });
      }
    }
    if (this.#sent.size > PRUNE_AT)
      for (const [key, end] of this.#sent) if (end * HOUR_MS < now) this.#sent.delete(key);
  }
}
