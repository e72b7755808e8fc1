// Spend control around one request: who it counts against (key, end user), what it may cost at
// worst (reserved before the call), what it did cost (settled after). Route-agnostic: any route
// whose body names a model and an output cap is reserved for, so a route metered later (the
// Responses API) is covered by the same reservation.
import type { IncomingHttpHeaders } from 'node:http';
import type { Catalog } from '../catalog/catalog.ts';
import { costUsd } from '../catalog/cost.ts';
import type { Pricer } from '../catalog/pricer.ts';
import { imageCount, rerankQueries, routeKind, usageOfRouteRequest } from '../catalog/route-usage.ts';
import type { CatalogEntry, TokenUsage } from '../catalog/types.ts';
import type { Config } from '../config/config.ts';
import { GatewayError, RateLimitError } from '../errors.ts';
import { isObject } from '../formats/common/json.ts';
import type { GatewayMetrics } from '../observability/metrics.ts';
import { type Candidate, selectProvider } from '../routing/select-provider.ts';
import type { RequestContext } from '../server/context.ts';
import { matchesPattern } from './gateway-keys.ts';
import {
  type Demand,
  hasLimits,
  type LimitKind,
  type LimitSettings,
  type RateLimiter,
  type Reservation,
  type Subject,
} from './rate-limiter.ts';

/** The request as the route handler read it. */
export interface MeteredRequest {
  apiPath: string;
  json: Record<string, unknown> | undefined;
  raw: Buffer | undefined;
  /** The model, when the body is not JSON (multipart uploads name it in a form field). */
  model: string | undefined;
}

/** What the server keeps of a reservation until the request is over. */
export interface Metered {
  request: MeteredRequest;
  reservation: Reservation | undefined;
}

/** Models that answer with no generated tokens (`other` may be a Responses-only model: it generates). */
const NON_GENERATING = new Set(['embedding', 'moderation', 'rerank', 'search']);

/** Output tokens assumed when neither the request nor the catalog caps them. */
const DEFAULT_OUTPUT_TOKENS = 4096;
/** Transcription uploads are assumed no denser than 32 kbit/s: a high estimate of their seconds. */
const AUDIO_BYTES_PER_SECOND = 4_000;
/** Roughly four bytes of JSON per token: the input estimate (high, since JSON has overhead). */
const BYTES_PER_TOKEN = 4;

const GLOBAL_SETTINGS: Record<LimitKind, string> = {
  requests: 'RATE_LIMIT_RPM',
  tokens: 'RATE_LIMIT_TPM',
  budget: 'BUDGET_USD_DAILY',
  'monthly-budget': 'BUDGET_USD_MONTHLY',
};

const POLICY_FIELDS: Record<LimitKind, string> = {
  requests: 'rpm',
  tokens: 'tpm',
  budget: 'budget_usd_daily',
  'monthly-budget': 'budget_usd_monthly',
};

/** Whether any limit may apply: the global ones, a per-user budget, or a key file (which may gain limits on reload). */
export const isLimited = (config: Config): boolean =>
  hasLimits(config.limits) || config.limits.perUserDailyBudgetUsd !== undefined || config.gatewayKeysFile !== undefined;

const LIMIT_OF: Record<LimitKind, keyof LimitSettings> = {
  requests: 'requestsPerMinute',
  tokens: 'tokensPerMinute',
  budget: 'dailyBudgetUsd',
  'monthly-budget': 'monthlyBudgetUsd',
};

export class Metering {
  readonly #config: Config;
  readonly #catalog: Catalog;
  readonly #pricer: Pricer;
  readonly #limiter: RateLimiter;
  readonly #metrics: GatewayMetrics;
  readonly #limited: boolean;

  /** `limited`: whether any limit may apply (else only allow-lists are checked and nothing is reserved). */
  constructor(deps: {
    config: Config;
    catalog: Catalog;
    pricer: Pricer;
    limiter: RateLimiter;
    metrics: GatewayMetrics;
    limited: boolean;
  }) {
    this.#limited = deps.limited;
    this.#config = deps.config;
    this.#catalog = deps.catalog;
    this.#pricer = deps.pricer;
    this.#limiter = deps.limiter;
    this.#metrics = deps.metrics;
  }

  /** The subject of the request's key (or address): its own limits over the global ones. */
  keySubject(ctx: RequestContext): Subject {
    const global = this.#config.limits;
    const own = ctx.key?.limits ?? {};
    const limits: LimitSettings = {};
    const settings: Partial<Record<LimitKind, string>> = {};
    for (const kind of Object.keys(LIMIT_OF) as LimitKind[]) {
      const field = LIMIT_OF[kind];
      const value = own[field] ?? global[field];
      if (value === undefined) continue;
      limits[field] = value;
      settings[kind] =
        own[field] !== undefined
          ? `${POLICY_FIELDS[kind]} of key '${ctx.key?.name}' (GATEWAY_API_KEYS_FILE)`
          : GLOBAL_SETTINGS[kind];
    }
    return { id: ctx.subject ?? 'unknown', limits, settings };
  }

