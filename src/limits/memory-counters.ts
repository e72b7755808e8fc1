import type { AdmitCounts, AdmitQuery, LimitCounters, Usage } from './rate-limiter.ts';

/**
 * Counters in this process: the store without REDIS_URL, and the fallback while Redis is away.
 * Every operation is synchronous under the hood, so it is atomic by construction (no other call
 * can interleave within one); the promises only match the Redis store's interface.
 */
export class MemoryCounters implements LimitCounters {
  readonly #requests = new WindowedCounts();
  readonly #tokens = new WindowedCounts();
  readonly #spendUsd = new WindowedCounts();
  readonly #done: Promise<void> = Promise.resolve();

  admit(subject: string, query: AdmitQuery): Promise<AdmitCounts> {
    return Promise.resolve(this.admitNow(subject, query));
  }

  record(subject: string, usage: Usage): Promise<void> {
    this.recordNow(subject, usage);
    return this.#done;
  }

  close(): Promise<void> {
    return this.#done;
  }

  /** admit() without the promise, for callers that are already asynchronous. */
  admitNow(subject: string, query: AdmitQuery): AdmitCounts {
    const tokens = query.tokenLimit === null ? 0 : this.#tokens.get(query.minute, subject);
    const spendUsd = query.budgetUsd === null ? 0 : this.#spendUsd.get(query.day, subject);
    let requests = query.requestLimit === null ? 0 : this.#requests.get(query.minute, subject);
    const exhausted =
      (query.tokenLimit !== null && tokens >= query.tokenLimit) ||
      (query.budgetUsd !== null && spendUsd >= query.budgetUsd);
    let admitted = !exhausted;
    if (admitted && query.requestLimit !== null) {
      // Check-and-increment: a refused request does not take a slot.
      if (requests < query.requestLimit) requests = this.#requests.add(query.minute, subject, 1);
      else admitted = false;
    }
    return { admitted, requests, tokens, spendUsd };
  }

  recordNow(subject: string, usage: Usage): void {
    if (usage.tokens > 0) this.#tokens.add(usage.minute, subject, usage.tokens);
    if (usage.costUsd > 0) this.#spendUsd.add(usage.day, subject, usage.costUsd);
  }

  /** How many (window, subject) counters are held: old windows are dropped, so this stays bounded. */
  get size(): number {
    return this.#requests.size + this.#tokens.size + this.#spendUsd.size;
  }
}

/**
 * Per-subject counts for fixed windows identified by a number (minute or day). Only the newest
 * window is ever read, so when a newer one appears every older one is dropped: memory is bounded
 * by the subjects seen in the current window.
 */
class WindowedCounts {
  readonly #windows = new Map<number, Map<string, number>>();
  #newest = Number.NEGATIVE_INFINITY;

  get(window: number, subject: string): number {
    return this.#windows.get(window)?.get(subject) ?? 0;
  }

  add(window: number, subject: string, amount: number): number {
    if (window > this.#newest) {
      this.#newest = window;
      for (const old of this.#windows.keys()) if (old < window) this.#windows.delete(old);
    }
    let counts = this.#windows.get(window);
    if (counts === undefined) {
      counts = new Map();
      this.#windows.set(window, counts);
    }
    const total = (counts.get(subject) ?? 0) + amount;
    counts.set(subject, total);
    return total;
  }

  get size(): number {
    let size = 0;
    for (const counts of this.#windows.values()) size += counts.size;
    return size;
  }
}
