import { isObject } from '../formats/common/json.ts';
import { clientSideOf } from '../formats/index.ts';
import type { ClientSide } from '../formats/types.ts';
import type { Provider } from '../providers/types.ts';
import type { AttemptArgs, ExchangeEnv, PreparedExchange, ProxyRequest } from './exchange.ts';
import { usageHeaders } from './exchange.ts';
import { upstreamRequestHeaders } from './headers.ts';
import { PassThroughRelay } from './pass-through-relay.ts';

/**
 * An exchange with a provider speaking the client's wire format: the body goes byte for byte,
 * unless the model changes or an OpenAI-format stream needs `stream_options.include_usage` so that
 * its usage (and cost) is known; the answer is relayed as it comes, its usage read on the way.
 */
export function passThroughExchange(args: AttemptArgs, env: ExchangeEnv): PreparedExchange {
  const { req, ctx, request, candidate } = args;
  const { provider, model } = candidate;
  const codec = clientSideOf(candidate.format) as ClientSide;
  // `stream_options` is OpenAI's: only its requests can ask for stream usage.
  const askForUsage =
    ctx.stream && candidate.format === 'openai' && !request.clientAskedForUsage && provider.acceptsStreamOptions;
  const streamUsage = codec.streamUsage(askForUsage);
  const onFinish = env.relayOptions.onFinish;
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
      headers: upstreamRequestHeaders(req.headers, provider, candidate.format),
    },
    relay: () =>
      new PassThroughRelay(args.res, {
        ...env.relayOptions,
        inspectJson: (bytes) => {
          const answer = codec.usageOfResponse(bytes);
          return answer ? usageHeaders(answer.usage, env.price(answer.usage, answer.model)) : {};
        },
        inspectSse: (events) => streamUsage.events(events),
        onFinish: (stats) => {
          if (streamUsage.usage) env.price(streamUsage.usage, streamUsage.model);
          onFinish(stats);
        },
      }),
  };
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
