import type { IncomingMessage, ServerResponse } from 'node:http';
import { asRecord } from '../formats/common/json.ts';
import { CLIENT_FORMATS, type ClientFormat, PROVIDER_FORMATS } from '../formats/index.ts';
import type { ChatRequest, ChatResponse, TokenUsage } from '../formats/ir.ts';
import { chatSideFor } from '../formats/translate.ts';
import { SSE_FRAMING } from '../formats/types.ts';
import type { GatewayMetrics } from '../observability/metrics.ts';
import { teeResponse } from '../observability/response-tee.ts';
import { decodedBody } from '../proxy/content-encoding.ts';
import type { ReadRequest } from '../proxy/exchange.ts';
import type { RequestContext } from '../server/context.ts';
import { cacheKey, canonicalBody } from './key.ts';
import { MemoryCacheStore } from './memory-store.ts';
import { RedisCacheStore } from './redis-store.ts';
import { eventsOf, responseOf } from './replay.ts';
import type { CacheStore } from './store.ts';

export interface CacheSettings {
  readonly store: 'memory' | 'redis';
  readonly ttlS: number;
  /** CACHE_MAX_BYTES: the most the memory store holds. */
  readonly maxBytes: number;
  /** `key`: each gateway key has its own answers; `global`: all share them. */
  readonly scope: 'key' | 'global';
  /** CACHE_NONDETERMINISTIC: cache answers sampled at a non-zero temperature too. */
  readonly nondeterministic: boolean;
}

/**
 * One cached answer, as stored: a line of JSON about it, then the answer's bytes as the client got
 * them (JSON or a stream, in the client's format). They are read into the IR only when a hit is
 * replayed, in whatever format and mode that client asks: a miss pays for a copy, not a parse.
 */
interface Entry {
  storedAt: number;
  provider: string;
  model: string | undefined;
  stream: boolean;
  /** The usage the gateway read (also when the client did not ask for it in its stream). */
  usage: TokenUsage | undefined;
}

/** What the cache may do for one request. */
interface Plan {
  /** The request read into the IR: only when a hit is replayed or a stream filed (readRequest). */
  ir?: ChatRequest | null;
  /** The body as the key reads it. */
  body: string;
  read: boolean;
  write: boolean;
  /** The last key computed, and for which candidate: the lookup's is usually the filing's too. */
  key?: { provider: string; model: string | undefined; key: string };
}

/**
 * The exact-match response cache, on chat requests (docs/cache-and-guardrails.md). Before the
 * first attempt, `serve` answers a hit itself, in the client's format, as JSON or as a stream of
 * events; on a miss it keeps a copy of what the client is sent and, once the response is over,
 * files it only if it is a complete, successful answer. It never fails a request: a store that
 * does not answer is a miss.
 */
export class ResponseCache {
  readonly #store: CacheStore;
  readonly #settings: CacheSettings;
  readonly #metrics: GatewayMetrics;
  /** Answers are scoped by gateway key only when there are keys (CACHE_SCOPE=key). */
  readonly #perKey: boolean;
  /** A copy larger than this (MAX_RESPONSE_BYTES) is not kept. */
  readonly #maxEntryBytes: number;

  constructor(
    store: CacheStore,
    settings: CacheSettings,
    options: { metrics: GatewayMetrics; keyed: boolean; maxEntryBytes: number },
  ) {
    this.#store = store;
    this.#settings = settings;
    this.#metrics = options.metrics;
    this.#perKey = settings.scope === 'key' && options.keyed;
    this.#maxEntryBytes = Math.min(options.maxEntryBytes, settings.maxBytes);
  }

  /**
   * Answers the request from the cache (true), or arranges for its answer to be filed (false).
   * `first` is the candidate tried first: a hit is what it answered last time.
   */
  async serve(
    req: IncomingMessage,
    res: ServerResponse,
    ctx: RequestContext,
    request: ReadRequest,
    first: { provider: { id: string }; model: string | undefined },
  ): Promise<boolean> {
    const plan = this.#plan(req, ctx, request);
    if (!plan) return false;
    let result: 'hit' | 'miss' | 'bypass' = 'bypass';
    if (plan.read) {
      const found = this.#store.get(this.#key(ctx, request, plan, first.provider.id, first.model));
      // The memory store answers at once: no promise to wait on.
      const stored = found instanceof Promise ? await found : found;
      result = stored === undefined ? 'miss' : this.#replay(res, ctx, request, plan, stored);
    }
    ctx.cache = result;
    this.#metrics.cacheResult(result);
    if (result === 'hit') return true;
    ctx.responseHeaders = { ...ctx.responseHeaders, 'x-gateway-cache': result };
    if (plan.write) this.#fileAnswer(res, ctx, request, plan);
    return false;
  }

