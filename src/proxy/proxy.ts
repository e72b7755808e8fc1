import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Catalog } from '../catalog/catalog.ts';
import type { Pricer } from '../catalog/pricer.ts';
import type { TokenUsage } from '../catalog/types.ts';
import type { Config } from '../config/config.ts';
import type { GatewayMetrics } from '../observability/metrics.ts';
import { FormatNotSupportedError, InvalidRequestError } from '../errors.ts';
import { selectProvider } from '../routing/select-provider.ts';
import type { RequestContext } from '../server/context.ts';
import { codecOf } from '../formats/index.ts';
import { isObject } from '../formats/sse.ts';
import { upstreamFailure, type UpstreamClient } from '../upstream/client.ts';
import { upstreamRequestHeaders } from './headers.ts';
import { ResponseRelay } from './relay.ts';

/** A request about to be proxied: its parsed JSON body (if any) and the raw bytes. */
export interface ProxyRequest {
  /** The API path below `/v1`, e.g. `/chat/completions`. */
  apiPath: string;
  raw: Buffer | undefined;
  json: Record<string, unknown> | undefined;
}

export interface ProxyDeps {
  config: Config;
  upstream: UpstreamClient;
  catalog: Catalog;
  pricer: Pricer;
  metrics: GatewayMetrics;
}

/**
 * Sends a request to the provider it selects and relays the answer, when the provider speaks the
 * client's wire format. The body is forwarded byte for byte unless the model had a provider prefix
 * to strip, or an OpenAI-format stream needs `stream_options.include_usage` so that its usage
 * (and cost) is known.
 */
export async function proxyRequest(req: IncomingMessage, res: ServerResponse, ctx: RequestContext, request: ProxyRequest, deps: ProxyDeps): Promise<void> {
  const { config, upstream } = deps;
  const requestedModel = typeof request.json?.model === 'string' ? request.json.model : undefined;
  const header = req.headers['x-provider'];
  const selection = selectProvider(
    { header: typeof header === 'string' ? header : undefined, model: requestedModel },
    { knownIds: config.providerIds, active: config.providers, defaultProvider: config.defaultProvider, catalog: deps.catalog },
  );
  const { provider, model } = selection;
  ctx.provider = provider.id;
  ctx.model = model;
  ctx.selectedBy = selection.reason;
  ctx.stream = request.json?.stream === true;
  const codec = provider.wireFormat === ctx.clientFormat ? codecOf(provider.wireFormat) : undefined;
  if (!codec) throw new FormatNotSupportedError(provider.id, provider.wireFormat, ctx.clientFormat);
  if (ctx.stream) res.once('close', deps.metrics.streamOpened());

  const clientAskedForUsage = isObject(request.json?.stream_options) && request.json.stream_options.include_usage === true;
  const askForUsage = ctx.stream && !clientAskedForUsage && provider.acceptsStreamOptions;
  const body = upstreamBody(request, model !== requestedModel ? model : undefined, askForUsage);

  const price = (usage: TokenUsage, answeredModel: string | undefined) => {
    ctx.usage = usage;
    ctx.costUsd = deps.pricer.cost(provider.id, [model, answeredModel], usage);
    return ctx.costUsd;
  };
  const streamUsage = codec.streamUsage(askForUsage);
  const relay = new ResponseRelay(res, {
    extraHeaders: { ...ctx.responseHeaders, 'x-request-id': ctx.id, 'x-gateway-provider': provider.id },
    failure: (error, phase) => upstreamFailure(error, provider.id, upstream.timeouts, phase),
    sseErrorEvent: codec.sseErrorEvent,
    inspectJson: (bytes) => {
      const answer = codec.usageOfAnswer(bytes);
      return answer ? usageHeaders(answer.usage, price(answer.usage, answer.model)) : {};
    },
    inspectSse: (events) => streamUsage.events(events),
    onFinish: (stats) => {
      if (streamUsage.usage) price(streamUsage.usage, streamUsage.model);
      ctx.firstByteAt = stats.firstByteAt;
      ctx.bytesOut = stats.bytesOut;
      ctx.error = stats.error;
    },
  });
  upstream.dispatch(
    {
      url: provider.url(request.apiPath, ctx.search, model),
      method: ctx.method,
      headers: upstreamRequestHeaders(req.headers, provider),
      body,
    },
    relay,
  );
  await relay.done;
}

const INCLUDE_USAGE = Buffer.from('{"stream_options":{"include_usage":true},');

/**
 * The body to send upstream: the client's bytes when nothing changes. Asking a stream for its
 * usage splices one key into the bytes (cheaper than re-serialising a long conversation); a new
 * model name or existing stream_options mean serialising the parsed body again.
 */
function upstreamBody(request: ProxyRequest, newModel: string | undefined, askForUsage: boolean): Buffer | undefined {
  const { raw, json } = request;
  if (!json || !raw || (newModel === undefined && !askForUsage)) return raw;
  if (newModel === undefined && !('stream_options' in json)) {
    const open = raw.indexOf(0x7b /* { */);
    return Buffer.concat([INCLUDE_USAGE, raw.subarray(open + 1)]);
  }
  if (newModel !== undefined) json.model = newModel;
  if (askForUsage) json.stream_options = { ...(isObject(json.stream_options) ? json.stream_options : {}), include_usage: true };
  return Buffer.from(JSON.stringify(json));
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
