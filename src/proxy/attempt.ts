import { GatewayError, GuardrailBlockedError } from '../errors.ts';
import { CLIENT_FORMATS } from '../formats/index.ts';
import { SSE_FRAMING } from '../formats/types.ts';
import type { Provider } from '../providers/types.ts';
import { type UpstreamRequest, upstreamFailure } from '../upstream/client.ts';
import type { AttemptArgs, ExchangeEnv, PreparedExchange } from './exchange.ts';
import { passThroughExchange } from './pass-through-exchange.ts';
import { type Relay, type RelayStats, RetryableResponse } from './relay.ts';
import { type AttemptOutcome, isRetryableStatus, outcomeOfFailure } from './retry-policy.ts';
import { translatedExchange } from './translated-exchange.ts';

/**
 * One attempt at one candidate, recorded once in `ctx.attempts` (before the response ends, so the
 * log line has it) and in the router's health and latency. Resolves `done` once something reached
 * the client; otherwise says why not (the retry policy decides what follows).
 */
export async function attempt(args: AttemptArgs): Promise<AttemptOutcome> {
  const { res, ctx, deps, candidate, lastChance, timeoutMs, request } = args;
  const { upstream, router } = deps;
  const { provider, model, exchange } = candidate;
  ctx.provider = provider.id;
  ctx.model = model;
  ctx.droppedParams = exchange?.dropped.length ? exchange.dropped : undefined;
  const started = performance.now();
  /** Which key of the provider's pool this attempt uses. */
  let pooledKey: number | undefined;
  const attempts = (ctx.attempts ??= []);
  if (attempts.length > 0) deps.countAttempt?.(ctx);
  const trace = ctx.trace?.attempt({ provider: provider.id, model, number: attempts.length + 1 });
  const record = (outcome: string) => {
    const done = { provider: provider.id, model, outcome, ms: Math.round(performance.now() - started) };
    attempts.push(done);
    trace?.end(outcome);
    // Checked first: the object would be built for every attempt even with debug lines off.
    if (deps.logger?.isLevelEnabled('debug'))
      deps.logger.debug({ request: ctx.id, attempt: attempts.length, ...done, lastChance }, 'attempt');
  };
  // Set one by one: spreading optional parts made an object per part, on every request.
  const extraHeaders: Record<string, string> = ctx.responseHeaders ? { ...ctx.responseHeaders } : {};
  extraHeaders['x-request-id'] = ctx.id;
  extraHeaders['x-gateway-provider'] = provider.id;
  if (model !== undefined) extraHeaders['x-gateway-model'] = model;
  extraHeaders['x-gateway-attempts'] = String(attempts.length + 1);
  if (exchange?.dropped.length) extraHeaders['x-gateway-dropped-params'] = exchange.dropped.join(', ');

  if (exchange?.localResponse !== undefined) {
    record('local');
    res.writeHead(200, {
      ...extraHeaders,
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(exchange.localResponse),
      'x-gateway-token-count': 'estimated',
    });
    res.end(exchange.localResponse);
    return { done: true };
  }

  const env: ExchangeEnv = {
    relayOptions: {
      extraHeaders,
      failure: (error, phase) =>
        upstreamFailure(error, provider.id, { ...upstream.timeouts, requestTimeoutMs: Math.round(timeoutMs) }, phase),
      streamErrorEvent: request.route?.streamErrorEvent ?? CLIENT_FORMATS[ctx.clientFormat].streamErrorEvent,
      framing: request.route?.framing ?? CLIENT_FORMATS[ctx.clientFormat].streamFraming ?? SSE_FRAMING,
      // A key refused (401) is retried with another key of the pool, when there is one.
      retryable: lastChance
        ? undefined
        : (status: number) =>
            isRetryableStatus(status) || (status === 401 && provider.keyPool?.hasOtherReady(pooledKey) === true),
      headersTimeoutMs: Math.max(1, Math.round(timeoutMs)),
      maxResponseBytes: deps.config.maxResponseBytes,
      providerId: provider.id,
      onFinish: (stats: RelayStats) => {
        record(String(res.statusCode));
        ctx.firstByteAt = stats.firstByteAt;
        ctx.bytesOut = stats.bytesOut;
        ctx.error = stats.error;
      },
    },
    price: (usage, answeredModel) => {
      ctx.usage = usage;
      ctx.costUsd = deps.pricer.cost(provider.id, [model, answeredModel], usage);
      return ctx.costUsd;
    },
  };
  const prepared: PreparedExchange = exchange
    ? translatedExchange(args, exchange, env)
    : passThroughExchange(args, env);

  let relay: Relay | undefined;
  try {
    let outgoing = prepared.outgoing;
    // The attempt's span travels upstream as its traceparent.
    if (trace) Object.assign(outgoing.headers, trace.headers);
    pooledKey = provider.keyPool?.assign(outgoing.headers);
    if (provider.authorize) Object.assign(outgoing.headers, await authorize(provider, outgoing));
    if (prepared.before) {
      const next = await prepared.before(outgoing);
      if ('answered' in next) {
        record(String(next.answered));
        router.record(candidate, { ok: false });
        return { done: true };
      }
      outgoing = next;
    }
    relay = prepared.relay();
    upstream.dispatch(outgoing, relay);
    await relay.answered;
    provider.keyPool?.report(pooledKey, res.statusCode);
    const ttfbMs = (relay.respondedAt ?? performance.now()) - started;
    if (res.statusCode < 400 || !isRetryableStatus(res.statusCode)) router.record(candidate, { ok: true, ttfbMs });
    else router.record(candidate, { ok: false });
    return { done: true };
  } catch (error) {
    relay?.cancel();
    if (error instanceof RetryableResponse) {
      record(String(error.status));
      // One pooled key rate limited or refused, another ready: the key rests, the provider does not.
      if (provider.keyPool?.report(pooledKey, error.status, error.retryAfter))
        return { done: false, retrySameTarget: true, switchedKey: true };
      router.record(candidate, { ok: false, retryAfter: error.retryAfter });
      return outcomeOfFailure(error, lastChance, false);
    }
    record((error as GatewayError).code);
    // An answer a guardrail refused came from a provider that works.
    router.record(
      candidate,
      error instanceof GuardrailBlockedError
        ? { ok: true, ttfbMs: (relay?.respondedAt ?? performance.now()) - started }
        : { ok: false },
    );
    return outcomeOfFailure(error as GatewayError, lastChance, relay?.respondedAt !== undefined);
  }
}

/** Per-request credentials (SigV4, OAuth2 tokens); a failure to get them is the provider's failure. */
async function authorize(provider: Provider, outgoing: UpstreamRequest) {
  try {
    return await provider.authorize!(outgoing);
  } catch (error) {
    if (error instanceof GatewayError) throw error;
    throw new GatewayError(
      502,
      'upstream_auth_failed',
      `Could not get credentials for provider '${provider.id}': ${(error as Error).message}.`,
      'upstream_error',
    );
  }
}
