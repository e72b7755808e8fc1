import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Catalog } from '../catalog/catalog.ts';
import type { Pricer } from '../catalog/pricer.ts';
import type { TokenUsage } from '../catalog/types.ts';
import type { Config } from '../config/config.ts';
import { FormatNotSupportedError, InvalidRequestError } from '../errors.ts';
import { PROVIDER_IDS } from '../providers/registry.ts';
import { selectProvider } from '../routing/select-provider.ts';
import type { RequestContext } from '../server/context.ts';
import { openAIErrorBody } from '../server/error-response.ts';
import { upstreamFailure, type UpstreamClient } from '../upstream/client.ts';
import { upstreamRequestHeaders } from './headers.ts';
import { OpenAIStreamUsage, tokenUsageOf } from './openai-usage.ts';
import { relayResponse } from './relay.ts';

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
}

/**
 * Sends an OpenAI-format request to the provider it selects and relays the answer. The body is
 * forwarded byte for byte unless the model had a provider prefix to strip, or a stream needs
 * `stream_options.include_usage` so that its usage (and cost) is known.
 */
export async function proxyRequest(req: IncomingMessage, res: ServerResponse, ctx: RequestContext, request: ProxyRequest, deps: ProxyDeps): Promise<void> {
  const { config, upstream } = deps;
  const requestedModel = typeof request.json?.model === 'string' ? request.json.model : undefined;
  const header = req.headers['x-provider'];
  const selection = selectProvider(
    { header: typeof header === 'string' ? header : undefined, model: requestedModel },
    { knownIds: PROVIDER_IDS, active: config.providers, defaultProvider: config.defaultProvider, catalog: deps.catalog },
  );
  const { provider, model } = selection;
  ctx.provider = provider.id;
  ctx.model = model;
  ctx.selectedBy = selection.reason;
  ctx.stream = request.json?.stream === true;
  if (provider.wireFormat !== 'openai') throw new FormatNotSupportedError(provider.id, provider.wireFormat);

  let body = request.raw;
  let rewrite = false;
  if (request.json && model !== requestedModel) {
    request.json.model = model;
    rewrite = true;
  }
  const clientAskedForUsage = isObject(request.json?.stream_options) && request.json.stream_options.include_usage === true;
  if (request.json && ctx.stream && !clientAskedForUsage && provider.acceptsStreamOptions) {
    request.json.stream_options = { ...(isObject(request.json.stream_options) ? request.json.stream_options : {}), include_usage: true };
    rewrite = true;
  }
  if (rewrite) body = Buffer.from(JSON.stringify(request.json));

  const abort = new AbortController();
  // The client hanging up cancels the upstream request, whatever stage it is in.
  res.once('close', () => {
    if (!res.writableFinished) abort.abort();
  });

  let response;
  try {
    response = await upstream.send({
      url: provider.url(request.apiPath, ctx.search, model),
      method: ctx.method,
      headers: upstreamRequestHeaders(req.headers, provider.authHeaders),
      body,
      signal: abort.signal,
    });
  } catch (error) {
    if (abort.signal.aborted) return;
    throw upstreamFailure(error, provider.id, upstream.timeouts, 'headers');
  }

  const price = (usage: TokenUsage, answeredModel: unknown) => {
    ctx.usage = usage;
    ctx.costUsd = deps.pricer.cost(provider.id, [model, typeof answeredModel === 'string' ? answeredModel : undefined], usage);
    return ctx.costUsd;
  };
  const streamUsage = new OpenAIStreamUsage(provider.acceptsStreamOptions && !clientAskedForUsage);
  const stats = await relayResponse(response, res, {
    extraHeaders: { 'x-request-id': ctx.id, 'x-gateway-provider': provider.id },
    onBodyError: (error) => upstreamFailure(error, provider.id, upstream.timeouts, 'body'),
    sseErrorEvent: (error) => `data: ${openAIErrorBody(error)}\n\n`,
    inspectJson: (bytes) => {
      const answer = JSON.parse(bytes.toString('utf8'));
      const usage = isObject(answer) ? tokenUsageOf(answer) : undefined;
      return usage ? usageHeaders(usage, price(usage, answer.model)) : {};
    },
    inspectSse: (events) => streamUsage.events(events),
  });
  if (streamUsage.usage) price(streamUsage.usage, streamUsage.model);
  ctx.firstByteAt = stats.firstByteAt;
  ctx.bytesOut = stats.bytesOut;
  ctx.error = stats.error;
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

const isObject = (value: unknown): value is Record<string, any> => typeof value === 'object' && value !== null && !Array.isArray(value);

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
