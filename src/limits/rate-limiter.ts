import type { CounterCheck, LimitCounters } from './counters.ts';
import { MemoryCounters } from './memory-counters.ts';
import { RedisCounters, RedisWithLocalFallback } from './redis-counters.ts';

/** The limits of one subject; an absent limit is not enforced. */
export interface LimitSettings {
  requestsPerMinute?: number;
  tokensPerMinute?: number;
  dailyBudgetUsd?: number;
  monthlyBudgetUsd?: number;
}

export type LimitKind = 'requests' | 'tokens' | 'budget' | 'monthly-budget';

/**
 * Whom a request counts against: a gateway key (or client address), an end user. `id` names its
 * counters; `limits` are its own; `settings` names, per limit, where it was configured (for the
 * refusal message): `RATE_LIMIT_RPM`, `rpm of key 'ci' (GATEWAY_API_KEYS_FILE)`, …
 */
export interface Subject {
  id: string;
  limits: LimitSettings;
  settings: Partial<Record<LimitKind, string>>;
}

/** What a request may cost at worst (reserved before it runs) or did cost (settled after). */
export interface Demand {
  tokens: number;
  costUsd: number;
}

/** What was reserved, and where: settle() moves exactly these counters to the real amounts. */
export interface Reservation {
  readonly demand: Demand;
  readonly counters: readonly ReservedCounter[];
}

interface ReservedCounter {
  key: string;
  amount: 'requests' | 'tokens' | 'cost';
  ttlMs: number;
}

export type Admission =
  | { allowed: true; headers: Record<string, string>; reservation: Reservation | undefined }
  | { allowed: false; limit: LimitKind; retryAfterSeconds: number; message: string; headers: Record<string, string> };

/** One limit of one subject as it stands: for `GET /v1/gateway/keys/self`. */
export interface LimitState {
  kind: LimitKind;
  limit: number;
  used: number;
  remaining: number;
  resetsInSeconds: number;
}

export interface RateLimiter {
  /**
   * Before a request is proxied: in one atomic step, checks that the request (counted once) and
   * its worst-case tokens and cost fit every limit of every subject, and if so counts them.
   */
  reserve(subjects: readonly Subject[], demand: Demand): Promise<Admission>;
  /** After it completed: replaces the reserved tokens and cost by the real ones (zero: release). */
  settle(reservation: Reservation, actual: Demand): Promise<void>;
  /**
   * One more upstream call of a reserved request (a retry or a fallback): counts one request and
   * `tokens` more in the reservation's windows, unchecked — the request is already under way.
   * settle() leaves these counts alone.
   */
  countAttempt(reservation: Reservation, tokens: number): Promise<void>;
  /** The subject's limits and what is used of them now (reservations included). */
  state(subject: Subject): Promise<LimitState[]>;
  close(): Promise<void>;
}

export interface RateLimiterOptions {
  /** Shared counters for every replica; without it each process counts on its own. */
  redisUrl?: string;
  /** Told when Redis goes away (counting falls back to local) and when it comes back. Never given credentials. */
  onWarning: (message: string, detail?: object) => void;
  /** Wall clock in epoch ms; windows are derived from it. Injected by tests. */
  now?: () => number;
  /**
   * WORKERS: the processes serving this port. Without REDIS_URL each counts on its own, so each
   * enforces its part of every limit (`partOf`); with Redis they share one count.
   */
  workers?: number;
}

/**
 * The limiter. `anyLimits` says whether any subject may carry a limit (the global settings, a
 * per-key policy, a per-user budget): without any, no counter and no Redis connection exist.
 */
export function createRateLimiter(anyLimits: boolean, options: RateLimiterOptions): RateLimiter {
  if (!anyLimits) return new UnlimitedRateLimiter();
  const counters: LimitCounters = options.redisUrl
    ? new RedisWithLocalFallback(new RedisCounters(options.redisUrl), new MemoryCounters(), options.onWarning)
    : new MemoryCounters();
  return new WindowedRateLimiter(counters, options.now ?? Date.now, options.redisUrl ? 1 : (options.workers ?? 1));
}

