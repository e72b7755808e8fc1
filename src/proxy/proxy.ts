import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Catalog } from '../catalog/catalog.ts';
import type { Pricer } from '../catalog/pricer.ts';
import type { TokenUsage } from '../catalog/types.ts';
import type { Config } from '../config/config.ts';
import { FormatNotSupportedError, GatewayError, InvalidRequestError } from '../errors.ts';
import { isObject } from '../formats/common/json.ts';
import { CLIENT_FORMATS, clientSideOf } from '../formats/index.ts';
import { type Exchange, translatedError, translatorFor } from '../formats/translate.ts';
import type { ClientSide } from '../formats/types.ts';
import type { GatewayMetrics } from '../observability/metrics.ts';
import type { Provider, WireFormat } from '../providers/types.ts';
import type { Router } from '../routing/router.ts';
import { type Candidate, selectProvider, splitModelPrefix } from '../routing/select-provider.ts';
import type { RequestEstimate } from '../routing/strategies.ts';
import type { Attempt, RequestContext } from '../server/context.ts';
import { type UpstreamClient, upstreamFailure } from '../upstream/client.ts';
import { upstreamRequestHeaders } from './headers.ts';
import { type RelayStats, ResponseRelay, RetryableResponse } from './relay.ts';

/** A request about to be proxied: its parsed JSON body (if any) and the raw bytes. */
export interface ProxyRequest {
  /** The API path below `/v1`, e.g. `/chat/completions`. */
  apiPath: string;
  raw: Buffer | undefined;
  json: Record<string, unknown> | undefined;
}

/** What every attempt needs to know of the request, read from it once. */
interface ReadRequest extends ProxyRequest {
  requestedModel: string | undefined;
  clientAskedForUsage: boolean;
}

/** A candidate with the wire format it is reached in, and the translated exchange when that is not the client's. */
interface PreparedCandidate extends Candidate {
  format: WireFormat;
  exchange: Exchange | undefined;
}

export interface ProxyDeps {
  config: Config;
  upstream: UpstreamClient;
  catalog: Catalog;
  pricer: Pricer;
  metrics: GatewayMetrics;
  router: Router;
}

/** Statuses worth another attempt: rate limited, overloaded (529 is Anthropic's), failing, timed out (never 400/401/403/404/422). */
const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504, 529]);
/** Gateway-side failures before any answer that another attempt may not meet: unreachable, no headers in time. */
const RETRYABLE_CODES = new Set(['upstream_unreachable', 'upstream_timeout']);

/**
 * Sends a request to the candidates it selects, in the routing strategy's order, and relays the
 * first answer worth relaying. A retryable failure (429, 5xx, 408, unreachable, no headers in time)
 * is retried on the same target (MAX_RETRIES, with backoff honouring Retry-After) and then on the
 * next candidate (FALLBACK) — never once a byte has reached the client, and never beyond
 * REQUEST_TIMEOUT_MS in all. The last attempt's answer is relayed whatever it is.
 *
 * A candidate speaking the client's wire format gets the body byte for byte, unless the model
 * changes or an OpenAI-format stream needs `stream_options.include_usage` so that its usage (and
 * cost) is known. Any other candidate gets the request translated into its format (formats/
 * translate.ts), and its answer translated back — if the gateway can express the request there.
 */
