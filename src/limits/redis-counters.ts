import type { Redis } from 'ioredis';
import { type CounterCheck, IDLE_EPSILON, type LimitCounters, type ReserveResult } from './counters.ts';
import type { MemoryCounters } from './memory-counters.ts';

/**
 * reserve() as one script: every counter is read, each check is judged (the rule of
 * IDLE_EPSILON in rate-limiter.ts), and either every amount is added, each with its key's expiry,
 * or none. Redis runs one script at a time, so two replicas can never both see "9 of 10" and both
 * take the tenth slot, nor both fit a $0.06 reservation into the last $0.06 of a budget.
 *
 * KEYS: the counters. ARGV: per key, limit ('' = not checked), amount, TTL in ms. Returns
 * {failed index (1-based, 0 = none), value…}; values are strings, as a Lua number in a reply
 * would be truncated to an integer.
 */
const RESERVE_SCRIPT = `
local values = {}
local failed = 0
for i = 1, #KEYS do
  local current = tonumber(redis.call('GET', KEYS[i]) or '0')
  values[i] = current
  local limit = tonumber(ARGV[3 * i - 2])
  if failed == 0 and limit and current > ${IDLE_EPSILON} and current + tonumber(ARGV[3 * i - 1]) > limit then
    failed = i
  end
end
local reply = {failed}
for i = 1, #KEYS do
  if failed == 0 then
    local amount = ARGV[3 * i - 1]
    if tonumber(amount) ~= 0 then
      values[i] = tonumber(redis.call('INCRBYFLOAT', KEYS[i], amount))
      redis.call('PEXPIRE', KEYS[i], ARGV[3 * i])
    end
  end
  reply[i + 1] = tostring(values[i])
end
return reply
`;

/**
 * add() as one script: settling a reservation moves all its counters or none. A negative amount
 * never takes a counter below zero nor recreates one that has expired.
 *
 * KEYS: the counters. ARGV: per key, amount, TTL in ms.
 */
const ADD_SCRIPT = `
for i = 1, #KEYS do
  local amount = tonumber(ARGV[2 * i - 1])
  local current = tonumber(redis.call('GET', KEYS[i]) or '0')
  if amount > 0 or current > 0 then
    if current + amount < 0 then amount = -current end
    redis.call('INCRBYFLOAT', KEYS[i], tostring(amount))
    redis.call('PEXPIRE', KEYS[i], ARGV[2 * i])
  end
end
return 1
`;

/** How long a request may wait for Redis before it is counted locally instead. */
const DEFAULT_CALL_TIMEOUT_MS = 250;

/** The ioredis client with the commands defineCommand/`scripts` add (EVALSHA, EVAL on NOSCRIPT). */
interface ScriptedRedis extends Redis {
  /** Scripts with a variable number of keys: the first argument is that number. */
  switchyardReserve(numberOfKeys: number, ...keysAndArgs: string[]): Promise<unknown>;
  switchyardAdd(numberOfKeys: number, ...keysAndArgs: string[]): Promise<unknown>;
}

/**
 * Counters in Redis, shared by every replica. Each call either answers within the timeout or
 * rejects: the caller (RedisWithLocalFallback) decides what to do instead.
 *
 * Keys (named in rate-limiter.ts): `switchyard:{<subject>}:requests|tokens:<epoch minute>`,
 * `switchyard:{<subject>}:spend:<YYYY-MM-DD>` and `…:spend:<YYYY-MM>` (UTC).
 *
 * Spend is USD as a float (INCRBYFLOAT) rather than integer micro-dollars: a double keeps ~15
 * significant digits, so the error over a day of additions is far below a cent, while integer
 * units would round the cheapest requests (an embedding of a few tokens costs less than a
 * micro-dollar) to nothing, or cap the budget (nano-dollars overflow 2^53 above $9M).
 */
export class RedisCounters implements LimitCounters {
  /**
   * The client, once ioredis is loaded. It is loaded on demand: most gateways run without Redis,
   * and evaluating ioredis cost every start-up about 35 ms.
   */
  #client: ScriptedRedis | undefined;
  readonly #loaded: Promise<ScriptedRedis>;
  readonly #timeoutMs: number;
  readonly #credentials: readonly string[];
  /** The URL without user name and password: what warnings may show. */
  readonly address: string;
  /** Set while the first connection attempt is under way; settles when it succeeds or fails. */
  #firstAttempt: Promise<void> | null;
  #lastConnectionError: string | undefined;