  /**
   * Before the call: the key's allow-lists, then one atomic reservation of the request's worst
   * case against every limit of the key and the end user. Throws the 403/429 that explains a refusal.
   */
  reserve(headers: IncomingHttpHeaders, ctx: RequestContext, request: MeteredRequest): Promise<void> | undefined {
    const key = ctx.key;
    const restricted = key !== undefined && (key.models !== undefined || key.providers !== undefined);
    // Kept even when nothing is enforced: settle() prices what the answer does not report.
    const metered: Metered = { request, reservation: undefined };
    ctx.metered = metered;
    // Nothing to enforce: skip the selection and the estimate, and the promise (this runs on every request).
    if (!this.#limited && !restricted) return undefined;
    return this.#reserve(headers, ctx, metered, key, restricted);
  }

  async #reserve(
    headers: IncomingHttpHeaders,
    ctx: RequestContext,
    metered: Metered,
    key: RequestContext['key'],
    restricted: boolean,
  ): Promise<void> {
    const { request } = metered;
    const candidates = this.#candidates(headers, request);
    if (key && restricted) {
      ctx.allowTarget = (provider, model) => allows(key.models, key.providers, provider, model, request);
      const requested = request.json?.model ?? request.model;
      if (candidates.length > 0 && !candidates.some((c) => ctx.allowTarget?.(c.provider.id, c.model))) {
        throw new GatewayError(
          403,
          'model_not_allowed',
          `The gateway key '${key.name}' may not use the model '${String(requested ?? '(default)')}'.`,
          'permission_error',
          'model',
        );
      }
    }

    const subjects = [this.keySubject(ctx)];
    const perUser = this.#config.limits.perUserDailyBudgetUsd;
    if (perUser !== undefined && ctx.user !== undefined)
      subjects.push({
        id: `user:${ctx.user}`,
        limits: { dailyBudgetUsd: perUser },
        settings: { budget: 'BUDGET_USD_DAILY_PER_USER' },
      });
    const demand = this.#worstCase(
      request,
      candidates.filter((c) => ctx.allowTarget?.(c.provider.id, c.model) ?? true),
    );
    const admission = await this.#limiter.reserve(subjects, demand);
    if (Object.keys(admission.headers).length) ctx.responseHeaders = { ...ctx.responseHeaders, ...admission.headers };
    if (!admission.allowed) {
      this.#metrics.rateLimited({ limit: admission.limit });
      throw new RateLimitError(admission.message, admission.headers);
    }
    metered.reservation = admission.reservation;
  }

  /**
   * After the call, whichever way it ended: prices what the answer did not report (speech, images
   * without usage), then settles the reservation. An error status releases it. A success whose
   * usage or price is unknown (a stream the client left before its usage arrived) keeps the
   * reserved worst case: leaving early must not make a request free.
   */
  settle(ctx: RequestContext, status: number): Promise<void> {
    const metered = ctx.metered;
    if (metered === undefined) return Promise.resolve();
    // A cache hit costs nothing: its reservation is released like a failure's.
    const succeeded = status < 400 && ctx.cache !== 'hit';
    if (succeeded && ctx.usage === undefined && ctx.provider !== undefined) {
      const usage = usageOfRouteRequest(metered.request.apiPath, metered.request.json);
      if (usage) {
        ctx.usage = usage;
        ctx.costUsd = this.#pricer.cost(ctx.provider, [ctx.model], usage);
      }
    }
    const reservation = metered.reservation;
    if (reservation === undefined) return Promise.resolve();
    const reserved = reservation.demand;
    // A usage that reads as nothing at all is a shape the readers did not recognise, not a free answer.
    const usage = ctx.usage && consumedAnything(ctx.usage) ? ctx.usage : undefined;
    const actual: Demand = !succeeded
      ? { tokens: 0, costUsd: 0 }
      : {
          tokens: usage ? usage.inputTokens + usage.outputTokens : reserved.tokens,
          costUsd: usage ? (ctx.costUsd ?? reserved.costUsd) : reserved.costUsd,
        };
    return this.#limiter.settle(reservation, actual).catch(() => undefined);
  }

  /**
   * Before every upstream attempt after the first (a retry, a fallback, another key of a pool):
   * each is a call the provider counts, so it counts against RPM, and its input (the prompt is
   * sent again) against TPM. Never refused: the request was admitted and is under way.
   */
  countAttempt(ctx: RequestContext): void {
    const metered = ctx.metered;
    if (metered?.reservation === undefined) return;
    const inputTokens = Math.ceil((metered.request.raw?.length ?? 0) / BYTES_PER_TOKEN);
    void this.#limiter.countAttempt(metered.reservation, inputTokens);
  }

  #candidates(headers: IncomingHttpHeaders, request: MeteredRequest): Candidate[] {
    const header = headers['x-provider'];
    const model = typeof request.json?.model === 'string' ? request.json.model : request.model;
    try {
      return selectProvider(
        { header: typeof header === 'string' ? header : undefined, model },
        {
          knownIds: this.#config.providerIds,
          active: this.#config.providers,
          defaultProvider: this.#config.defaultProvider,
          catalog: this.#catalog,
          routes: this.#config.routing.routes,
        },
      ).candidates;
    } catch {
      return []; // the proxy reports why no provider can serve it
    }
  }

  /** The dearest of the candidates' worst cases: a fallback may land on any of them. */
  #worstCase(request: MeteredRequest, candidates: readonly Candidate[]): Demand {
    let demand: Demand = { tokens: 0, costUsd: 0 };
    const targets = candidates.length ? candidates : [undefined];
    for (const candidate of targets) {
      const entry = candidate && this.#catalog.find(candidate.provider.id, candidate.model ?? '');
      const usage = worstCaseUsage(request, entry);
      // Tokens the entry has no price for (a DALL-E prompt) must not make the whole estimate unknown.
      const cost = costUsd(entry, usage) ?? costUsd(entry, { ...usage, inputTokens: 0, outputTokens: 0 }) ?? 0;
      const tokens = usage.inputTokens + usage.outputTokens;
      demand = { tokens: Math.max(demand.tokens, tokens), costUsd: Math.max(demand.costUsd, cost) };
    }
    return demand;
  }
}