export async function proxyRequest(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: RequestContext,
  proxied: ProxyRequest,
  deps: ProxyDeps,
): Promise<void> {
  const { config, router } = deps;
  const requestedModel = typeof proxied.json?.model === 'string' ? proxied.json.model : undefined;
  const request: ReadRequest = {
    ...proxied,
    requestedModel,
    clientAskedForUsage: isObject(proxied.json?.stream_options) && proxied.json.stream_options.include_usage === true,
  };
  const header = req.headers['x-provider'];
  const selection = selectProvider(
    { header: typeof header === 'string' ? header : undefined, model: requestedModel },
    {
      knownIds: config.providerIds,
      active: config.providers,
      defaultProvider: config.defaultProvider,
      catalog: deps.catalog,
      routes: config.routing.routes,
    },
  );
  ctx.selectedBy = selection.reason;
  ctx.stream = request.json?.stream === true;
  if (ctx.stream) res.once('close', deps.metrics.streamOpened());

  // X-Provider pins the provider: no strategy, no fallback. Otherwise X-Gateway-Fallback adds targets.
  const pinned = selection.reason === 'header';
  const extra = pinned ? [] : fallbackTargets(req.headers['x-gateway-fallback'], config);
  const usable = targetsOf([...selection.candidates, ...extra], request, ctx, deps.catalog);
  const ordered = pinned ? usable : router.order(usable, estimateTokens(request));
  // Without fallback only the first candidate is ever tried.
  const candidates = router.fallback && !pinned ? ordered : ordered.slice(0, 1);
  const maxAttempts = candidates.length * (router.maxRetries + 1);

  const deadline = ctx.startedAt + config.requestTimeoutMs;
  const attempts: Attempt[] = (ctx.attempts = []);
  let previous: PreparedCandidate | undefined;
  let failure: GatewayError | undefined;
  for (let index = 0; index < candidates.length; index++) {
    const candidate = candidates[index] as PreparedCandidate;
    const isLastCandidate = index === candidates.length - 1;
    if (previous) deps.metrics.fallback({ from: previous.provider.id, to: candidate.provider.id });
    previous = candidate;
    for (let retry = 0; retry <= router.maxRetries; retry++) {
      const lastChance = attempts.length + 1 >= maxAttempts || (isLastCandidate && retry === router.maxRetries);
      const remaining = deadline - performance.now();
      // A hung provider must leave time for the others: each remaining candidate gets its share.
      const share = lastChance ? remaining : remaining / (candidates.length - index);
      const result = await attempt(req, res, ctx, request, deps, candidate, lastChance || remaining <= 0, share);
      if (result.done || res.destroyed) return;
      failure = result.failure;
      // Unreachable: the next candidate may do better; if there is none, a retry may still succeed.
      if (!result.retrySameTarget && !isLastCandidate) break;
      if (retry === router.maxRetries) break;
      const wait = Math.min(router.retryDelay(retry, result.retryAfter), deadline - performance.now());
      if (wait < 0) break;
      await sleep(wait);
      if (res.destroyed) return;
    }
    if (deadline - performance.now() <= 0) break;
  }
  // Every attempt failed with something retryable, and time or candidates ran out.
  throw (
    failure ??
    new GatewayError(
      502,
      'upstream_failed',
      `Every attempt failed (${attempts.map((a) => `${a.provider}: ${a.outcome}`).join(', ')}).`,
      'upstream_error',
    )
  );
}

/**
 * The candidates the request can be sent to: those speaking the client's format, and those the
 * request translates into. When none is left, the reason: the first translation's refusal (a 400
 * naming the parameter), or the format pair the gateway does not translate.
 */
function targetsOf(
  candidates: Candidate[],
  request: ReadRequest,
  ctx: RequestContext,
  catalog: Catalog,
): PreparedCandidate[] {
  const translator = translatorFor(request.apiPath, ctx.clientFormat, request.json);
  const capability = CAPABILITY_OF_PATH[request.apiPath];
  const targets: PreparedCandidate[] = [];
  let refusal: unknown;
  for (const candidate of candidates) {
    if (capability && candidate.provider.capabilities?.[capability] === false) {
      refusal ??= new GatewayError(
        400,
        'capability_not_supported',
        `Provider '${candidate.provider.id}' does not offer ${capability}.`,
        'invalid_request_error',
        'model',
      );
      continue;
    }
    const format = candidate.provider.wireFormatFor?.(candidate.model) ?? candidate.provider.wireFormat;
    if (format === ctx.clientFormat) {
      targets.push({ ...candidate, format, exchange: undefined });
    } else if (translator?.supports(format)) {
      try {
        const model = candidate.model ?? request.requestedModel ?? '';
        const limits = catalog.find(candidate.provider.id, model);
        targets.push({
          ...candidate,
          format,
          exchange: translator.prepare(format, model, { maxOutputTokens: limits?.maxOutputTokens }),
        });
      } catch (error) {
        if (!(error instanceof GatewayError)) throw error;
        refusal ??= error;
      }
    }
  }
  if (targets.length > 0) return targets;
  const first = candidates[0] as Candidate;
  ctx.provider = first.provider.id;
  ctx.model = first.model;
  if (refusal) throw refusal;
  throw new FormatNotSupportedError(
    first.provider.id,
    first.provider.wireFormatFor?.(first.model) ?? first.provider.wireFormat,
    ctx.clientFormat,
    request.apiPath,
  );
}

/** Endpoints that need a capability not every provider has. */
const CAPABILITY_OF_PATH: Readonly<Record<string, 'embeddings' | 'images'>> = {
  '/embeddings': 'embeddings',
  '/images/generations': 'images',
};

