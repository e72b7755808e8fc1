import { MemoryCounters } from './memory-counters.ts';
import { RedisCounters, RedisWithLocalFallback } from './redis-counters.ts';

/** The limits a gateway applies to each subject; an absent limit is not enforced. */
export interface LimitSettings {
  requestsPerMinute?: number;
  tokensPerMinute?: number;
  dailyBudgetUsd?: number;
}

export type LimitKind = 'requests' | 'tokens' | 'budget';

export type Admission =
  | { allowed: true; headers: Record<string, string> }
  | { allowed: false; limit: LimitKind; retryAfterSeconds: number; message: string; headers: Record<string, string> };

export interface RateLimiter {
  /** Before a request is proxied: counts it against the RPM window and checks TPM and budget. */
  admit(subject: string): Promise<Admission>;
  /** After it completed: adds its tokens (to the current minute) and its cost in USD (to today). `costUsd` may be null (unknown price: add nothing). */
  record(subject: string, tokens: number, costUsd: number | null): Promise<void>;
  close(): Promise<void>;
}

export interface RateLimiterOptions {
  /** Shared counters for every replica; without it each process counts on its own. */
  redisUrl?: string;
  /** Told when Redis goes away (counting falls back to local) and when it comes back. Never given credentials. */
  onWarning: (message: string, detail?: object) => void;
  /** Wall clock in epoch ms; windows are derived from it. Injected by tests. */
  now?: () => number;
}

/**
 * The limiter for these settings. Throws RangeError for a limit that is not a positive number
 * (RPM and TPM: positive integers) — the configuration is wrong and should stop start-up.
 */
export function createRateLimiter(settings: LimitSettings, options: RateLimiterOptions): RateLimiter {
  const limits = validatedLimits(settings);
  if (limits.requestsPerMinute === null && limits.tokensPerMinute === null && limits.dailyBudgetUsd === null) {
    // Nothing to enforce: no counters, and no Redis connection either.
    return new UnlimitedRateLimiter();
  }
  const counters: LimitCounters = options.redisUrl
    ? new RedisWithLocalFallback(new RedisCounters(options.redisUrl), new MemoryCounters(), options.onWarning)
    : new MemoryCounters();
  return new WindowedRateLimiter(limits, counters, options.now ?? Date.now);
}

// ---------------------------------------------------------------------------------------------
// The contract between the limiter and its counter stores (memory-counters.ts, redis-counters.ts).

/** What admit() asks a store; a null limit is not enforced (and its counter not read). */
export interface AdmitQuery {
  /** floor(epoch ms / 60 000): the fixed window for requests and tokens. */
  minute: number;
  /** floor(epoch ms / 86 400 000): the UTC calendar day for spend. */
  day: number;
  requestLimit: number | null;
  tokenLimit: number | null;
  budgetUsd: number | null;
}

/**
 * The counters as one atomic step saw them. `admitted` is true when neither tokens nor spend had
 * reached their limit and the request count was below its limit — in which case the request was
 * counted (`requests` includes it). A refused request is never counted.
 */
export interface AdmitCounts {
  admitted: boolean;
  requests: number;
  tokens: number;
  spendUsd: number;
}

/** What record() adds; zero means "add nothing" (the limit is unset, or the cost unknown). */
export interface Usage {
  minute: number;
  day: number;
  tokens: number;
  costUsd: number;
}

/** One atomic operation per method, so that replicas sharing a store admit exactly the limit. */
export interface LimitCounters {
  admit(subject: string, query: AdmitQuery): Promise<AdmitCounts>;
  record(subject: string, usage: Usage): Promise<void>;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------

const MINUTE_MS = 60_000;
/** UTC days are exactly this long in epoch time (no leap seconds), so floor(now / DAY_MS) is the UTC date. */
const DAY_MS = 86_400_000;

interface Limits {
  requestsPerMinute: number | null;
  tokensPerMinute: number | null;
  dailyBudgetUsd: number | null;
}

function validatedLimits(settings: LimitSettings): Limits {
  const positiveInteger = (value: number | undefined, name: string): number | null => {
    if (value === undefined) return null;
    if (!Number.isSafeInteger(value) || value < 1)
      throw new RangeError(`${name} must be a positive integer (got ${value})`);
    return value;
  };
  const budget = settings.dailyBudgetUsd;
  if (budget !== undefined && !(Number.isFinite(budget) && budget > 0)) {
    throw new RangeError(`dailyBudgetUsd must be a positive number (got ${budget})`);
  }
  return {
    requestsPerMinute: positiveInteger(settings.requestsPerMinute, 'requestsPerMinute'),
    tokensPerMinute: positiveInteger(settings.tokensPerMinute, 'tokensPerMinute'),
    dailyBudgetUsd: budget ?? null,
  };
}

/**
 * No limit set. admit() runs on every request's hot path, so it hands out one resolved promise of
 * one frozen answer: no allocation, no await. The answer is shared: treat it as read-only.
 */
class UnlimitedRateLimiter implements RateLimiter {
  readonly #allowed: Promise<Admission>;
  readonly #done: Promise<void> = Promise.resolve();