/**
 * One worker's part of a limit that `workers` processes enforce on their own counters: whole
 * requests and tokens (at least one, so a limit smaller than the worker count still admits), a
 * plain fraction of a budget. The sum over the workers never exceeds the limit, except for a
 * limit smaller than the worker count.
 */
export function partOf(kind: LimitKind, limit: number, workers: number): number {
  if (workers === 1) return limit;
  const part = limit / workers;
  return kind === 'requests' || kind === 'tokens' ? Math.max(1, Math.floor(part)) : part;
}

/**
 * Throws RangeError for a limit that is not a positive number (RPM and TPM: positive integers):
 * the configuration is wrong and should stop start-up, or a reload be refused.
 */
export function validateLimits(settings: LimitSettings, names: Partial<Record<keyof LimitSettings, string>> = {}) {
  for (const key of ['requestsPerMinute', 'tokensPerMinute'] as const) {
    const value = settings[key];
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 1))
      throw new RangeError(`${names[key] ?? key} must be a positive integer (got ${value})`);
  }
  for (const key of ['dailyBudgetUsd', 'monthlyBudgetUsd'] as const) {
    const value = settings[key];
    if (value !== undefined && !(Number.isFinite(value) && value > 0))
      throw new RangeError(`${names[key] ?? key} must be a positive number (got ${value})`);
  }
}

export const hasLimits = (settings: LimitSettings): boolean =>
  settings.requestsPerMinute !== undefined ||
  settings.tokensPerMinute !== undefined ||
  settings.dailyBudgetUsd !== undefined ||
  settings.monthlyBudgetUsd !== undefined;

const MINUTE_MS = 60_000;
/** UTC days are exactly this long in epoch time (no leap seconds), so floor(now / DAY_MS) is the UTC date. */
const DAY_MS = 86_400_000;

/** The window a limit counts in: its id (part of the key), when it ends, and how long its key lives. */
interface Window {
  id: string;
  endsAt: number;
  ttlMs: number;
}

function windowOf(kind: LimitKind, now: number): Window {
  if (kind === 'requests' || kind === 'tokens') {
    const minute = Math.floor(now / MINUTE_MS);
    // Keys outlive their window by one more: replicas whose clocks lag a little still meet.
    return { id: String(minute), endsAt: (minute + 1) * MINUTE_MS, ttlMs: 2 * MINUTE_MS };
  }
  const date = new Date(now);
  if (kind === 'budget') {
    const day = Math.floor(now / DAY_MS);
    return { id: date.toISOString().slice(0, 10), endsAt: (day + 1) * DAY_MS, ttlMs: 2 * DAY_MS };
  }
  const endsAt = Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
  return { id: date.toISOString().slice(0, 7), endsAt, ttlMs: 62 * DAY_MS };
}

const COUNTER_NAME: Record<LimitKind, string> = {
  requests: 'requests',
  tokens: 'tokens',
  budget: 'spend',
  'monthly-budget': 'spend',
};

/** `switchyard:{<subject>}:<counter>:<window>`; escaped so no subject can forge another's key. */
function counterKey(subject: string, kind: LimitKind, window: Window): string {
  const tag = `switchyard:{${subject.replace(/[%{}]/g, (c) => encodeURIComponent(c))}}`;
  return `${tag}:${COUNTER_NAME[kind]}:${window.id}`;
}

const LIMIT_OF: Record<LimitKind, keyof LimitSettings> = {
  requests: 'requestsPerMinute',
  tokens: 'tokensPerMinute',
  budget: 'dailyBudgetUsd',
  'monthly-budget': 'monthlyBudgetUsd',
};

/** Longest-lasting first: when several limits are reached, the refusal names the one that lasts. */
const KINDS: readonly LimitKind[] = ['monthly-budget', 'budget', 'tokens', 'requests'];