  async close(): Promise<void> {
    await this.#store.close();
  }

  /**
   * Undefined when the cache has nothing to do with the request (not a chat call). Decided from
   * the body's top-level fields: whether the request can be replayed as asked is known only from
   * the IR, which is read when there is an answer to replay (#replay), not on every miss.
   */
  #plan(req: IncomingMessage, ctx: RequestContext, request: ReadRequest): Plan | undefined {
    const chat = chatSideFor(ctx.clientFormat, request.apiPath);
    // Ollama's /api/generate answers in a shape no provider side reads back: not cached.
    if (ctx.method !== 'POST' || !request.json || !chat || chat !== CLIENT_FORMATS[ctx.clientFormat].chat)
      return undefined;
    // A format the gateway cannot read answers of (Ollama's: no provider side) is never cached.
    if (!PROVIDER_FORMATS[ctx.clientFormat]) return { body: '', read: false, write: false };
    const directives = cacheControl(req.headers['cache-control']);
    const sampled = !this.#settings.nondeterministic && isSampled(ctx.clientFormat, request.json);
    const read = !sampled && !directives.has('no-cache') && !directives.has('no-store');
    const write = !sampled && !directives.has('no-store');
    // A request the cache neither reads nor writes has no key to compute.
    return { body: read || write ? canonicalBody(request.json) : '', read, write };
  }

  #key(ctx: RequestContext, request: ReadRequest, plan: Plan, provider: string, model: string | undefined): string {
    if (plan.key?.provider === provider && plan.key.model === model) return plan.key.key;
    const key = cacheKey({
      scope: this.#perKey ? (ctx.subject ?? '') : '',
      clientFormat: ctx.clientFormat,
      provider,
      model: model ?? request.requestedModel ?? '',
      body: plan.body,
    });
    plan.key = { provider, model, key };
    return key;
  }

  /** Answers with a stored entry, in the client's format and mode ('hit'), if it can. */
  #replay(
    res: ServerResponse,
    ctx: RequestContext,
    request: ReadRequest,
    plan: Plan,
    stored: Buffer,
  ): 'hit' | 'miss' | 'bypass' {
    const entry = parseEntry(stored);
    if (!entry) return 'miss';
    const ir = readRequest(ctx, request, plan);
    // Several choices, or a parameter the IR does not carry (logprobs…), cannot be replayed as
    // asked: such a request is sent on, and its answer (as unusable) not filed again.
    if (!ir || (ir.n ?? 1) !== 1 || Object.keys(ir.unmapped).length > 0) {
      plan.write = false;
      return 'bypass';
    }
    const response = readAnswer([entry.body], entry.meta.stream, ctx, ir);
    if (!response) return 'miss';
    if (entry.meta.usage) response.usage = entry.meta.usage;
    const client = CLIENT_FORMATS[ctx.clientFormat].chat;
    let body: string;
    if (ctx.stream) {
      const encoder = client.streamEncoder(ir, request.route);
      body = eventsOf(response)
        .map((event) => encoder.encode(event))
        .join('');
    } else body = JSON.stringify(client.encodeResponse(response, ir));
    const { provider, model, storedAt } = entry.meta;
    ctx.provider = provider;
    ctx.model = model;
    // A hit costs nothing: no usage is recorded against limits or budgets.
    ctx.costUsd = 0;
    res.writeHead(200, {
      ...ctx.responseHeaders,
      'x-request-id': ctx.id,
      'x-gateway-provider': provider,
      ...(model === undefined ? {} : { 'x-gateway-model': model }),
      'x-gateway-cache': 'hit',
      age: String(Math.max(0, Math.floor((Date.now() - storedAt) / 1000))),
      ...(ctx.stream
        ? {
            'content-type': (request.route?.framing ?? CLIENT_FORMATS[ctx.clientFormat].streamFraming ?? SSE_FRAMING)
              .contentType,
            'cache-control': 'no-cache',
          }
        : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }),
    });
    ctx.firstByteAt = performance.now();
    ctx.bytesOut = Buffer.byteLength(body);
    res.end(body);
    return 'hit';
  }

  /** Keeps what the client is sent; once the response is over, files it if it is a whole, successful answer. */
  #fileAnswer(res: ServerResponse, ctx: RequestContext, request: ReadRequest, plan: Plan): void {
    // The chunks as written (not copied), handed to the store as they are: one copy, into the store.
    teeResponse(res, this.#maxEntryBytes + 1, ({ chunks, size }) =>
      // After the last byte is on its way: filing the answer is no reason to hold it.
      setImmediate(() => {
        if (res.statusCode !== 200 || ctx.error || !ctx.provider || size > this.#maxEntryBytes) return;
        let body: readonly Buffer[] = chunks;
        const encoding = res.getHeader('content-encoding');
        if (encoding !== undefined)
          try {
            body = [decodedBody(Buffer.concat(chunks), encoding, this.#maxEntryBytes)];
          } catch {
            return;
          }
        // A stream is read back now: one cut short (or ending in an error) is not kept.
        if (ctx.stream) {
          const ir = readRequest(ctx, request, plan);
          if (!ir || !readAnswer(body, true, ctx, ir)) return;
        }
        const meta: Entry = {
          storedAt: Date.now(),
          provider: ctx.provider,
          model: ctx.model,
          stream: ctx.stream,
          usage: ctx.usage,
        };
        const parts: (Buffer | string)[] = [`${JSON.stringify(meta)}\n`];
        for (const chunk of body) parts.push(chunk);
        void this.#store.set(this.#key(ctx, request, plan, ctx.provider, ctx.model), parts, this.#settings.ttlS);
      }),
    );
  }
}

/** The request in the IR, read once (null: the gateway cannot read it, so cannot replay an answer to it). */
function readRequest(ctx: RequestContext, request: ReadRequest, plan: Plan): ChatRequest | null {
  if (plan.ir !== undefined) return plan.ir;
  try {
    plan.ir = CLIENT_FORMATS[ctx.clientFormat].chat.parseRequest(
      request.json as Record<string, unknown>,
      request.route,
    );
  } catch {
    plan.ir = null;
  }
  return plan.ir;
}

/**
 * Whether the request asks for a sampled answer (a non-zero temperature), read where its format
 * puts the temperature: an answer sampled once is not what the same request gets next.
 */
function isSampled(format: ClientFormat, body: Record<string, unknown>): boolean {
  const temperature = format === 'gemini' ? asRecord(body.generationConfig).temperature : body.temperature;
  return temperature !== undefined && temperature !== null && temperature !== 0;
}

/** An answer as the client was sent it (in the chunks it was written in), read back into one IR answer; undefined unless it is complete. */
function readAnswer(
  chunks: readonly Buffer[],
  stream: boolean,
  ctx: RequestContext,
  ir: ChatRequest,
): ChatResponse | undefined {
  // The client format read as a provider format: the same wire shape, read the other way.
  const format = PROVIDER_FORMATS[ctx.clientFormat]?.chat;
  if (!format) return undefined;
  try {
    if (!stream) return format.decodeResponse(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks), ir);
    const decoder = format.streamDecoder(ir);
    const events = chunks.flatMap((chunk) => decoder.push(chunk));
    return responseOf([...events, ...decoder.end()]);
  } catch {
    return undefined;
  }
}

