import { AggregatorRegistry, Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { CounterSeries, GaugeSeries, HistogramSeries } from './series.ts';

export interface MetricsOptions {
  /** True when the catalog knows this model for this provider; other models are labelled "other" so label cardinality stays bounded. */
  isKnownModel: (provider: string, model: string) => boolean;
}

/** The outcome of one request, as `requestFinished` records it. */
export interface FinishedRequest {
  /** One of the fixed route names, never the raw request path (see `GatewayMetrics`). */
  route: string;
  provider: string | undefined;
  model: string | undefined;
  status: number;
  durationMs: number;
  /** Time from the request's arrival to the first byte sent to the client, when any was sent. */
  ttfbMs: number | undefined;
  streamed: boolean;
}

/** Token counts of one request, as the provider reported them. */
export interface TokenCounts {
  provider: string;
  model: string;
  input: number;
  cachedInput: number;
  cacheWrite: number;
  output: number;
  reasoning: number;
}

export type RateLimitKind = 'requests' | 'tokens' | 'budget' | 'monthly-budget';

/**
 * Request duration buckets, in seconds. One histogram covers very different requests:
 * `/health` and `/v1/models` answer in a few ms, embeddings in tens to hundreds of ms, chat
 * completions in 0.5–30 s, and streamed or reasoning completions last minutes. The buckets run
 * from 5 ms to 600 s (the default REQUEST_TIMEOUT_MS) so timed-out requests still land in a finite
 * bucket, with roughly 2–2.5x steps so every range keeps useful quantile resolution.
 */
const REQUEST_DURATION_BUCKETS_SECONDS: readonly number[] = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600,
]);

/**
 * Time-to-first-byte buckets, in seconds. The gateway's own overhead and locally answered
 * requests are around a millisecond; hosted models usually send their first token in 0.2–2 s;
 * reasoning models and cold starts (Replicate, Hugging Face, Ollama loading a model) can take
 * tens of seconds. Hence 1 ms to 60 s, finer around 0.1–5 s where most traffic sits.
 */
const TIME_TO_FIRST_BYTE_BUCKETS_SECONDS: readonly number[] = Object.freeze([
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20, 30, 60,
]);

const RATE_LIMIT_KINDS: readonly RateLimitKind[] = ['requests', 'tokens', 'budget', 'monthly-budget'];

/** Label value when the request never reached a provider, or named no model. */
const NONE = 'none';
/** Label value for a model the catalog does not know, so clients cannot mint new series. */
const OTHER = 'other';

/**
 * The gateway's Prometheus metrics. `GET /metrics` renders them with `render()`.
 *
 * Label values are always ids, numbers or members of small fixed sets, never keys, headers, paths
 * or prompt text: the methods below only accept ids and numbers, and must stay that way. Every
 * label is bounded so that the number of series cannot grow with traffic:
 * - `route`: one of a small fixed set chosen by the caller (`/v1/chat/completions`,
 *   `/v1/embeddings`, `/v1/messages`, `passthrough`, `/v1/models`, `/health`, ...). The caller must
 *   never pass the raw request path: paths are client-controlled (`/v1/anything/<random>`), and
 *   passthrough paths can carry ids.
 * - `provider`: a configured provider id (`none` when the request never reached a provider).
 * - `model`: a model the catalog knows for that provider, otherwise `other` (`none` when the
 *   request named no model). Clients may send any string as the model.
 * - `status`: the numeric HTTP status; `kind`, `limit`: small fixed sets.
 *
 * Create one instance per process. Each instance owns its registry (never prom-client's global
 * default registry) so tests and embedders get isolated state; its process metrics add a GC
 * observer and an event-loop-delay monitor that prom-client offers no way to stop, neither of
 * which keeps the process alive.
 */
export class GatewayMetrics {
  readonly #registry = new Registry();
  readonly #isKnownModel: MetricsOptions['isKnownModel'];

