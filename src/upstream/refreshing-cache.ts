/**
 * A short-lived credential (an OAuth2 access token, temporary AWS keys) held in memory: fetched on
 * first use, reused while fresh, refreshed shortly before it expires. Concurrent callers share one
 * fetch. If an early refresh fails, the still-valid value keeps serving; once it has expired, the
 * failure reaches the caller (and the next call retries).
 */

export interface Expiring<T> {
  value: T;
  /** Epoch milliseconds. */
  expiresAt: number;
}

/** Refresh this long before expiry (what Google's, Microsoft's and AWS's own libraries do), or at half-life for shorter lifetimes. */
const REFRESH_MARGIN_MS = 5 * 60_000;

export class RefreshingCache<T> {
  readonly #fetch: () => Promise<Expiring<T>>;
  readonly #now: () => number;
  #current: (Expiring<T> & { refreshAt: number }) | undefined;
  #refreshing: Promise<Expiring<T> & { refreshAt: number }> | undefined;

  constructor(fetch: () => Promise<Expiring<T>>, now: () => number = Date.now) {
    this.#fetch = fetch;
    this.#now = now;
  }

  async get(): Promise<T> {
    const now = this.#now();
    const current = this.#current;
    if (current && now < current.refreshAt) return current.value;
    const refresh = this.#refresh(now);
    if (current && now < current.expiresAt) {
      try {
        return (await refresh).value;
      } catch {
        return current.value;
      }
    }
    return (await refresh).value;
  }

  #refresh(now: number) {
    this.#refreshing ??= this.#fetch()
      .then((fetched) => {
        const lifetime = fetched.expiresAt - now;
        const fresh = { ...fetched, refreshAt: fetched.expiresAt - Math.min(REFRESH_MARGIN_MS, lifetime / 2) };
        this.#current = fresh;
        return fresh;
      })
      .finally(() => {
        this.#refreshing = undefined;
      });
    return this.#refreshing;
  }

  /** What a log line or an error may show of it: never the value. */
  toJSON() {
    return { cached: this.#current !== undefined };
  }
}