function parseEntry(bytes: Buffer): { meta: Entry; body: Buffer } | undefined {
  const newline = bytes.indexOf(0x0a);
  if (newline < 0) return undefined;
  try {
    const meta = JSON.parse(bytes.toString('utf8', 0, newline)) as Entry;
    return typeof meta.storedAt === 'number' && typeof meta.provider === 'string'
      ? { meta, body: bytes.subarray(newline + 1) }
      : undefined;
  } catch {
    return undefined;
  }
}

const NO_DIRECTIVES: ReadonlySet<string> = new Set();

/** The request's Cache-Control directives, lower-cased. */
function cacheControl(header: string | string[] | undefined): ReadonlySet<string> {
  if (header === undefined) return NO_DIRECTIVES;
  const text = Array.isArray(header) ? header.join(',') : (header ?? '');
  return new Set(
    text
      .split(',')
      .map((directive) => directive.trim().toLowerCase().split('=')[0] as string)
      .filter(Boolean),
  );
}

/** The cache CACHE asks for, on its store. */
export function createResponseCache(
  settings: CacheSettings,
  options: {
    metrics: GatewayMetrics;
    keyed: boolean;
    maxEntryBytes: number;
    redisUrl: string | undefined;
    onWarning: (message: string) => void;
  },
): ResponseCache {
  const store =
    settings.store === 'redis'
      ? new RedisCacheStore(options.redisUrl as string, (reason) =>
          options.onWarning(`the response cache cannot reach Redis (${reason}); requests go to the provider`),
        )
      : new MemoryCacheStore(settings.maxBytes);
  return new ResponseCache(store, settings, options);
}