  /*
   * The metrics updated on every request are series.ts's plain counters, read on scrape: prom-client
   * hashed and validated the labels on every update. The rare ones stay prom-client's.
   */
  readonly #requests: CounterSeries<'route' | 'provider' | 'model' | 'status'>;
  readonly #requestDuration: HistogramSeries<'route' | 'provider'>;
  readonly #timeToFirstByte: HistogramSeries<'route' | 'provider' | 'streamed'>;
  readonly #tokens: CounterSeries<'provider' | 'model' | 'type'>;
  readonly #cost: CounterSeries<'provider' | 'model'>;
  readonly #upstreamErrors: Counter<'provider' | 'kind'>;
  readonly #fallbacks: Counter<'from' | 'to'>;
  readonly #requestsInFlight: GaugeSeries;
  readonly #openStreams: GaugeSeries;
  readonly #rateLimitedBy: ReadonlyMap<RateLimitKind, Counter.Internal>;
  readonly #requestLogDropped: Counter;
  /** Bound once per result: the cache counts every chat request, on the path it waits on. */
  readonly #cache: Record<'hit' | 'miss' | 'bypass', Counter.Internal>;
  readonly #guardrails: Counter<'rule' | 'action'>;
  readonly #attributed: CounterSeries<'user' | 'session'>;
  readonly #keyCooldowns: Counter<'provider' | 'key'>;

