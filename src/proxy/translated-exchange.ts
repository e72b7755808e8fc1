import type { ServerResponse } from 'node:http';
import { CLIENT_FORMATS } from '../formats/index.ts';
import { type Exchange, type StreamTranscoder, translatedError } from '../formats/translate.ts';
import type { RequestContext } from '../server/context.ts';
import { type UpstreamClient, type UpstreamRequest, upstreamFailure } from '../upstream/client.ts';
import type { AttemptArgs, ExchangeEnv, PreparedCandidate, PreparedExchange } from './exchange.ts';
import { usageHeaders } from './exchange.ts';
import { outgoingHeaderOptions, upstreamRequestHeaders } from './headers.ts';
import { RetryableResponse } from './relay.ts';
import { isRetryableStatus } from './retry-policy.ts';
import { TranslatedRelay, type TranslatedRelayOptions } from './translated-relay.ts';

/**
 * An exchange with a provider speaking another wire format: the request translated into its
 * format (formats/translate.ts), its answer translated back. A provider that streams through a
 * second request (Replicate) gets the first one read whole in `before`.
 */
export function translatedExchange(args: AttemptArgs, exchange: Exchange, env: ExchangeEnv): PreparedExchange {
  const { req, res, ctx, deps, candidate, lastChance } = args;
  const { provider } = candidate;
  let transcoder = ctx.stream ? exchange.stream?.() : undefined;
  const prepared: PreparedExchange = {
    outgoing: { ...translatedRequest(req.headers, ctx, exchange, candidate), method: ctx.method },
    relay: () =>
      relayOf(res, env, transcoder, {
        response: (bytes) => {
          const answer = exchange.response(bytes);
          return {
            body: answer.body,
            headers: answer.usage ? usageHeaders(answer.usage, env.price(answer.usage, answer.model)) : {},
          };
        },
        error: (status, bytes) => translatedErrorBody(ctx, candidate, status, bytes),
      }),
  };
  const followStream = exchange.followStream;
  if (followStream && ctx.stream)
    prepared.before = async (outgoing) => {
      // The stream is a second request: the first one's answer says where it is.
      const timeoutMs = Math.max(1, Math.round(args.timeoutMs));
      const first = await firstStep(res, deps.upstream, outgoing, timeoutMs, provider.id, lastChance);
      if (first.status >= 300) {
        const body = translatedErrorBody(ctx, candidate, first.status, first.body);
        res.writeHead(first.status, {
          ...env.relayOptions.extraHeaders,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        });
        res.end(body);
        return { answered: first.status };
      }
      const follow = followStream(first.body, provider.baseUrl);
      transcoder = follow.transcoder;
      return {
        url: follow.url,
        method: 'GET',
        body: undefined,
        headers: { ...provider.authHeaders, ...follow.headers },
      };
    };
  return prepared;
}

/**
 * The relay, made in a scope of its own: what a stream keeps for as long as it lasts holds only
 * what it uses, not the request or the exchange (whose `whole` readers it drops once streaming).
 */
function relayOf(
  res: ServerResponse,
  env: ExchangeEnv,
  transcoder: StreamTranscoder | undefined,
  whole: Pick<TranslatedRelayOptions, 'response' | 'error'>,
): TranslatedRelay {
  const onFinish = env.relayOptions.onFinish;
  return new TranslatedRelay(res, {
    ...env.relayOptions,
    ...whole,
    stream: transcoder,
    onFinish: (stats) => {
      if (transcoder?.usage) env.price(transcoder.usage, transcoder.model);
      onFinish(stats);
    },
  });
}

const translatedErrorBody = (ctx: RequestContext, candidate: PreparedCandidate, status: number, bytes: Buffer) =>
  CLIENT_FORMATS[ctx.clientFormat].errorBody(translatedError(candidate.format, status, bytes));

/**
 * The first request of a two-step exchange, read whole (the client's hang-up aborts it). A
 * retryable status is given up for another attempt, as the relay does.
 */
async function firstStep(
  res: ServerResponse,
  upstream: UpstreamClient,
  outgoing: UpstreamRequest,
  timeoutMs: number,
  providerId: string,
  lastChance: boolean,
) {
  const abort = new AbortController();
  const onClose = () => abort.abort(new Error('client disconnected'));
  res.once('close', onClose);
  try {
    const answer = await upstream.fetchWhole(outgoing, abort.signal, timeoutMs);
    if (!lastChance && isRetryableStatus(answer.status)) {
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

/** The translated request: the exchange's path and body (adapted by the provider), JSON headers. */
function translatedRequest(
  clientHeaders: AttemptArgs['req']['headers'],
  ctx: RequestContext,
  exchange: Exchange,
  { provider, model, format }: AttemptArgs['candidate'],
) {
  const stream = ctx.stream;
  let { path, body } = exchange.request;
  if (provider.adaptRequest) ({ path, body } = provider.adaptRequest({ path, body }, { model, stream }));
  // Providers that always report stream usage refuse OpenAI's request for it.
  if (!provider.acceptsStreamOptions && 'stream_options' in body) {
    const { stream_options: _dropped, ...rest } = body;
    body = rest;
  }
  const headers = {
    ...upstreamRequestHeaders(clientHeaders, provider, format, outgoingHeaderOptions(clientHeaders, ctx)),
    'content-type': 'application/json',
    ...exchange.request.headers,
  };
  return { url: provider.url(path, '', model), body: Buffer.from(JSON.stringify(body)), headers };
}
