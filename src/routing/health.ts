// Cool-down of failing targets (a per-target circuit breaker).
//
//   healthy ──(failuresToCoolDown failures within windowMs, or one failure with Retry-After)──▶ cooling
//   cooling ──(coolDownMs, or the Retry-After, elapsed)──▶ probe: exactly one request is let through
//   probe   ──(success)──▶ healthy          probe ──(failure)──▶ cooling again
//
// Cooling targets are moved to the end of the candidate list, not removed: when every target is
// cooling, trying one beats refusing the request outright.
//
// Memory: per target at most failuresToCoolDown failure times (only the most recent ones decide)
// plus a fixed ring of counters for the status numbers; targets with nothing recent to report are
// forgotten.
import { type Target, TargetMap } from './strategies.ts';

export type TargetState = 'healthy' | 'cooling' | 'probe';

export interface HealthOptions {
  failuresToCoolDown: number;
  /** Sliding window in which failuresToCoolDown failures cool a target down. */
  windowMs: number;
  coolDownMs: number;
  /**
   * How long a handed-out probe blocks further probes. arrange() marks the probe taken when it
   * places the target among the ones to try, but the request may never reach it (an earlier
   * candidate answered, the client went away) and so never report back; after this long the probe
   * is offered again. Default 30 s: an upstream that has not even sent headers by then counts as
   * failing anyway.
   */
  probeTimeoutMs?: number;
  now?: () => number;
  /** Told when a healthy target starts cooling down (`until`: when it may be probed), and when it recovers. */
  onChange?: (target: Target, change: { state: 'cooling'; until: number } | { state: 'recovered' }) => void;
}

export interface TargetHealthRow {
  provider: string;
  model: string;
  state: TargetState;
  /** ISO time the cool-down ends (or ended, while waiting for the probe). */
  coolingUntil?: string;
  /** Within about the last windowMs (to a tenth of it). */
  recentErrors: number;
  recentRequests: number;
}

const DEFAULT_PROBE_TIMEOUT_MS = 30_000;
/** The status counters cover the window in this many slices. */
const ACTIVITY_SLICES = 10;
/**
 * Models are whatever clients ask for, so the number of targets remembered is capped; past it,
 * targets with nothing recent are forgotten first, then the oldest.
 */
const MAX_TRACKED_TARGETS = 10_000;

interface TargetRecord {
  /** The most recent failure times, oldest first; at most failuresToCoolDown of them. */
  failureTimes: number[];
  /** Set from the start of a cool-down until a success after it ends. */
  coolingUntil: number | undefined;
  /** When the probe was handed out; undefined while none is out. */
  probeTakenAt: number | undefined;
  activity: RecentActivity;
}

export class TargetHealth {
  readonly #failuresToCoolDown: number;
  readonly #windowMs: number;
  readonly #coolDownMs: number;
  readonly #probeTimeoutMs: number;
  readonly #now: () => number;
  readonly #onChange: HealthOptions['onChange'];
  readonly #records = new TargetMap<TargetRecord>();

  constructor(options: HealthOptions) {
    const { failuresToCoolDown, windowMs, coolDownMs, probeTimeoutMs = DEFAULT_PROBE_TIMEOUT_MS } = options;
    if (!(Number.isInteger(failuresToCoolDown) && failuresToCoolDown >= 1))
      throw new RangeError(`TargetHealth: failuresToCoolDown must be an integer ≥ 1 (got ${failuresToCoolDown})`);
    if (!(Number.isFinite(windowMs) && windowMs > 0))
      throw new RangeError(`TargetHealth: windowMs must be a positive number (got ${windowMs})`);
    if (!(Number.isFinite(coolDownMs) && coolDownMs >= 0))
      throw new RangeError(`TargetHealth: coolDownMs must be a number ≥ 0 (got ${coolDownMs})`);
    if (!(Number.isFinite(probeTimeoutMs) && probeTimeoutMs >= 0))
      throw new RangeError(`TargetHealth: probeTimeoutMs must be a number ≥ 0 (got ${probeTimeoutMs})`);
    this.#failuresToCoolDown = failuresToCoolDown;
    this.#windowMs = windowMs;
    this.#coolDownMs = coolDownMs;
    this.#probeTimeoutMs = probeTimeoutMs;
    this.#now = options.now ?? Date.now;
    this.#onChange = options.onChange;
  }

