import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../config/config.ts';
import { FormatNotSupportedError, InvalidRequestError } from '../errors.ts';
import { PROVIDER_IDS } from '../providers/registry.ts';
import { selectProvider } from '../routing/select-provider.ts';
import type { RequestContext } from '../server/context.ts';
import { openAIErrorBody } from '../server/error-response.ts';
import { upstreamFailure, type UpstreamClient } from '../upstream/client.ts';
import { upstreamRequestHeaders } from './headers.ts';
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
}

/**
 * Sends an OpenAI-format request to the provider it selects and relays the answer. The body is
 * forwarded byte for byte unless the model had a provider prefix to strip.
 */
export async function proxyRequest(req: IncomingMessage, res: ServerResponse, ctx: RequestContext, request: ProxyRequest, deps: ProxyDeps): Promise<void> {
  const { config, upstream } = deps;
  const requestedModel = typeof request.json?.model === 'string' ? request.json.model : undefined;
  const header = req.headers['x-provider'];
  const selection = selectProvider(
    { header: typeof header === 'string' ? header : undefined, model: requestedModel },
    { knownIds: PROVIDER_IDS, active: config.providers, defaultProvider: config.defaultProvider },
  );
  const { provider, model } = selection;
  ctx.provider = provider.id;
  ctx.model = model;
  ctx.selectedBy = selection.reason;
  ctx.stream = request.json?.stream === true;
  if (provider.wireFormat !== 'openai') throw new FormatNotSupportedError(provider.id, provider.wireFormat);

  let body = request.raw;
  if (request.json && model !== requestedModel) {
    request.json.model = model;
    body = Buffer.from(JSON.stringify(request.json));
  }

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

  const stats = await relayResponse(response, res, {
    extraHeaders: { 'x-request-id': ctx.id, 'x-gateway-provider': provider.id },
    onBodyError: (error) => upstreamFailure(error, provider.id, upstream.timeouts, 'body'),
    sseErrorEvent: (error) => `data: ${openAIErrorBody(error)}\n\n`,
  });
  ctx.firstByteAt = stats.firstByteAt;
  ctx.bytesOut = stats.bytesOut;
  ctx.error = stats.error;
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