  constructor(url: string, timeoutMs = DEFAULT_CALL_TIMEOUT_MS) {
    this.#timeoutMs = timeoutMs;
    this.address = withoutCredentials(url);
    this.#credentials = credentialsOf(url);
    this.#loaded = import('ioredis').then(({ Redis }) => this.#connect(Redis, url));
    this.#firstAttempt = this.#loaded
      .then(
        (client) =>
          new Promise<void>((settle) => {
            client.once('ready', settle);
            client.once('close', settle);
            client.once('end', settle);
          }),
      )
      .then(() => {
        this.#firstAttempt = null;
      });
  }

  #connect(RedisClass: typeof Redis, url: string): ScriptedRedis {
    const client = new RedisClass(url, {
      // A command sent while disconnected fails at once instead of waiting in a queue: the
      // request is counted locally, and is not counted a second time when the queue replays.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      connectTimeout: 1_000,
      // Keep reconnecting in the background, at most a second apart, for as long as it takes.
      retryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
      connectionName: 'switchyard-limits',
      scripts: {
        switchyardReserve: { lua: RESERVE_SCRIPT },
        switchyardAdd: { lua: ADD_SCRIPT },
      },
    });
    // Without a listener ioredis prints every connection error; the outage warning reports it once.
    client.on('error', (error: unknown) => {
      this.#lastConnectionError = this.redact(errorMessage(error));
    });
    client.on('ready', () => {
      this.#lastConnectionError = undefined;
    });
    this.#client = client as ScriptedRedis;
    return this.#client;
  }

  /** True while connected and past the ready check: a command sent now is answered (or times out). */
  get isReady(): boolean {
    return this.#client?.status === 'ready';
  }

  /** The last connection error (credentials removed), while disconnected. */
  get lastConnectionError(): string | undefined {
    return this.#lastConnectionError;
  }

  /** Called whenever a (re)connection becomes usable. */
  onReady(listener: () => void): void {
    void this.#loaded.then((client) => client.on('ready', listener));
  }

  async reserve(checks: readonly CounterCheck[]): Promise<ReserveResult> {
    const args = checks.flatMap((check) => [
      check.limit === null ? '' : String(check.limit),
      String(check.amount),
      String(check.ttlMs),
    ]);
    const reply = await this.#withinTimeout(() =>
      (this.#client as ScriptedRedis).switchyardReserve(checks.length, ...checks.map((c) => c.key), ...args),
    );
    return parseReserveReply(reply, checks.length);
  }

  async add(adds: readonly { key: string; amount: number; ttlMs: number }[]): Promise<void> {
    const args = adds.flatMap((add) => [String(add.amount), String(add.ttlMs)]);
    await this.#withinTimeout(() =>
      (this.#client as ScriptedRedis).switchyardAdd(adds.length, ...adds.map((a) => a.key), ...args),
    );
  }

  async read(keys: readonly string[]): Promise<number[]> {
    if (keys.length === 0) return [];
    const values = await this.#withinTimeout(() => (this.#client as ScriptedRedis).mget(...keys));
    return values.map((value) => Number(value ?? 0) || 0);
  }

  /** QUIT when connected (pending replies arrive first), then stop reconnecting for good. */
  async close(): Promise<void> {
    const client = await this.#loaded;
    if (this.isReady) {
      await this.#withinTimeout(() => client.quit()).catch(() => undefined);
    }
    client.disconnect();
  }

  /** `text` with the URL's password replaced, should an error message ever quote it. */
  redact(text: string): string {
    let redacted = text;
    for (const secret of this.#credentials) redacted = redacted.replaceAll(secret, '***');
    return redacted;
  }

  /**
   * Runs `send` but gives up after the timeout, so that a frozen or unreachable server costs a
   * request at most that long. At start-up it first waits (within the same timeout) for the
   * connection being opened, since with the offline queue off a command sent before it is ready
   * would fail at once and count the first requests locally for no reason.
   */
  async #withinTimeout<T>(send: () => Promise<T>): Promise<T> {
    // Loading ioredis (compiled on its first import) is this process's own work, not Redis being
    // slow: on a busy machine it took longer than the timeout and sent the first requests to
    // local counting, so the timeout starts once the client exists.
    if (!this.#client) await this.#loaded;
    let expired = false;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        expired = true;
        reject(new Error(`Redis did not answer within ${this.#timeoutMs} ms`));
      }, this.#timeoutMs);
    });
    const attempt = (async () => {
      if (this.#firstAttempt) await this.#firstAttempt;
      // Too late: the caller has counted locally. Sending now would count the request twice.
      if (expired) throw new Error('Redis call abandoned after its timeout');
      return send();
    })();
    // Whichever loses the race must not surface as an unhandled rejection.
    attempt.catch(() => undefined);
    try {
      return await Promise.race([attempt, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Redis first, in-memory counters while it is away. The first failed call switches every later
 * call to local counting (no more waiting on a dead server) and warns once; the connection coming
 * back (ioredis's `ready`), or a probe that succeeds, switches back and warns once more.
 *
 * During an outage each replica counts on its own, so together they may admit up to replicas ×
 * the limit; what was counted locally is not replayed into Redis afterwards.
 */
export class RedisWithLocalFallback implements LimitCounters {
  readonly #redis: RedisCounters;
  readonly #local: MemoryCounters;
  readonly #warn: (message: string, detail?: object) => void;
  readonly #probeIntervalMs: number;
  #countingLocally = false;
  #lastProbeAt = Number.NEGATIVE_INFINITY;
  #closed = false;

  constructor(
    redis: RedisCounters,
    local: MemoryCounters,
    warn: (message: string, detail?: object) => void,
    probeIntervalMs = 1_000,
  ) {
    this.#redis = redis;
    this.#local = local;
    this.#warn = warn;
    this.#probeIntervalMs = probeIntervalMs;
    redis.onReady(() => this.#backToRedis());
  }

  reserve(checks: readonly CounterCheck[], now: number): Promise<ReserveResult> {
    return this.#run(
      () => this.#redis.reserve(checks),
      () => this.#local.reserveNow(checks, now),
    );
  }

  add(adds: readonly { key: string; amount: number; ttlMs: number }[], now: number): Promise<void> {
    return this.#run(
      () => this.#redis.add(adds),
      () => this.#local.addNow(adds, now),
    );
  }

  read(keys: readonly string[], now: number): Promise<number[]> {
    return this.#run(
      () => this.#redis.read(keys),
      () => this.#local.readNow(keys, now),
    );
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#redis.close();
  }

  async #run<T>(remote: () => Promise<T>, local: () => T): Promise<T> {
    if (this.#closed) return local();
    const probing = this.#countingLocally;
    if (probing && !this.#mayProbe()) return local();
    try {
      const result = await remote();
      // Only a call sent after the switch proves Redis is back; one sent before it may land late.
      if (probing) this.#backToRedis();
      return result;
    } catch (error) {
      this.#toLocal(error);
      return local();
    }
  }

  /**
   * A reconnection announces itself with `ready`; probing is for a connection that is up but
   * does not answer (a frozen server, a script error): one call a second tries Redis again.
   */
  #mayProbe(): boolean {
    if (!this.#redis.isReady) return false;
    const now = performance.now();
    if (now - this.#lastProbeAt < this.#probeIntervalMs) return false;
    this.#lastProbeAt = now;
    return true;
  }

  #toLocal(error: unknown): void {
    if (this.#countingLocally || this.#closed) return;
    this.#countingLocally = true;
    this.#lastProbeAt = performance.now();
    const cause = this.#redis.lastConnectionError;
    this.#warn('Redis unreachable: counting locally', {
      redis: this.#redis.address,
      error: this.#redis.redact(errorMessage(error)),
      ...(cause === undefined ? {} : { cause }),
    });
  }

  #backToRedis(): void {
    if (!this.#countingLocally || this.#closed) return;
    this.#countingLocally = false;
    this.#warn('Redis reachable again: counting in Redis', { redis: this.#redis.address });
  }
}

function parseReserveReply(reply: unknown, count: number): ReserveResult {
  if (Array.isArray(reply) && reply.length === count + 1 && typeof reply[0] === 'number') {
    const values = (reply.slice(1) as unknown[]).map(Number);
    if (values.every(Number.isFinite)) return { failed: reply[0] - 1, values };
  }
  throw new Error('Unexpected reply from the reserve script');
}

/** The URL as it may be shown: no user name, no password. */
export function withoutCredentials(url: string): string {
  if (!URL.canParse(url)) return '(unparseable Redis URL)';
  const parsed = new URL(url);
  parsed.username = '';
  parsed.password = '';
  return parsed.toString();
}

/** The URL's password, raw and decoded, for redaction. */
function credentialsOf(url: string): string[] {
  if (!URL.canParse(url)) return [];
  const { password } = new URL(url);
  const secrets = [password, safeDecode(password)].filter((s) => s.length > 0);
  // Longest first, so that a form containing the other is replaced whole.
  return [...new Set(secrets)].sort((a, b) => b.length - a.length);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
