import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Catalog } from '../catalog/catalog.ts';
import type { Config } from '../config/config.ts';
import { FormatNotSupportedError, GatewayError, InvalidRequestError } from '../errors.ts';
import { isObject } from '../formats/common/json.ts';
import { CLIENT_FORMATS, targetFormatOf } from '../formats/index.ts';
import { type AnswerFilter, type Translator, translatorFor } from '../formats/translate.ts';
import { type Candidate, selectProvider, splitModelPrefix } from '../routing/select-provider.ts';
import type { RequestEstimate } from '../routing/strategies.ts';
import type { RequestContext } from '../server/context.ts';
import { attempt } from './attempt.ts';
import type { PreparedCandidate, ProxyDeps, ProxyRequest, ReadRequest } from './exchange.ts';
import { hopsOf } from './headers.ts';
import { runAttemptPlan } from './retry-policy.ts';

export type { ProxyDeps, ProxyRequest } from './exchange.ts';

/**
 * Sends a request to the candidates it selects, in the routing strategy's order, and relays the
 * first answer worth relaying; the retry policy (retry-policy.ts) decides what is tried next after
 * a failure. The last attempt's answer is relayed whatever it is.
 *
 * A candidate speaking the client's wire format gets a pass-through exchange (pass-through-
 * exchange.ts); any other a translated one (translated-exchange.ts) — if the gateway can express
 * the request there.
 */
export async function proxyRequest(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: RequestContext,
  proxied: ProxyRequest,
  deps: ProxyDeps,
): Promise<void> {
  const { config, router } = deps;
  // A base URL pointing back at a gateway (this one, or one that points back here) is a loop.
  if (hopsOf(req.headers) >= config.maxHops)
    throw new GatewayError(
      508,
      'loop_detected',
      `The request has passed through ${config.maxHops} gateways (x-gateway-hops): a provider's base URL points back at a gateway.`,
      'upstream_error',
    );
  const client = CLIENT_FORMATS[ctx.clientFormat];
  const requestedModel = proxied.route
    ? proxied.route.model || undefined
    : typeof proxied.json?.model === 'string'
      ? proxied.json.model
      : proxied.model;
  const request: ReadRequest = {
    ...proxied,
    requestedModel,
    clientAskedForUsage: isObject(proxied.json?.stream_options) && proxied.json.stream_options.include_usage === true,
  };
  const header = req.headers['x-provider'];
  const selection = selectProvider(
    {
      header: typeof header === 'string' ? header : undefined,
      model: requestedModel,
      pathProvider: client.nativeProvider,
    },
    {
      knownIds: config.providerIds,
      active: config.providers,
      unavailable: config.unavailableProviders,
      defaultProvider: config.defaultProvider,
      catalog: deps.catalog,
      routes: config.routing.routes,
    },
  );
  ctx.selectedBy = selection.reason;
  ctx.stream =
    proxied.route?.stream ?? client.isStream?.(proxied.apiPath, request.json) ?? request.json?.stream === true;
  if (ctx.stream) res.on('close', deps.metrics.streamOpened());

  // X-Provider pins the provider: no strategy, no fallback. Otherwise X-Gateway-Fallback adds targets.
  const pinned = selection.reason === 'header';
  const extra = pinned ? [] : fallbackTargets(req.headers['x-gateway-fallback'], config);
  // A gateway key's allow-lists (limits/metering.ts) filter fallbacks too.
  const allowed = [...selection.candidates, ...extra].filter((c) => ctx.allowTarget?.(c.provider.id, c.model) ?? true);
  if (allowed.length === 0)
    throw new GatewayError(
      403,
      'model_not_allowed',
      'The gateway key may not use these targets.',
      'permission_error',
      'model',
    );
  // Guardrails that read answers need them in the IR: every candidate is then a translated exchange.
  const filter = deps.guardrails?.answerFilter(ctx, request.apiPath);
  const usable = targetsOf(allowed, request, ctx, deps.catalog, filter);
  const ordered = pinned ? usable : router.order(usable, estimateTokens(request));
  // Without fallback only the first candidate is ever tried.
  const candidates = router.fallback && !pinned ? ordered : ordered.slice(0, 1);
  if (deps.cache && (await deps.cache.serve(req, res, ctx, request, candidates[0] as PreparedCandidate))) return;

  ctx.attempts = [];
  const { answered, failure } = await runAttemptPlan(
    candidates,
    {
      maxRetries: router.maxRetries,
      retryDelay: (retry, retryAfter) => router.retryDelay(retry, retryAfter),
      deadline: ctx.startedAt + config.requestTimeoutMs,
      abandoned: () => res.destroyed,
      onFallback: (from, to) =>
        deps.metrics.fallback({
          from: (candidates[from] as PreparedCandidate).provider.id,
          to: (candidates[to] as PreparedCandidate).provider.id,
        }),
    },
    (candidate, slot) => attempt({ req, res, ctx, request, deps, candidate, ...slot }),
  );
  if (answered) return;
  // Every attempt failed with something retryable, and time or candidates ran out.
  throw (
    failure ??
    new GatewayError(
      502,
      'upstream_failed',
      `Every attempt failed (${ctx.attempts.map((a) => `${a.provider}: ${a.outcome}`).join(', ')}).`,
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
  filter: AnswerFilter | undefined,
): PreparedCandidate[] {
  // Made on the first candidate that needs it: most requests pass through untranslated.
  let translator: Translator | undefined;
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
    const model = candidate.model ?? request.requestedModel ?? '';
    const limits = catalog.find(candidate.provider.id, model);
    const format = targetFormatOf(candidate.provider, candidate.model, limits?.mode);
    const native = format === ctx.clientFormat || candidate.provider.nativeFormats?.includes(ctx.clientFormat);
    // An answer filter reads the answer in the IR: no target gets the request passed through.
    if (native && !request.route?.translated && !filter) {
      targets.push({ ...candidate, format, exchange: undefined });
    } else if (
      (translator ??= translatorFor(request.apiPath, ctx.clientFormat, request.json, request.route, filter))?.supports(
        format,
      )
    ) {
      try {
        targets.push({
          ...candidate,
          format,
          exchange: translator.prepare(format, model, {
            maxOutputTokens: limits?.maxOutputTokens,
            reasoning: limits?.capabilities.reasoning,
          }),
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
  ':embedContent': 'embeddings',
  ':batchEmbedContents': 'embeddings',
  '/api/embed': 'embeddings',
  '/api/embeddings': 'embeddings',
  '/images/generations': 'images',
};

const MAX_FALLBACK_TARGETS = 5;

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
  // Each target may be retried: an unbounded list would fan one request out without limit.
  if (targets.length > MAX_FALLBACK_TARGETS)
    throw new InvalidRequestError(
      'invalid_fallback',
      `X-Gateway-Fallback names ${targets.length} targets; at most ${MAX_FALLBACK_TARGETS} are allowed.`,
    );
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