  constructor() {
    const allowed: Admission = { allowed: true, headers: Object.freeze({}) };
    this.#allowed = Promise.resolve(Object.freeze(allowed));
  }

  admit(): Promise<Admission> {
    return this.#allowed;
  }

  record(): Promise<void> {
    return this.#done;
  }

  close(): Promise<void> {
    return this.#done;
  }
}

/** Fixed one-minute windows for requests and tokens, the UTC day for spend. */
class WindowedRateLimiter implements RateLimiter {
  readonly #limits: Limits;
  readonly #counters: LimitCounters;
  readonly #now: () => number;
  readonly #done: Promise<void> = Promise.resolve();

  constructor(limits: Limits, counters: LimitCounters, now: () => number) {
    this.#limits = limits;
    this.#counters = counters;
    this.#now = now;
  }

  async admit(subject: string): Promise<Admission> {
    const now = this.#now();
    const { requestsPerMinute, tokensPerMinute, dailyBudgetUsd } = this.#limits;
    const counts = await this.#counters.admit(subject, {
      minute: Math.floor(now / MINUTE_MS),
      day: Math.floor(now / DAY_MS),
      requestLimit: requestsPerMinute,
      tokenLimit: tokensPerMinute,
      budgetUsd: dailyBudgetUsd,
    });

    const minuteReset = secondsUntilNext(now, MINUTE_MS);
    const headers: Record<string, string> = {};
    if (requestsPerMinute !== null) {
      headers['x-ratelimit-limit-requests'] = String(requestsPerMinute);
      headers['x-ratelimit-remaining-requests'] = String(Math.max(0, requestsPerMinute - counts.requests));
      headers['x-ratelimit-reset-requests'] = `${minuteReset}s`;
    }
    if (tokensPerMinute !== null) {
      headers['x-ratelimit-limit-tokens'] = String(tokensPerMinute);
      headers['x-ratelimit-remaining-tokens'] = String(Math.max(0, tokensPerMinute - counts.tokens));
      headers['x-ratelimit-reset-tokens'] = `${minuteReset}s`;
    }
    if (dailyBudgetUsd !== null) {
      headers['x-ratelimit-limit-budget-usd'] = formatUsd(dailyBudgetUsd);
      headers['x-ratelimit-remaining-budget-usd'] = formatUsd(Math.max(0, dailyBudgetUsd - counts.spendUsd));
    }

    // When several limits are exhausted, name the one that lasts longest: the budget (next UTC
    // midnight), then tokens (whose window, like the requests', ends with the minute).
    if (dailyBudgetUsd !== null && counts.spendUsd >= dailyBudgetUsd) {
      const wait = secondsUntilNext(now, DAY_MS);
      const message = `Daily budget reached: ${formatUsd(dailyBudgetUsd)} USD per UTC day (BUDGET_USD_DAILY). Retry in ${wait} s, after midnight UTC.`;
      return refusal('budget', wait, headers, message);
    }
    if (tokensPerMinute !== null && counts.tokens >= tokensPerMinute) {
      const message = `Rate limit reached: ${tokensPerMinute} tokens per minute (RATE_LIMIT_TPM). Retry in ${minuteReset} s.`;
      return refusal('tokens', minuteReset, headers, message);
    }
    if (!counts.admitted) {
      const message = `Rate limit reached: ${requestsPerMinute} requests per minute (RATE_LIMIT_RPM). Retry in ${minuteReset} s.`;
      return refusal('requests', minuteReset, headers, message);
    }
    return { allowed: true, headers };
  }

  record(subject: string, tokens: number, costUsd: number | null): Promise<void> {
    // Only what a limit reads is worth counting; NaN, infinite, negative or unknown amounts add nothing.
    const countedTokens = this.#limits.tokensPerMinute !== null && isPositive(tokens) ? Math.round(tokens) : 0;
    const countedCost = this.#limits.dailyBudgetUsd !== null && costUsd !== null && isPositive(costUsd) ? costUsd : 0;
    if (countedTokens === 0 && countedCost === 0) return this.#done;
    const now = this.#now();
    return this.#counters.record(subject, {
      minute: Math.floor(now / MINUTE_MS),
      day: Math.floor(now / DAY_MS),
      tokens: countedTokens,
      costUsd: countedCost,
    });
  }

  close(): Promise<void> {
    return this.#counters.close();
  }
}

function isPositive(amount: number): boolean {
  return Number.isFinite(amount) && amount > 0;
}

function refusal(
  limit: LimitKind,
  retryAfterSeconds: number,
  headers: Record<string, string>,
  message: string,
): Admission {
  headers['retry-after'] = String(retryAfterSeconds);
  return { allowed: false, limit, retryAfterSeconds, message, headers };
}

/** Whole seconds (rounded up, at least 1) until the fixed window of `windowMs` containing `now` ends. */
function secondsUntilNext(now: number, windowMs: number): number {
  const windowEnd = (Math.floor(now / windowMs) + 1) * windowMs;
  return Math.max(1, Math.ceil((windowEnd - now) / 1000));
}

/** Dollars to at most six decimals, without trailing zeros: "10", "9.25", "0.000125". */
function formatUsd(usd: number): string {
  return String(Number(usd.toFixed(6)));
}