  /**
   * A success after the cool-down ended (the probe's, normally) makes the target healthy and
   * forgets its failures. A success reported during the cool-down, from a request that was
   * already in flight when it began, does not end it early: a cool-down, especially a
   * Retry-After, is a promise to leave the upstream alone for that long.
   */
  success(target: Target): void {
    const now = this.#now();
    const record = this.#recordOf(target, now);
    record.activity.add(now, false);
    if (record.coolingUntil !== undefined && now >= record.coolingUntil) {
      record.coolingUntil = undefined;
      record.probeTakenAt = undefined;
      record.failureTimes.length = 0;
      this.#onChange?.(target, { state: 'recovered' });
    }
  }

  /** Record the outcome of an attempt. `retryAfterMs` (from a 429's Retry-After) cools the target down for that long at once. */
  failure(target: Target, retryAfterMs?: number): void {
    const now = this.#now();
    const record = this.#recordOf(target, now);
    record.activity.add(now, true);
    const coolingNow = record.coolingUntil !== undefined && now < record.coolingUntil;

    if (retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs >= 0) {
      // The upstream said how long; never shorten a cool-down already running for longer.
      const until = now + retryAfterMs;
      if (!coolingNow || until > (record.coolingUntil ?? 0)) this.#coolDown(target, record, until);
      return;
    }
    // A straggler failing during the cool-down says nothing new; it neither counts nor extends.
    if (coolingNow) return;
    // The cool-down is over: this is the probe (or another request after it), and it failed.
    if (record.coolingUntil !== undefined) {
      this.#coolDown(target, record, now + this.#coolDownMs);
      return;
    }

    const failures = record.failureTimes;
    this.#pruneFailures(failures, now);
    failures.push(now);
    if (failures.length > this.#failuresToCoolDown) failures.shift();
    if (failures.length >= this.#failuresToCoolDown) this.#coolDown(target, record, now + this.#coolDownMs);
  }

  /** 'healthy' | 'cooling' (skip it while another choice exists) | 'probe' (cool-down over: let exactly ONE request through to test it; until that one reports back, others still see 'cooling') */
  state(target: Target): TargetState {
    return this.#stateOf(this.#records.get(target), this.#now());
  }

  /** Candidates reordered: healthy and probing ones first (in the given order), cooling ones last (still usable when nothing else is left). Marks a probe as taken. */
  arrange(candidates: readonly Target[]): Target[] {
    // The common case: nothing has failed lately.
    if (this.#records.size === 0) return [...candidates];
    const now = this.#now();
    const arranged: Target[] = [];
    let cooling: Target[] | undefined;
    for (const target of candidates) {
      const record = this.#records.get(target);
      const state = this.#stateOf(record, now);
      if (state === 'cooling') {
        (cooling ??= []).push(target);
        continue;
      }
      if (state === 'probe' && record !== undefined) record.probeTakenAt = now;
      arranged.push(target);
    }
    if (cooling !== undefined) for (const target of cooling) arranged.push(target);
    return arranged;
  }

  snapshot(): TargetHealthRow[] {
    const now = this.#now();
    this.#forgetIdle(now);
    const rows: TargetHealthRow[] = [];
    for (const [target, record] of this.#records.entries()) {
      const row: TargetHealthRow = {
        provider: target.provider,
        model: target.model,
        state: this.#stateOf(record, now),
        recentErrors: record.activity.errors(now),
        recentRequests: record.activity.requests(now),
      };
      if (record.coolingUntil !== undefined) row.coolingUntil = new Date(record.coolingUntil).toISOString();
      rows.push(row);
    }
    return rows;
  }

  #stateOf(record: TargetRecord | undefined, now: number): TargetState {
    if (record?.coolingUntil === undefined) return 'healthy';
    if (now < record.coolingUntil) return 'cooling';
    if (record.probeTakenAt !== undefined && now - record.probeTakenAt < this.#probeTimeoutMs) return 'cooling';
    return 'probe';
  }

  #coolDown(target: Target, record: TargetRecord, until: number): void {
    // Only a healthy target starting to cool is news: a failed probe or a longer Retry-After is the same outage.
    if (record.coolingUntil === undefined) this.#onChange?.(target, { state: 'cooling', until });
    record.coolingUntil = until;
    record.probeTakenAt = undefined;
    // The failures that caused it are spent; after recovery it takes a fresh run of them.
    record.failureTimes.length = 0;
  }

  /** Drops failure times that have left the sliding window (failure times are ascending). */
  #pruneFailures(failures: number[], now: number): void {
    let expired = 0;
    while (expired < failures.length && now - (failures[expired] as number) >= this.#windowMs) expired++;
    if (expired > 0) failures.splice(0, expired);
  }

  #recordOf(target: Target, now: number): TargetRecord {
    let record = this.#records.get(target);
    if (record === undefined) {
      if (this.#records.size >= MAX_TRACKED_TARGETS) {
        this.#forgetIdle(now);
        if (this.#records.size >= MAX_TRACKED_TARGETS) this.#records.deleteOldest();
      }
      record = {
        failureTimes: [],
        coolingUntil: undefined,
        probeTakenAt: undefined,
        activity: new RecentActivity(this.#windowMs),
      };
      this.#records.set(target, record);
    }
    return record;
  }

  /** Forgets targets that are healthy and have no failures or requests left in the window. */
  #forgetIdle(now: number): void {
    const idle: Target[] = [];
    for (const [target, record] of this.#records.entries()) {
      if (record.coolingUntil !== undefined) continue;
      this.#pruneFailures(record.failureTimes, now);
      if (record.failureTimes.length === 0 && record.activity.requests(now) === 0) idle.push(target);
    }
    for (const target of idle) this.#records.delete(target);
  }
}

/**
 * Requests and errors over roughly the last window, for the status endpoint: counts in
 * ACTIVITY_SLICES time slices reused in a ring, so memory stays fixed however busy a target is.
 * A total covers the current slice and the ones before it that started within the window.
 */
class RecentActivity {
  readonly #sliceMs: number;
  /** Absolute slice number (time / sliceMs) each ring position holds; -Infinity when unused. */
  readonly #sliceOf = new Array<number>(ACTIVITY_SLICES).fill(Number.NEGATIVE_INFINITY);
  readonly #requests = new Array<number>(ACTIVITY_SLICES).fill(0);
  readonly #errors = new Array<number>(ACTIVITY_SLICES).fill(0);

  constructor(windowMs: number) {
    this.#sliceMs = windowMs / ACTIVITY_SLICES;
  }

  add(now: number, isError: boolean): void {
    const slice = Math.floor(now / this.#sliceMs);
    const position = ringPosition(slice);
    if (this.#sliceOf[position] !== slice) {
      this.#sliceOf[position] = slice;
      this.#requests[position] = 0;
      this.#errors[position] = 0;
    }
    this.#requests[position] = (this.#requests[position] ?? 0) + 1;
    if (isError) this.#errors[position] = (this.#errors[position] ?? 0) + 1;
  }

  requests(now: number): number {
    return this.#sum(this.#requests, now);
  }

  errors(now: number): number {
    return this.#sum(this.#errors, now);
  }

  #sum(counts: readonly number[], now: number): number {
    const current = Math.floor(now / this.#sliceMs);
    let total = 0;
    for (let position = 0; position < ACTIVITY_SLICES; position++) {
      const slice = this.#sliceOf[position] ?? Number.NEGATIVE_INFINITY;
      if (slice <= current && current - slice < ACTIVITY_SLICES) total += counts[position] ?? 0;
    }
    return total;
  }
}

/** A slice number's position in the ring (also for negative times, which tests may use). */
function ringPosition(slice: number): number {
  return ((slice % ACTIVITY_SLICES) + ACTIVITY_SLICES) % ACTIVITY_SLICES;
}