interface AttemptResult {
  /** The answer (or an error) reached the client; nothing more to do. */
  done: boolean;
  retrySameTarget?: boolean;
  retryAfter?: string;
  /** The gateway-side failure, to report should no other attempt succeed. */
  failure?: GatewayError;
}

/**
 * One attempt at one candidate, recorded in `ctx.attempts` (before the response ends, so the log
 * line has it). Resolves `done` once something reached the client; otherwise says why not.
 */
async function attempt(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: RequestContext,
  request: ReadRequest,
  deps: ProxyDeps,
  candidate: PreparedCandidate,
  lastChance: boolean,
  timeoutMs: number,
): Promise<AttemptResult> {
  const { upstream, router } = deps;
  const { provider, model, exchange } = candidate;
  ctx.provider = provider.id;
  ctx.model = model;
  ctx.droppedParams = exchange?.dropped.length ? exchange.dropped : undefined;
  const price = (usage: TokenUsage, answeredModel: string | undefined) => {
    ctx.usage = usage;
    ctx.costUsd = deps.pricer.cost(provider.id, [model, answeredModel], usage);
    return ctx.costUsd;
  };
  const started = performance.now();
  const attempts = (ctx.attempts ??= []);
  const number = attempts.length + 1;
  const record = (outcome: string) =>
    attempts.push({ provider: provider.id, model, outcome, ms: Math.round(performance.now() - started) });
  const common = {
    extraHeaders: {
      ...ctx.responseHeaders,
      'x-request-id': ctx.id,
      'x-gateway-provider': provider.id,
      ...(model === undefined ? {} : { 'x-gateway-model': model }),
      'x-gateway-attempts': String(number),
      ...(exchange?.dropped.length ? { 'x-gateway-dropped-params': exchange.dropped.join(', ') } : {}),
    },
    failure: (error: unknown, phase: 'headers' | 'body') =>
      upstreamFailure(error, provider.id, { ...upstream.timeouts, requestTimeoutMs: Math.round(timeoutMs) }, phase),
    streamErrorEvent: CLIENT_FORMATS[ctx.clientFormat].streamErrorEvent,
    retryable: lastChance ? undefined : (status: number) => RETRYABLE_STATUS.has(status),
    headersTimeoutMs: Math.max(1, Math.round(timeoutMs)),
  };

  if (exchange?.localResponse !== undefined) {
    record('local');
    res.writeHead(200, {
      ...common.extraHeaders,
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(exchange.localResponse),
      'x-gateway-token-count': 'estimated',
    });
    res.end(exchange.localResponse);
    return { done: true };
  }
  let outgoing: { url: string; method: string; body: Buffer | undefined; headers: Record<string, string> };
  let makeRelay: () => ResponseRelay;
  let transcoder = exchange && ctx.stream ? exchange.stream?.() : undefined;
  if (exchange) {
    makeRelay = () =>
      new ResponseRelay(res, {
        ...common,
        translate: {
          response: (bytes) => {
            const answer = exchange.response(bytes);
            return {
              body: answer.body,
              headers: answer.usage ? usageHeaders(answer.usage, price(answer.usage, answer.model)) : {},
            };
          },
          error: (status, bytes) => translatedErrorBody(ctx, candidate, status, bytes),
          stream: transcoder,
        },
        onFinish: (stats) => {
          record(String(res.statusCode));
          if (transcoder?.usage) price(transcoder.usage, transcoder.model);
          finishStats(ctx, stats);
        },
      });
    outgoing = { ...translatedRequest(req, exchange, provider, model, ctx.stream), method: ctx.method };
  } else {
    const codec = clientSideOf(candidate.format) as ClientSide;
    const askForUsage = ctx.stream && !request.clientAskedForUsage && provider.acceptsStreamOptions;
    const streamUsage = codec.streamUsage(askForUsage);
    makeRelay = () =>
      new ResponseRelay(res, {
        ...common,
        inspectJson: (bytes) => {
          const answer = codec.usageOfResponse(bytes);
          return answer ? usageHeaders(answer.usage, price(answer.usage, answer.model)) : {};
        },
        inspectSse: (events) => streamUsage.events(events),
        onFinish: (stats) => {
          record(String(res.statusCode));
          if (streamUsage.usage) price(streamUsage.usage, streamUsage.model);
          finishStats(ctx, stats);
        },
      });
    const body = upstreamBody(
      request,
      provider,
      model !== request.requestedModel ? model : undefined,
      askForUsage,
      ctx.stream,
    );
    outgoing = {
      url: provider.url(body.path, ctx.search, model),
      method: ctx.method,
      body: body.bytes,
      headers: upstreamRequestHeaders(req.headers, provider),
    };
  }

  let relay: ResponseRelay | undefined;
  try {
    if (provider.authorize) Object.assign(outgoing.headers, await authorize(provider, ctx.method, outgoing));
    if (exchange?.followStream && ctx.stream) {
      // The stream is a second request: the first one's answer says where it is.
      const first = await firstStep(
        res,
        upstream,
        outgoing,
        Math.max(1, Math.round(timeoutMs)),
        provider.id,
        lastChance,
      );
      if (first.status >= 300) {
        sendTranslatedError(
          res,
          common.extraHeaders,
          translatedErrorBody(ctx, candidate, first.status, first.body),
          first.status,
        );
        record(String(first.status));
        router.record(candidate, { ok: false });
        return { done: true };
      }
      const follow = exchange.followStream(first.body, provider.baseUrl);
      transcoder = follow.transcoder;
      outgoing = {
        url: follow.url,
        method: 'GET',
        body: undefined,
        headers: { ...provider.authHeaders, ...follow.headers },
      };
    }
    relay = makeRelay();
    upstream.dispatch(
      { url: outgoing.url, method: outgoing.method, headers: outgoing.headers, body: outgoing.body },
      relay,
    );
    await relay.done;
    const ttfbMs = (relay.respondedAt ?? performance.now()) - started;
    if (res.statusCode < 400 || !RETRYABLE_STATUS.has(res.statusCode)) router.record(candidate, { ok: true, ttfbMs });
    else router.record(candidate, { ok: false });
    return { done: true };
  } catch (error) {
    if (error instanceof RetryableResponse) {
      record(String(error.status));
      router.record(candidate, { ok: false, retryAfter: error.retryAfter });
      return { done: false, retrySameTarget: true, retryAfter: error.retryAfter };
    }
    relay?.cancel();
    const failure = error as GatewayError;
    record(failure.code);
    router.record(candidate, { ok: false });
    if (lastChance || !RETRYABLE_CODES.has(failure.code)) throw failure;
    // Connection refused will be refused again; a timeout may pass on the next try.
    return { done: false, retrySameTarget: failure.code === 'upstream_timeout', failure };
  }
}

