import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Attributes, Context, Span, Tracer } from '@opentelemetry/api';
import type { Sampler as SamplerSetting, TracingConfig } from '../config/observability.ts';
import type { RequestContext } from '../server/context.ts';
import { inputMessages, responseSummary } from './genai-response.ts';
import { type ResponseTee, teeResponse } from './response-tee.ts';

/**
 * OpenTelemetry traces of the gateway, after the GenAI semantic conventions: one SERVER span per
 * request and one CLIENT span per upstream attempt (fallbacks and retries included), each attempt
 * sending its own `traceparent` upstream. The SDK is imported only when an OTLP endpoint is set.
 */
export interface Tracing {
  /** The trace of a request just arrived (continuing the client's `traceparent`). */
  start(req: IncomingMessage, res: ServerResponse, ctx: RequestContext): RequestTrace;
  /** Exports what is left; called at shutdown. */
  shutdown(): Promise<void>;
}

export interface RequestTrace {
  /** The parsed request body, for the request's GenAI attributes (and its messages, if captured). */
  request(body: Record<string, unknown> | undefined, apiPath: string): void;
  /** An upstream attempt starts: its span, and the headers that carry it upstream. */
  attempt(target: { provider: string; model: string | undefined; number: number }): AttemptTrace;
  /** The response has closed: the spans end. */
  end(res: ServerResponse, route: string): void;
}

export interface AttemptTrace {
  readonly headers: Record<string, string>;
  /** The attempt's outcome: an HTTP status, or the gateway's error code. */
  end(outcome: string): void;
}

/** Provider ids as the conventions name them (`gen_ai.provider.name`); others keep the gateway's id. */
const PROVIDER_NAMES: Readonly<Record<string, string>> = {
  bedrock: 'aws.bedrock',
  'vertex-ai': 'gcp.vertex_ai',
  gemini: 'gcp.gemini',
  'azure-openai': 'azure.ai.openai',
  'azure-foundry': 'azure.ai.inference',
  mistral: 'mistral_ai',
  xai: 'x_ai',
};
const providerName = (id: string) => PROVIDER_NAMES[id] ?? id;

const OPERATIONS: Readonly<Record<string, string>> = {
  '/chat/completions': 'chat',
  '/messages': 'chat',
  '/completions': 'text_completion',
  '/embeddings': 'embeddings',
  '/images/generations': 'generate_content',
};

/** Most of a response the span reads for its id, finish reasons and (when captured) text. */
const MAX_CAPTURED_BYTES = 1 << 20;

export async function loadTracing(config: TracingConfig, version: string): Promise<Tracing> {
  const [api, sdk, core, resources, exporters] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/core'),
    import('@opentelemetry/resources'),
    config.protocol === 'http/json'
      ? import('@opentelemetry/exporter-trace-otlp-http')
      : import('@opentelemetry/exporter-trace-otlp-proto'),
  ]);
  const samplerOf = (setting: SamplerSetting) => {
    const root =
      setting.kind === 'always_off' || setting.kind === 'parentbased_always_off'
        ? new sdk.AlwaysOffSampler()
        : 'ratio' in setting
          ? new sdk.TraceIdRatioBasedSampler(setting.ratio)
          : new sdk.AlwaysOnSampler();
    return setting.kind.startsWith('parentbased_') ? new sdk.ParentBasedSampler({ root }) : root;
  };
  const exporter = new exporters.OTLPTraceExporter({ url: config.url, headers: { ...config.headers } });
  const provider = new sdk.TracerProvider({
    resource: resources.resourceFromAttributes({ 'service.name': config.serviceName, 'service.version': version }),
    sampler: samplerOf(config.sampler),
    // Spans leave within half a second, in batches, off the request's path.
    spanProcessors: [new sdk.BatchSpanProcessor({ exporter, scheduledDelayMillis: 500 })],
  });
  const tracer = provider.getTracer('switchyard', version);
  const propagator = new core.W3CTraceContextPropagator();
  const kinds = { server: api.SpanKind.SERVER, client: api.SpanKind.CLIENT };
  const errorStatus = api.SpanStatusCode.ERROR;

  return {
    start(req, res, ctx) {
      const parent = propagator.extract(api.ROOT_CONTEXT, req.headers, api.defaultTextMapGetter);
      const span = tracer.startSpan(
        `${ctx.method} ${ctx.path}`,
        {
          kind: kinds.server,
          attributes: { 'http.request.method': ctx.method, 'url.path': ctx.path, 'switchyard.request_id': ctx.id },
        },
        parent,
      );
      return new SpanRequestTrace(
        { tracer, propagator, api, kinds, errorStatus, captureContent: config.captureContent },
        span,
        res,
        ctx,
      );
    },
    shutdown: () => provider.shutdown(),
  };
}

