import type { ServerResponse } from 'node:http';
import { usageOfRouteAnswer } from '../catalog/route-usage.ts';
import { isObject } from '../formats/common/json.ts';
import { CLIENT_FORMATS } from '../formats/index.ts';
import type { ClientSide, StreamUsage } from '../formats/types.ts';
import type { Provider } from '../providers/types.ts';
import type { AttemptArgs, ExchangeEnv, PreparedExchange, ProxyRequest, ReadRequest } from './exchange.ts';
import { usageHeaders } from './exchange.ts';
import { outgoingHeaderOptions, upstreamRequestHeaders } from './headers.ts';
import { PassThroughRelay, type PassThroughRelayOptions } from './pass-through-relay.ts';

/**
 * An exchange with a provider speaking the client's wire format: the body goes byte for byte,
 * unless the model changes or a Chat Completions stream needs `stream_options.include_usage` so that
 * its usage (and cost) is known; the answer is relayed as it comes, its usage read on the way.
 */
export function passThroughExchange(args: AttemptArgs, env: ExchangeEnv): PreparedExchange {
  const { req, res, ctx, request, candidate } = args;
  const { provider, model } = candidate;
  const codec = CLIENT_FORMATS[ctx.clientFormat];
  const askForUsage =
    ctx.stream && codec.asksForStreamUsage && !request.clientAskedForUsage && provider.acceptsStreamOptions;
  const streamUsage = codec.streamUsage(askForUsage);
  const promise = promiseOf(request.apiPath, ctx.stream, ctx.clientFormat);
  const body = upstreamBody(
    request,
    provider,
    model !== request.requestedModel ? model : undefined,
    askForUsage,
    ctx.stream,
  );
  return {
    outgoing: {
      url: provider.url(body.path, ctx.search, model),
      method: ctx.method,
      body: body.bytes,
      headers: upstreamRequestHeaders(req.headers, provider, candidate.format, outgoingHeaderOptions(req.headers, ctx)),
    },
    // Reading a stored answer back (GET /v1/responses/{id}) generates nothing: it was counted when made.
    relay: () =>
      relayOf(res, env, streamUsage, promise, ctx.method === 'GET' ? undefined : jsonUsage(request, codec, env)),
  };
}

/**
 * The relay, made in a scope of its own: the closures it keeps for as long as a stream lasts hold
 * only what they use, not the request (its body, parsed or not) the exchange was prepared from.
 */
function relayOf(
  res: ServerResponse,
  env: ExchangeEnv,
  streamUsage: StreamUsage,
  promise: PassThroughRelayOptions['promise'],
  inspectJson: PassThroughRelayOptions['inspectJson'],
): PassThroughRelay {
  const onFinish = env.relayOptions.onFinish;
  return new PassThroughRelay(res, {
    ...env.relayOptions,
    inspectJson,
    inspectSse: (events) => streamUsage.events(events),
    promise,
    onFinish: (stats) => {
      if (streamUsage.usage) env.price(streamUsage.usage, streamUsage.model);
      onFinish(stats);
    },
  });
}

/**
 * Reads a whole JSON answer's usage into response headers. Made in a scope of its own too: the
 * relay drops it, and the request it holds, once the answer turns out to be a stream.
 */
function jsonUsage(request: ReadRequest, codec: ClientSide, env: ExchangeEnv) {
  const { apiPath, json } = request;
  return (bytes: Buffer) => {
    // Images, audio and rerank answers are priced by their own units (catalog/route-usage.ts).
    const routeUsage = usageOfRouteAnswer(apiPath, json, bytes);
    const answer = routeUsage ? { usage: routeUsage, model: undefined } : codec.usageOfResponse(bytes);
    return answer ? usageHeaders(answer.usage, env.price(answer.usage, answer.model)) : {};
  };
}

/** Routes whose successful answer the gateway knows the shape of: JSON, or a stream with a final event. */
const PROMISING_PATHS = new Set(['/chat/completions', '/completions', '/embeddings', '/messages']);
const TERMINATORS: Readonly<Record<string, readonly Buffer[]>> = {
  // OpenAI ends with `data: [DONE]`; a stream that fails sends an `error` object instead.
  openai: [Buffer.from('[DONE]'), Buffer.from('"error":{')],
  anthropic: [Buffer.from('message_stop'), Buffer.from('event: error')],
};

function promiseOf(apiPath: string, stream: boolean, clientFormat: string): PassThroughRelayOptions['promise'] {
  if (!PROMISING_PATHS.has(apiPath)) return undefined;
  if (!stream) return { kind: 'json' };
  const terminators = TERMINATORS[clientFormat];
  return terminators ? { kind: 'sse', terminators } : undefined;
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
  const { raw, json, apiPath, route } = request;
  if (route) {
    // The model is in the path, which the format builds; the body goes as the client sent it.
    const path = route.nativePath(newModel ?? route.model);
    if (!provider.adaptRequest || !json) return { path, bytes: raw };
    const adapted = provider.adaptRequest({ path, body: json }, { model: newModel ?? route.model, stream });
    return { path: adapted.path, bytes: Buffer.from(JSON.stringify(adapted.body)) };
  }
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