  constructor(options: MetricsOptions) {
    this.#isKnownModel = options.isKnownModel;
    const registers = [this.#registry];

    const registry = this.#registry;
    this.#requests = new CounterSeries(
      'switchyard_requests_total',
      'Requests answered by the gateway, by route, provider, model and HTTP status.',
      ['route', 'provider', 'model', 'status'],
      registry,
    );
    this.#requestDuration = new HistogramSeries(
      'switchyard_request_duration_seconds',
      'Time from a request arriving to its response ending (a whole stream, when streamed).',
      ['route', 'provider'],
      REQUEST_DURATION_BUCKETS_SECONDS,
      registry,
    );
    this.#timeToFirstByte = new HistogramSeries(
      'switchyard_time_to_first_byte_seconds',
      'Time from a request arriving to the first response byte sent to the client.',
      ['route', 'provider', 'streamed'],
      TIME_TO_FIRST_BYTE_BUCKETS_SECONDS,
      registry,
    );
    this.#tokens = new CounterSeries(
      'switchyard_tokens_total',
      'Tokens reported by providers, by type: input, cached_input, cache_write, output, reasoning.',
      ['provider', 'model', 'type'],
      registry,
    );
    this.#cost = new CounterSeries(
      'switchyard_cost_usd_total',
      'Estimated cost of requests in US dollars, from catalog prices.',
      ['provider', 'model'],
      registry,
    );
    this.#upstreamErrors = new Counter({
      name: 'switchyard_upstream_errors_total',
      help: 'Failed calls to providers, by kind: timeout, unreachable, stream, http_5xx, http_429.',
      labelNames: ['provider', 'kind'],
      registers,
    });
    this.#fallbacks = new Counter({
      name: 'switchyard_fallbacks_total',
      help: 'Requests retried on another provider after the first one failed.',
      labelNames: ['from', 'to'],
      registers,
    });
    this.#requestsInFlight = new GaugeSeries(
      'switchyard_requests_in_flight',
      'Requests currently being handled.',
      registry,
    );
    this.#openStreams = new GaugeSeries(
      'switchyard_open_streams',
      'Server-sent event streams currently open to clients.',
      registry,
    );
    const rateLimited = new Counter({
      name: 'switchyard_rate_limited_total',
      help: 'Requests refused by a gateway limit: requests, tokens or budget.',
      labelNames: ['limit'],
      registers,
    });
    this.#rateLimitedBy = new Map(RATE_LIMIT_KINDS.map((limit) => [limit, rateLimited.labels(limit)]));
    for (const child of this.#rateLimitedBy.values()) child.inc(0);

    this.#requestLogDropped = new Counter({
      name: 'switchyard_request_log_dropped_total',
      help: 'Finished requests the request log store could not take in time and that were dropped.',
      registers,
    });

    const cache = new Counter({
      name: 'switchyard_cache_requests_total',
      help: 'Chat requests the response cache saw, by result: hit, miss, bypass.',
      labelNames: ['result'],
      registers,
    });
    this.#cache = { hit: cache.labels('hit'), miss: cache.labels('miss'), bypass: cache.labels('bypass') };
    this.#guardrails = new Counter({
      name: 'switchyard_guardrail_actions_total',
      help: 'Guardrail rules that acted on a request or answer, by rule type and action (redact, block, log, rewrite).',
      labelNames: ['rule', 'action'],
      registers,
    });

    // Counted on every metered request: a series, not a prom-client Counter (see series.ts).
    this.#attributed = new CounterSeries(
      'switchyard_attributed_requests_total',
      'Metered requests by where their end user came from (header, body, none) and whether they named a session. Users and sessions themselves are in the log line, never in labels.',
      ['user', 'session'],
      registry,
    );

    this.#keyCooldowns = new Counter({
      name: 'switchyard_provider_key_cooldowns_total',
      help: 'Times a key of a provider key pool was set to cool down (429, 401, 403), by key index (never its value).',
      labelNames: ['provider', 'key'],
      registers,
    });

    collectDefaultMetrics({ register: this.#registry });
  }

  /** A request entered the gateway; returns the function to call once when it is over. */
  requestStarted(): () => void {
    return holdGauge(this.#requestsInFlight);
  }

  /** An SSE stream to a client opened; returns the function to call once when it closed. */
  streamOpened(): () => void {
    return holdGauge(this.#openStreams);
  }

  requestFinished(r: FinishedRequest): void {
    const provider = r.provider ?? NONE;
    this.#requests.inc({
      route: r.route,
      provider,
      model: this.#modelLabel(r.provider, r.model),
      status: String(r.status),
    });
    // A bad duration is a caller bug; recording metrics must never fail the request, so skip it.
    if (isNonNegativeFinite(r.durationMs)) {
      this.#requestDuration.observe({ route: r.route, provider }, r.durationMs / 1000);
    }
    if (r.ttfbMs !== undefined && isNonNegativeFinite(r.ttfbMs)) {
      this.#timeToFirstByte.observe(
        { route: r.route, provider, streamed: r.streamed ? 'true' : 'false' },
        r.ttfbMs / 1000,
      );
    }
  }

  tokens(r: TokenCounts): void {
    const model = this.#modelLabel(r.provider, r.model);
    // Zero counts are skipped so a model that never caches or reasons gets no empty series.
    this.#addTokens(r.provider, model, 'input', r.input);
    this.#addTokens(r.provider, model, 'cached_input', r.cachedInput);
    this.#addTokens(r.provider, model, 'cache_write', r.cacheWrite);
    this.#addTokens(r.provider, model, 'output', r.output);
    this.#addTokens(r.provider, model, 'reasoning', r.reasoning);
  }

  cost(r: { provider: string; model: string; usd: number }): void {
    if (!isPositiveFinite(r.usd)) return;
    this.#cost.inc({ provider: r.provider, model: this.#modelLabel(r.provider, r.model) }, r.usd);
  }

  /** `kind` is one of a fixed set ('timeout', 'unreachable', 'stream', 'http_5xx', 'http_429'), never an error message. */
  upstreamError(r: { provider: string; kind: string }): void {
    this.#upstreamErrors.inc({ provider: r.provider, kind: r.kind });
  }

  fallback(r: { from: string; to: string }): void {
    this.#fallbacks.inc({ from: r.from, to: r.to });
  }

  /** `user` is one of 'header', 'body', 'none': never the user's id, which is unbounded. */
  attributed(r: { user: 'header' | 'body' | 'none'; session: boolean }): void {
    this.#attributed.inc({ user: r.user, session: r.session ? 'yes' : 'no' });
  }

  /** `key` is the index of the key in its pool, a small bounded number. */
  keyCooldown(r: { provider: string; key: number }): void {
    this.#keyCooldowns.inc({ provider: r.provider, key: String(r.key) });
  }

  rateLimited(r: { limit: RateLimitKind }): void {
    this.#rateLimitedBy.get(r.limit)?.inc();
  }

  cacheResult(result: 'hit' | 'miss' | 'bypass'): void {
    this.#cache[result].inc();
  }

  /** `rule` is a rule type (pii, deny, …), never a rule's configured name; `action` one of a fixed set. */
  guardrail(r: { rule: string; action: string }): void {
    this.#guardrails.inc({ rule: r.rule, action: r.action });
  }

  requestLogDropped(count: number): void {
    this.#requestLogDropped.inc(count);
  }

  /** The metrics in the Prometheus text exposition format, with the content type to serve them with. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.#registry.contentType, body: await this.#registry.metrics() };
  }

  /**
   * The metrics as values, for WORKERS' `/metrics` to sum over the workers (`renderMerged`). A
   * histogram's labels are flattened into each value: prom-client's aggregator groups values by
   * `labels` alone, so two series told apart only by their shared labels would be summed together.
   */
  async snapshot(): Promise<MetricsSnapshot> {
    const metrics = await this.#registry.getMetricsAsJSON();
    return metrics.map((metric) => ({
      ...metric,
      values: metric.values.map(({ labels, value, metricName, sharedLabels }: FlattenedValue) => ({
        labels: { ...sharedLabels, ...labels },
        value,
        ...(metricName === undefined ? {} : { metricName }),
      })),
    }));
  }

  #addTokens(provider: string, model: string, type: string, count: number): void {
    if (isPositiveFinite(count)) this.#tokens.inc({ provider, model, type }, count);
  }

  #modelLabel(provider: string | undefined, model: string | undefined): string {
    if (model === undefined) return NONE;
    // Without a provider the catalog cannot vouch for the name, which came from the client.
    if (provider === undefined) return OTHER;
    return this.#isKnownModel(provider, model) ? model : OTHER;
  }
}