/** No limit anywhere. reserve() runs on every request's hot path: one frozen answer, no allocation. */
class UnlimitedRateLimiter implements RateLimiter {
  readonly #allowed: Promise<Admission>;
  readonly #done: Promise<void> = Promise.resolve();

  constructor() {
    const allowed: Admission = { allowed: true, headers: Object.freeze({}), reservation: undefined };
    this.#allowed = Promise.resolve(Object.freeze(allowed));
  }

  reserve(): Promise<Admission> {
    return this.#allowed;
  }

  settle(): Promise<void> {
    return this.#done;
  }

  countAttempt(): Promise<void> {
    return this.#done;
  }

  state(): Promise<LimitState[]> {
    return Promise.resolve([]);
  }

  close(): Promise<void> {
    return this.#done;
  }
}

/** Fixed one-minute windows for requests and tokens, the UTC day and month for spend. */
class WindowedRateLimiter implements RateLimiter {
  readonly #counters: LimitCounters;
  readonly #now: () => number;
  /** Processes enforcing their part of each limit on their own counters (1: the whole limit here). */
  readonly #workers: number;
  readonly #allowedNoLimit: Promise<Admission> = Promise.resolve({
    allowed: true,
    headers: {},
    reservation: undefined,
  });

  constructor(counters: LimitCounters, now: () => number, workers: number) {
    this.#counters = counters;
    this.#now = now;
    this.#workers = workers;
  }

  #limitOf(subject: Subject, kind: LimitKind): number | undefined {
    const limit = subject.limits[LIMIT_OF[kind]];
    return limit === undefined ? undefined : partOf(kind, limit, this.#workers);
  }

  async reserve(subjects: readonly Subject[], demand: Demand): Promise<Admission> {
    const now = this.#now();
    const tokens = nonNegative(Math.ceil(demand.tokens));
    const costUsd = nonNegative(demand.costUsd);
    const checks: (CounterCheck & { subject: Subject; kind: LimitKind; window: Window })[] = [];
    for (const subject of subjects) {
      for (const kind of KINDS) {
        const limit = this.#limitOf(subject, kind);
        if (limit === undefined) continue;
        const window = windowOf(kind, now);
        const amount = kind === 'requests' ? 1 : kind === 'tokens' ? tokens : costUsd;
        checks.push({
          key: counterKey(subject.id, kind, window),
          limit,
          amount,
          ttlMs: window.ttlMs,
          subject,
          kind,
          window,
        });
      }
    }
    if (checks.length === 0) return this.#allowedNoLimit;
    const { failed, values } = await this.#counters.reserve(checks, now);

    // Headers describe the first subject (the gateway key): that is whose limits a client sees.
    const headers: Record<string, string> = {};
    checks.forEach((check, index) => {
      if (check.subject !== subjects[0]) return;
      const remaining = Math.max(0, (check.limit as number) - (values[index] ?? 0));
      const reset = secondsUntil(now, check.window.endsAt);
      if (check.kind === 'requests' || check.kind === 'tokens') {
        headers[`x-ratelimit-limit-${check.kind}`] = String(check.limit);
        headers[`x-ratelimit-remaining-${check.kind}`] = String(Math.floor(remaining));
        headers[`x-ratelimit-reset-${check.kind}`] = `${reset}s`;
      } else {
        const suffix = check.kind === 'budget' ? '' : '-monthly';
        headers[`x-ratelimit-limit-budget-usd${suffix}`] = formatUsd(check.limit as number);
        headers[`x-ratelimit-remaining-budget-usd${suffix}`] = formatUsd(remaining);
      }
    });

    if (failed >= 0) {
      const check = checks[failed] as (typeof checks)[number];
      const wait = secondsUntil(now, check.window.endsAt);
      let setting = check.subject.settings[check.kind] ?? check.kind;
      if (this.#workers > 1)
        setting += `: this worker's part of ${formatUsd(check.subject.limits[LIMIT_OF[check.kind]] as number)} shared by ${this.#workers} workers`;
      headers['retry-after'] = String(wait);
      return {
        allowed: false,
        limit: check.kind,
        retryAfterSeconds: wait,
        message: refusalMessage(check, setting, wait),
        headers,
      };
    }
    const counters: ReservedCounter[] = checks.map((check) => ({
      key: check.key,
      amount: check.kind === 'requests' || check.kind === 'tokens' ? check.kind : 'cost',
      ttlMs: check.ttlMs,
    }));
    return { allowed: true, headers, reservation: { demand: { tokens, costUsd }, counters } };
  }

  async settle(reservation: Reservation, actual: Demand): Promise<void> {
    const delta = {
      requests: 0,
      tokens: nonNegative(Math.round(actual.tokens)) - reservation.demand.tokens,
      cost: nonNegative(actual.costUsd) - reservation.demand.costUsd,
    };
    await this.#add(reservation, delta);
  }

  async countAttempt(reservation: Reservation, tokens: number): Promise<void> {
    await this.#add(reservation, { requests: 1, tokens: nonNegative(Math.ceil(tokens)), cost: 0 });
  }

  async #add(reservation: Reservation, delta: Record<ReservedCounter['amount'], number>): Promise<void> {
    const adds = reservation.counters
      .map((counter) => ({ key: counter.key, amount: delta[counter.amount], ttlMs: counter.ttlMs }))
      .filter((add) => add.amount !== 0);
    if (adds.length) await this.#counters.add(adds, this.#now());
  }

  async state(subject: Subject): Promise<LimitState[]> {
    const now = this.#now();
    const kinds = KINDS.filter((kind) => subject.limits[LIMIT_OF[kind]] !== undefined).reverse();
    const windows = kinds.map((kind) => windowOf(kind, now));
    const values = await this.#counters.read(
      kinds.map((kind, i) => counterKey(subject.id, kind, windows[i] as Window)),
      now,
    );
    return kinds.map((kind, i) => {
      const limit = this.#limitOf(subject, kind) as number;
      const used = values[i] ?? 0;
      return {
        kind,
        limit: roundUsd(limit),
        used: roundUsd(used),
        remaining: roundUsd(Math.max(0, limit - used)),
        resetsInSeconds: secondsUntil(now, (windows[i] as Window).endsAt),
      };
    });
  }

  close(): Promise<void> {
    return this.#counters.close();
  }
}