interface Toolkit {
  tracer: Tracer;
  propagator: { inject(context: Context, carrier: unknown, setter: unknown): void };
  api: typeof import('@opentelemetry/api');
  kinds: { server: number; client: number };
  errorStatus: number;
  captureContent: boolean;
}

interface PendingAttempt {
  span: Span;
  outcome: string | undefined;
  endedAt: number | undefined;
}

class SpanRequestTrace implements RequestTrace {
  readonly #attempts: PendingAttempt[] = [];
  #response: ResponseTee | undefined;
  #operation: string | undefined;
  #body: Record<string, unknown> | undefined;

  constructor(
    readonly toolkit: Toolkit,
    readonly span: Span,
    res: ServerResponse,
    readonly ctx: RequestContext,
  ) {
    // The response as the client gets it, for its id and finish reasons: only for recorded spans.
    if (span.isRecording()) this.#response = teeResponse(res, MAX_CAPTURED_BYTES);
  }

  request(body: Record<string, unknown> | undefined, apiPath: string): void {
    this.#operation = OPERATIONS[apiPath];
    this.#body = body;
    if (!this.#operation) return;
    this.span.setAttributes({ 'gen_ai.operation.name': this.#operation, ...requestAttributes(body) });
    if (this.toolkit.captureContent && body) this.span.setAttributes(inputContent(body));
  }

  attempt(target: { provider: string; model: string | undefined; number: number }): AttemptTrace {
    const { tracer, api, kinds, propagator } = this.toolkit;
    const model = target.model ?? (typeof this.#body?.model === 'string' ? this.#body.model : undefined);
    const attributes: Attributes = {
      'gen_ai.provider.name': providerName(target.provider),
      'switchyard.provider': target.provider,
      'switchyard.attempt': target.number,
      ...requestAttributes(this.#body),
    };
    if (this.#operation) attributes['gen_ai.operation.name'] = this.#operation;
    if (model !== undefined) attributes['gen_ai.request.model'] = model;
    if (this.ctx.selectedBy) attributes['switchyard.selected_by'] = this.ctx.selectedBy;
    const span = tracer.startSpan(
      [this.#operation ?? this.ctx.method, model].filter(Boolean).join(' '),
      { kind: kinds.client, attributes },
      api.trace.setSpan(api.ROOT_CONTEXT, this.span),
    );
    const pending: PendingAttempt = { span, outcome: undefined, endedAt: undefined };
    this.#attempts.push(pending);
    const headers: Record<string, string> = {};
    propagator.inject(api.trace.setSpan(api.ROOT_CONTEXT, span), headers, api.defaultTextMapSetter);
    return {
      headers,
      end: (outcome) => {
        pending.outcome = outcome;
        pending.endedAt = Date.now();
        const status = /^\d+$/.test(outcome) ? Number(outcome) : undefined;
        if (status !== undefined) span.setAttribute('http.response.status_code', status);
        if (status === undefined || status >= 400) {
          span.setAttribute('error.type', outcome);
          span.setStatus({ code: this.toolkit.errorStatus });
        }
      },
    };
  }

  end(res: ServerResponse, route: string): void {
    const { ctx, span } = this;
    const answer = this.#response?.bytes();
    const summary = answer?.length ? responseSummary(answer, ctx.clientFormat) : undefined;
    const outcome: Attributes = {};
    if (ctx.model !== undefined) outcome['gen_ai.request.model'] = ctx.model;
    if (summary?.model ?? ctx.model) outcome['gen_ai.response.model'] = (summary?.model ?? ctx.model) as string;
    if (summary?.id) outcome['gen_ai.response.id'] = summary.id;
    if (summary?.finishReasons.length) outcome['gen_ai.response.finish_reasons'] = summary.finishReasons;
    if (ctx.usage) {
      outcome['gen_ai.usage.input_tokens'] = ctx.usage.inputTokens;
      outcome['gen_ai.usage.output_tokens'] = ctx.usage.outputTokens;
      if (ctx.usage.cachedInputTokens) outcome['gen_ai.usage.cache_read.input_tokens'] = ctx.usage.cachedInputTokens;
      if (ctx.usage.cacheWriteInputTokens)
        outcome['gen_ai.usage.cache_creation.input_tokens'] = ctx.usage.cacheWriteInputTokens;
      if (ctx.usage.reasoningTokens) outcome['gen_ai.usage.reasoning.output_tokens'] = ctx.usage.reasoningTokens;
    }
    if (typeof ctx.costUsd === 'number') outcome['switchyard.cost_usd'] = ctx.costUsd;
    if (this.toolkit.captureContent && summary?.text !== undefined)
      outcome['gen_ai.output.messages'] = JSON.stringify([
        {
          role: 'assistant',
          parts: [{ type: 'text', content: summary.text }],
          finish_reason: summary.finishReasons[0] ?? null,
        },
      ]);

    // The attempt that answered carries the answer; failed ones already carry their error.
    const answered = this.#attempts.findLast((a) => a.outcome !== undefined && /^[23]\d\d$/.test(a.outcome));
    for (const attempt of this.#attempts) {
      if (attempt === answered) attempt.span.setAttributes(outcome);
      if (attempt.outcome === undefined) {
        attempt.span.setAttribute('error.type', 'client_aborted');
        attempt.span.setStatus({ code: this.toolkit.errorStatus });
      }
      attempt.span.end(attempt.endedAt);
    }

    span.updateName(`${ctx.method} ${route}`);
    span.setAttributes({
      ...outcome,
      'http.route': route,
      'http.response.status_code': res.statusCode,
      'switchyard.client_format': ctx.clientFormat,
    });
    if (ctx.provider) span.setAttribute('gen_ai.provider.name', providerName(ctx.provider));
    if (ctx.selectedBy) span.setAttribute('switchyard.selected_by', ctx.selectedBy);
    if (this.#attempts.length) span.setAttribute('switchyard.attempts', this.#attempts.length);
    const error = ctx.error?.code ?? (res.statusCode >= 500 ? String(res.statusCode) : undefined);
    if (error !== undefined || !res.writableFinished) {
      span.setAttribute('error.type', error ?? 'client_aborted');
      span.setStatus({ code: this.toolkit.errorStatus });
    }
    span.end();
  }
}

/** `gen_ai.request.*` from the request body, in either client format. */
function requestAttributes(body: Record<string, unknown> | undefined): Attributes {
  if (!body) return {};
  const attributes: Attributes = {};
  const number = (name: string, value: unknown) => {
    if (typeof value === 'number' && Number.isFinite(value)) attributes[name] = value;
  };
  if (typeof body.model === 'string') attributes['gen_ai.request.model'] = body.model;
  number('gen_ai.request.max_tokens', body.max_completion_tokens ?? body.max_tokens);
  number('gen_ai.request.temperature', body.temperature);
  number('gen_ai.request.top_p', body.top_p);
  if (typeof body.stream === 'boolean') attributes['gen_ai.request.stream'] = body.stream;
  return attributes;
}

/** The prompt, only with OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true. */
function inputContent(body: Record<string, unknown>): Attributes {
  const attributes: Attributes = {};
  if (Array.isArray(body.messages)) attributes['gen_ai.input.messages'] = JSON.stringify(inputMessages(body.messages));
  // Anthropic's system prompt is beside the messages: a string or text blocks.
  if (typeof body.system === 'string')
    attributes['gen_ai.system_instructions'] = JSON.stringify([{ type: 'text', content: body.system }]);
  else if (Array.isArray(body.system))
    attributes['gen_ai.system_instructions'] = JSON.stringify(
      (inputMessages([{ content: body.system }])[0] as { parts: unknown }).parts,
    );
  return attributes;
}