function consumedAnything(usage: TokenUsage): boolean {
  return (
    usage.inputTokens + usage.outputTokens > 0 ||
    (usage.images ?? 0) + (usage.characters ?? 0) + (usage.audioSeconds ?? 0) + (usage.queries ?? 0) > 0
  );
}

/** The most a request may consume: input estimated from its size, output at its cap. */
function worstCaseUsage(request: MeteredRequest, entry: CatalogEntry | undefined): TokenUsage {
  const { apiPath, json, raw } = request;
  const bytes = raw?.length ?? 0;
  const contextWindow = entry?.contextWindow ?? Number.POSITIVE_INFINITY;
  const inputTokens = Math.min(Math.ceil(bytes / BYTES_PER_TOKEN), contextWindow);
  if (apiPath === '/messages/count_tokens' || apiPath === '/models') return { inputTokens: 0, outputTokens: 0 };
  switch (routeKind(apiPath)) {
    case 'images':
      return { ...(usageOfRouteRequest(apiPath, json) as TokenUsage), images: imageCount(json), inputTokens };
    case 'speech': {
      const characters = typeof json?.input === 'string' ? json.input.length : 0;
      return { inputTokens: Math.ceil(characters / BYTES_PER_TOKEN), outputTokens: 0, characters };
    }
    case 'transcription': {
      const audioSeconds = Math.ceil(bytes / AUDIO_BYTES_PER_SECOND);
      return { inputTokens: audioSeconds * 50, outputTokens: entry?.maxOutputTokens ?? 2_000, audioSeconds };
    }
    case 'rerank':
      return { inputTokens, outputTokens: 0, queries: rerankQueries(json) };
  }
  // Embeddings, moderation and the like generate no tokens.
  const generates = entry === undefined || !NON_GENERATING.has(entry.mode);
  if (apiPath === '/embeddings' || !generates) return { inputTokens, outputTokens: 0 };
  // A model named in the path (Gemini's `models/{model}:generateContent`) counts as named.
  if (json === undefined || (typeof json.model !== 'string' && request.model === undefined))
    return { inputTokens: 0, outputTokens: 0 };
  const cap = outputCap(json);
  const limit = entry?.maxOutputTokens;
  const perChoice = cap !== undefined ? Math.min(cap, limit ?? cap) : (limit ?? DEFAULT_OUTPUT_TOKENS);
  const choices = typeof json.n === 'number' && Number.isInteger(json.n) && json.n > 1 ? json.n : 1;
  const tier = json.service_tier;
  return {
    inputTokens,
    outputTokens: perChoice * choices,
    ...(tier === 'flex' || tier === 'priority' ? { serviceTier: tier } : {}),
  };
}

/** The output cap a request sets, in whichever API's spelling. */
function outputCap(json: Record<string, unknown>): number | undefined {
  const generation = isObject(json.generationConfig) ? json.generationConfig : undefined;
  const ollamaOptions = isObject(json.options) ? json.options : undefined;
  for (const value of [
    json.max_completion_tokens,
    json.max_output_tokens,
    json.max_tokens,
    generation?.maxOutputTokens,
    ollamaOptions?.num_predict,
  ])
    if (typeof value === 'number' && Number.isFinite(value) && value > 0) return Math.ceil(value);
  return undefined;
}

/** Whether a key's allow-lists admit this provider and model (patterns match `provider/model` or the requested name). */
function allows(
  models: readonly string[] | undefined,
  providers: readonly string[] | undefined,
  provider: string,
  model: string | undefined,
  request: MeteredRequest,
): boolean {
  if (providers && !providers.includes(provider)) return false;
  if (!models) return true;
  const requested = typeof request.json?.model === 'string' ? request.json.model : request.model;
  const names = [model === undefined ? undefined : `${provider}/${model}`, model, requested];
  return models.some((pattern) => names.some((name) => name !== undefined && matchesPattern(pattern, name)));
}
