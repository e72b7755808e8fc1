import type { Redis } from 'ioredis';
import type { MemoryCounters } from './memory-counters.ts';
import type { AdmitCounts, AdmitQuery, LimitCounters, Usage } from './rate-limiter.ts';

/**
 * admit() as one script, so that the read of tokens and spend, the check of the request count
 * and its increment happen as one step on the server: Redis runs scripts one at a time, so two
 * replicas can never both see "9 of 10" and both count a tenth request.
 *
 * KEYS: requests (minute), tokens (minute), spend (day).
 * ARGV: request limit, token limit, budget in USD ('' = not enforced, not read), TTL of the
 * minute keys in ms. Returns {admitted 0|1, requests, tokens, spend}; spend stays the string
 * INCRBYFLOAT wrote, as a Lua number in a reply would be truncated to an integer.
 */
const ADMIT_SCRIPT = `
local requestLimit = tonumber(ARGV[1])
local tokenLimit = tonumber(ARGV[2])
local budget = tonumber(ARGV[3])
local requests = 0
local tokens = 0
local spend = '0'
if requestLimit then requests = tonumber(redis.call('GET', KEYS[1]) or '0') end
if tokenLimit then tokens = tonumber(redis.call('GET', KEYS[2]) or '0') end
if budget then spend = redis.call('GET', KEYS[3]) or '0' end
local admitted = 1
if (tokenLimit and tokens >= tokenLimit) or (budget and tonumber(spend) >= budget) then
  admitted = 0
elseif requestLimit then
  if requests < requestLimit then
    requests = redis.call('INCR', KEYS[1])
    redis.call('PEXPIRE', KEYS[1], ARGV[4])
  else
    admitted = 0
  end
end
return {admitted, requests, tokens, spend}
`;

/**
 * record() as one script: both additions, each with its key's expiry, or neither.
 *
 * KEYS: tokens (minute), spend (day). ARGV: tokens, cost in USD ('0' = add nothing), TTL of the
 * minute key in ms, TTL of the day key in ms.
 */
const RECORD_SCRIPT = `
if tonumber(ARGV[1]) > 0 then
  redis.call('INCRBY', KEYS[1], ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
if tonumber(ARGV[2]) > 0 then
  redis.call('INCRBYFLOAT', KEYS[2], ARGV[2])
  redis.call('PEXPIRE', KEYS[2], ARGV[4])
end
return 1
`;

/**
 * Keys outlive their window by one more of it: replicas whose clocks lag a little still find the
 * counter they share, and nothing lingers past that.
 */
const MINUTE_KEY_TTL_MS = 2 * 60_000;
const DAY_KEY_TTL_MS = 2 * 86_400_000;

/** How long a request may wait for Redis before it is counted locally instead. */
const DEFAULT_CALL_TIMEOUT_MS = 250;

/** The ioredis client with the commands defineCommand/`scripts` add (EVALSHA, EVAL on NOSCRIPT). */
interface ScriptedRedis extends Redis {
  switchyardAdmit(requestsKey: string, tokensKey: string, spendKey: string, ...args: string[]): Promise<unknown>;
  switchyardRecord(tokensKey: string, spendKey: string, ...args: string[]): Promise<unknown>;
}

/**
 * Counters in Redis, shared by every replica. Each call either answers within the timeout or
 * rejects: the caller (RedisWithLocalFallback) decides what to do instead.
 *
 * Keys: `switchyard:{<subject>}:requests:<epoch minute>`, `switchyard:{<subject>}:tokens:<epoch
 * minute>`, `switchyard:{<subject>}:spend:<YYYY-MM-DD>` (UTC). The braces are a hash tag: one
 * subject's keys share a cluster slot, as a multi-key script requires.
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
        switchyardAdmit: { lua: ADMIT_SCRIPT, numberOfKeys: 3 },
        switchyardRecord: { lua: RECORD_SCRIPT, numberOfKeys: 2 },
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

  async admit(subject: string, query: AdmitQuery): Promise<AdmitCounts> {
    const keys = subjectKeys(subject, query.minute, query.day);
    const reply = await this.#withinTimeout(() =>
      (this.#client as ScriptedRedis).switchyardAdmit(
        keys.requests,
        keys.tokens,
        keys.spend,
        query.requestLimit === null ? '' : String(query.requestLimit),
        query.tokenLimit === null ? '' : String(query.tokenLimit),
        query.budgetUsd === null ? '' : String(query.budgetUsd),
        String(MINUTE_KEY_TTL_MS),
      ),
    );
    return parseAdmitReply(reply);
  }

  async record(subject: string, usage: Usage): Promise<void> {
    const keys = subjectKeys(subject, usage.minute, usage.day);
    await this.#withinTimeout(() =>
      (this.#client as ScriptedRedis).switchyardRecord(
        keys.tokens,
        keys.spend,
        String(usage.tokens),
        String(usage.costUsd),
        String(MINUTE_KEY_TTL_MS),
        String(DAY_KEY_TTL_MS),
      ),
    );
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

  admit(subject: string, query: AdmitQuery): Promise<AdmitCounts> {
    return this.#run(
      () => this.#redis.admit(subject, query),
      () => this.#local.admitNow(subject, query),
    );
  }

  record(subject: string, usage: Usage): Promise<void> {
    return this.#run(
      () => this.#redis.record(subject, usage),
      () => this.#local.recordNow(subject, usage),
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

interface SubjectKeys {
  requests: string;
  tokens: string;
  spend: string;
}

function subjectKeys(subject: string, minute: number, day: number): SubjectKeys {
  // Escaped so the hash tag is exactly the subject and no subject can forge another's key.
  const tag = `switchyard:{${subject.replace(/[%{}]/g, (c) => encodeURIComponent(c))}}`;
  return {
    requests: `${tag}:requests:${minute}`,
    tokens: `${tag}:tokens:${minute}`,
    spend: `${tag}:spend:${new Date(day * 86_400_000).toISOString().slice(0, 10)}`,
  };
}

function parseAdmitReply(reply: unknown): AdmitCounts {
  if (Array.isArray(reply) && reply.length === 4) {
    const [admitted, requests, tokens, spend] = reply as unknown[];
    const spendUsd = Number(spend);
    if (
      typeof admitted === 'number' &&
      typeof requests === 'number' &&
      typeof tokens === 'number' &&
      Number.isFinite(spendUsd)
    ) {
      return { admitted: admitted === 1, requests, tokens, spendUsd };
    }
  }
  throw new Error('Unexpected reply from the admit script');
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