const translatedErrorBody = (ctx: RequestContext, candidate: PreparedCandidate, status: number, bytes: Buffer) =>
  CLIENT_FORMATS[ctx.clientFormat].errorBody(translatedError(candidate.format, status, bytes));

function sendTranslatedError(res: ServerResponse, headers: Record<string, string>, body: string, status: number): void {
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * The first request of a two-step exchange, read whole (the client's hang-up aborts it). A
 * retryable status is given up for another attempt, as the relay does.
 */
async function firstStep(
  res: ServerResponse,
  upstream: UpstreamClient,
  outgoing: { url: string; method: string; body: Buffer | undefined; headers: Record<string, string> },
  timeoutMs: number,
  providerId: string,
  lastChance: boolean,
) {
  const abort = new AbortController();
  const onClose = () => abort.abort(new Error('client disconnected'));
  res.once('close', onClose);
  try {
    const answer = await upstream.fetchWhole(outgoing, abort.signal, timeoutMs);
    if (!lastChance && RETRYABLE_STATUS.has(answer.status)) {
      const retryAfter = answer.headers['retry-after'];
      throw new RetryableResponse(answer.status, typeof retryAfter === 'string' ? retryAfter : undefined);
    }
    return answer;
  } catch (error) {
    if (error instanceof RetryableResponse) throw error;
    throw upstreamFailure(error, providerId, { ...upstream.timeouts, requestTimeoutMs: timeoutMs }, 'headers');
  } finally {
    res.off('close', onClose);
  }
}

function finishStats(ctx: RequestContext, stats: RelayStats): void {
  ctx.firstByteAt = stats.firstByteAt;
  ctx.bytesOut = stats.bytesOut;
  ctx.error = stats.error;
}

/** The translated request: the exchange's path and body (adapted by the provider), JSON headers. */
function translatedRequest(
  req: IncomingMessage,
  exchange: Exchange,
  provider: Provider,
  model: string | undefined,
  stream: boolean,
) {
  let { path, body } = exchange.request;
  if (provider.adaptRequest) ({ path, body } = provider.adaptRequest({ path, body }, { model, stream }));
  // Providers that always report stream usage refuse OpenAI's request for it.
  if (!provider.acceptsStreamOptions && 'stream_options' in body) {
    const { stream_options: _dropped, ...rest } = body;
    body = rest;
  }
  const headers = {
    ...upstreamRequestHeaders(req.headers, provider),
    'content-type': 'application/json',
    ...exchange.request.headers,
  };
  return { url: provider.url(path, '', model), body: Buffer.from(JSON.stringify(body)), headers };
}

/** Per-request credentials (SigV4, OAuth2 tokens); a failure to get them is the provider's failure. */
async function authorize(
  provider: Provider,
  method: string,
  outgoing: { url: string; body: Buffer | undefined; headers: Record<string, string> },
) {
  try {
    return await provider.authorize!({ method, ...outgoing });
  } catch (error) {
    if (error instanceof GatewayError) throw error;
    throw new GatewayError(
      502,
      'upstream_auth_failed',
      `Could not get credentials for provider '${provider.id}': ${(error as Error).message}.`,
      'upstream_error',
    );
  }
}

const INCLUDE_USAGE = Buffer.from('{"stream_options":{"include_usage":true},');

/**
 * The body to send upstream: the client's bytes when nothing changes. Asking a stream for its
 * usage splices one key into the bytes (cheaper than re-serialising a long conversation); a new
 * model name, existing stream_options or a provider that rewrites requests mean serialising the
 * parsed body again.
 */
function upstreamBody(
  request: ProxyRequest,
  provider: Provider,
  newModel: string | undefined,
  askForUsage: boolean,
  stream: boolean,
): { path: string; bytes: Buffer | undefined } {
  const { raw, json, apiPath } = request;
  if (!json || !raw || (newModel === undefined && !askForUsage && !provider.adaptRequest))
    return { path: apiPath, bytes: raw };
  if (newModel === undefined && !('stream_options' in json) && !provider.adaptRequest) {
    const open = raw.indexOf(0x7b /* { */);
    return { path: apiPath, bytes: Buffer.concat([INCLUDE_USAGE, raw.subarray(open + 1)]) };
  }
  let body = { ...json };
  if (newModel !== undefined) body.model = newModel;
  if (askForUsage)
    body.stream_options = { ...(isObject(json.stream_options) ? json.stream_options : {}), include_usage: true };
  let path = apiPath;
  if (provider.adaptRequest)
    ({ path, body } = provider.adaptRequest(
      { path, body },
      { model: newModel ?? (request.json?.model as string | undefined), stream },
    ));
  return { path, bytes: Buffer.from(JSON.stringify(body)) };
}

/** Response headers reporting a priced answer's token counts and cost. */
function usageHeaders(usage: TokenUsage, cost: number | null): Record<string, string> {
  const headers: Record<string, string> = {
    'x-gateway-usage':
      `input=${usage.inputTokens}; cached_input=${usage.cachedInputTokens ?? 0}; cache_write=${usage.cacheWriteInputTokens ?? 0}; ` +
      `output=${usage.outputTokens}; reasoning=${usage.reasoningTokens ?? 0}`,
  };
  // Fixed-point, never exponent notation: cheap requests cost fractions of a cent.
  if (cost !== null) headers['x-gateway-cost-usd'] = cost.toFixed(10).replace(/\.?0+$/, '');
  return headers;
}

/** Parses a JSON request body into an object, or explains why it is not one. */
export function parseJsonBody(raw: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch {
    // The parser's message quotes the body, which may hold secrets: do not echo it.
    throw new InvalidRequestError('invalid_json', 'The request body is not valid JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidRequestError('invalid_body', 'The request body must be a JSON object.');
  }
  return value as Record<string, unknown>;
}

/** X-Gateway-Fallback: `provider/model, provider/model` targets tried after the selected ones. */
function fallbackTargets(header: string | string[] | undefined, config: Config): Candidate[] {
  if (typeof header !== 'string') return [];
  const targets: Candidate[] = [];
  for (const item of header
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean)) {
    const split = splitModelPrefix(item, config.providerIds);
    const provider = split && config.providers.get(split.provider);
    if (!split || !provider) {
      throw new InvalidRequestError(
        'invalid_fallback',
        `X-Gateway-Fallback: '${item}' is not "provider/model" with an active provider.`,
      );
    }
    targets.push({ provider, model: split.model });
  }
  return targets;
}

/** A rough size of the request for the cost strategy: about 4 characters a token, and the output cap. */
function estimateTokens(request: ProxyRequest): RequestEstimate {
  const json = request.json;
  const cap = json?.max_completion_tokens ?? json?.max_tokens;
  return {
    inputTokens: Math.ceil((request.raw?.length ?? 0) / 4),
    outputTokens: typeof cap === 'number' && cap > 0 ? cap : 1000,
  };
}