/** One process's metrics as `GatewayMetrics.snapshot()` gives them (JSON, so they cross IPC). */
export type MetricsSnapshot = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

type FlattenedValue = MetricsSnapshot[number]['values'][number] & { metricName?: string; sharedLabels?: object };

/**
 * Several processes' metrics as one: counters, histograms and gauges summed (prom-client's
 * aggregator; process metrics by their own rule: start time omitted, event-loop lag averaged), and
 * `switchyard_workers` saying how many processes answered.
 */
export async function renderMerged(
  snapshots: readonly MetricsSnapshot[],
): Promise<{ contentType: string; body: string }> {
  const registry = AggregatorRegistry.aggregate(snapshots as MetricsSnapshot[]);
  new Gauge({
    name: 'switchyard_workers',
    help: 'Worker processes (WORKERS) whose metrics this scrape sums; fewer than WORKERS while one restarts.',
    registers: [registry],
  }).set(snapshots.length);
  return { contentType: registry.contentType, body: await registry.metrics() };
}

/**
 * Raises a gauge and returns the function that lowers it again. Only the first call lowers it, so
 * a caller that reaches its clean-up twice (say on both 'finish' and 'close') cannot make it drift.
 */
function holdGauge(gauge: GaugeSeries): () => void {
  gauge.inc({});
  let released = false;
  return () => {
    if (released) return;
    released = true;
    gauge.dec();
  };
}

function isNonNegativeFinite(value: number): boolean {
  return Number.isFinite(value) && value >= 0;
}

function isPositiveFinite(value: number): boolean {
  return Number.isFinite(value) && value > 0;
}
