/** How long a key rests after a 429 without Retry-After, and after a 401/403 (revoked, or out of credit). */
const RATE_LIMITED_COOLDOWN_MS = 30_000;
const REFUSED_COOLDOWN_MS = 300_000;
/** The longest Retry-After honoured: a provider asking for hours should not park a key that long. */
const MAX_RETRY_AFTER_MS = 600_000;

/** One key's state as status and metrics show it: by index, never by value. */
export interface PooledKeyState {
  index: number;
  state: 'ready' | 'cooling';
  coolingForMs: number;
  requests: number;
  lastStatus: number | undefined;
}

/**
 * Several keys for one provider (`OPENAI_API_KEY=sk-a,sk-b`): requests go round-robin over the
 * keys that are not cooling down. A key answered 429 (rate limited) or 401/403 (refused) cools
 * down on its own; the provider stays healthy as long as another key is ready. The keys live in
 * private fields: nothing that serialises or inspects the pool can reach them.
 */
export class KeyPool {
  readonly #headers: readonly Readonly<Record<string, string>>[];
  readonly #coolingUntil: number[];
  readonly #requests: number[];
  readonly #lastStatus: (number | undefined)[];
  readonly #now: () => number;
  #next = 0;
  /** Told when a key starts cooling down (metrics). */
  onCooldown: ((index: number) => void) | undefined;

  constructor(keys: readonly string[], headerOf: (key: string) => Record<string, string>, now = Date.now) {
    this.#headers = keys.map(headerOf);
    this.#coolingUntil = keys.map(() => 0);
    this.#requests = keys.map(() => 0);
    this.#lastStatus = keys.map(() => undefined);
    this.#now = now;
  }

  /** The keys of a variable's value, comma-separated; a pool only when there are several. */
  static of(value: string | undefined, headerOf: (key: string) => Record<string, string>): KeyPool | undefined {
    const keys = splitKeys(value);
    return keys.length > 1 ? new KeyPool(keys, headerOf) : undefined;
  }

  get size(): number {
    return this.#headers.length;
  }

  /** The first key's headers: what requests outside the pool's rotation (model listing) use. */
  get firstHeaders(): Record<string, string> {
    return { ...this.#headers[0] };
  }

  /** Picks the next ready key (or, all cooling, the one ready soonest), sets its headers; returns its index. */
  assign(headers: Record<string, string>): number {
    const now = this.#now();
    let chosen = -1;
    for (let step = 0; step < this.size && chosen < 0; step++) {
      const index = (this.#next + step) % this.size;
      if ((this.#coolingUntil[index] as number) <= now) chosen = index;
    }
    if (chosen < 0) chosen = this.#coolingUntil.indexOf(Math.min(...this.#coolingUntil));
    this.#next = (chosen + 1) % this.size;
    this.#requests[chosen] = (this.#requests[chosen] as number) + 1;
    Object.assign(headers, this.#headers[chosen]);
    return chosen;
  }

  /**
   * The upstream's status for a request sent with key `index`. Returns true when the failure was
   * the key's own (it now cools down and another key is ready): the provider is not to blame.
   */
  report(index: number | undefined, status: number, retryAfter?: string): boolean {
    if (index === undefined) return false;
    this.#lastStatus[index] = status;
    const cooldown =
      status === 429
        ? (retryAfterMs(retryAfter) ?? RATE_LIMITED_COOLDOWN_MS)
        : status === 401 || status === 403
          ? REFUSED_COOLDOWN_MS
          : 0;
    if (cooldown === 0) return false;
    this.#coolingUntil[index] = this.#now() + cooldown;
    this.onCooldown?.(index);
    return this.hasOtherReady(index);
  }

  /** Whether a key other than `index` is ready now. */
  hasOtherReady(index: number | undefined): boolean {
    const now = this.#now();
    return this.#coolingUntil.some((until, i) => i !== index && until <= now);
  }

  snapshot(): PooledKeyState[] {
    const now = this.#now();
    return this.#coolingUntil.map((until, index) => ({
      index,
      state: until > now ? 'cooling' : 'ready',
      coolingForMs: Math.max(0, until - now),
      requests: this.#requests[index] as number,
      lastStatus: this.#lastStatus[index],
    }));
  }

  toJSON() {
    return { keys: this.size };
  }
}

function splitKeys(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((key) => key.trim())
    .filter(Boolean);
}

function retryAfterMs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - Date.now();
  return Number.isFinite(ms) && ms > 0 ? Math.min(ms, MAX_RETRY_AFTER_MS) : undefined;
}