function refusalMessage(check: CounterCheck & { kind: LimitKind }, setting: string, wait: number): string {
  const limit = check.limit as number;
  switch (check.kind) {
    case 'requests':
      return `Rate limit reached: ${limit} requests per minute (${setting}). Retry in ${wait} s.`;
    case 'tokens':
      return `Rate limit reached: ${limit} tokens per minute (${setting}); this request may use up to ${check.amount}. Retry in ${wait} s.`;
    case 'budget':
      return `Daily budget reached: ${formatUsd(limit)} USD per UTC day (${setting}); this request may cost up to ${formatUsd(check.amount)} USD. Retry in ${wait} s, after midnight UTC.`;
    case 'monthly-budget':
      return `Monthly budget reached: ${formatUsd(limit)} USD per UTC month (${setting}); this request may cost up to ${formatUsd(check.amount)} USD. Retry in ${wait} s, after the month ends.`;
  }
}

/** NaN, infinite and negative amounts count as nothing. */
function nonNegative(amount: number): number {
  return Number.isFinite(amount) && amount > 0 ? amount : 0;
}

/** Whole seconds (rounded up, at least 1) until `endsAt`. */
function secondsUntil(now: number, endsAt: number): number {
  return Math.max(1, Math.ceil((endsAt - now) / 1000));
}

const roundUsd = (usd: number) => Number(usd.toFixed(6));

/** Dollars to at most six decimals, without trailing zeros: "10", "9.25", "0.000125". */
function formatUsd(usd: number): string {
  return String(roundUsd(usd));
}
