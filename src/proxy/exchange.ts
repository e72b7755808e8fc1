import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ResponseCache } from '../cache/cache.ts';
import type { Catalog } from '../catalog/catalog.ts';
import type { Pricer } from '../catalog/pricer.ts';
import type { TokenUsage } from '../catalog/types.ts';
import type { Config } from '../config/config.ts';
import type { Exchange } from '../formats/translate.ts';
import type { ClientRoute } from '../formats/types.ts';
import type { Guardrails } from '../guardrails/guardrails.ts';
import type { Logger } from '../observability/logger.ts';
import type { GatewayMetrics } from '../observability/metrics.ts';
import type { WireFormat } from '../providers/types.ts';
import type { Router } from '../routing/router.ts';
import type { Candidate } from '../routing/select-provider.ts';
import type { RequestContext } from '../server/context.ts';
import type { UpstreamClient, UpstreamRequest } from '../upstream/client.ts';
import type { Relay, RelayOptions } from './relay.ts';

/** The types the attempt and its two kinds of exchange share. */

export interface ProxyDeps {
  config: Config;
  upstream: UpstreamClient;
  catalog: Catalog;
  pricer: Pricer;
  metrics: GatewayMetrics;
  router: Router;
  /** For the debug line each attempt writes (its target and outcome). */
  logger?: Logger;
  /** The response cache, when CACHE is set. */
  cache?: ResponseCache;
  /** The guardrail pipeline, when GUARDRAILS_FILE is set. */
  guardrails?: Guardrails;
  /** Told before each attempt after the first: retries and fallbacks count against the rate limits. */
  countAttempt?: (ctx: RequestContext) => void;
}

/** A request about to be proxied: its parsed JSON body (if any) and the raw bytes. */
export interface ProxyRequest {
  /** The API path below `/v1`, e.g. `/chat/completions`. */
  apiPath: string;
  raw: Buffer | undefined;
  json: Record<string, unknown> | undefined;
  /** What the path says, for formats whose model and method are in it (Gemini). */
  route?: ClientRoute;
  /** The model of a body that is not JSON (a multipart upload's `model` field). */
  model?: string;
}

/** What every attempt needs to know of the request, read from it once. */
export interface ReadRequest extends ProxyRequest {
  requestedModel: string | undefined;
  clientAskedForUsage: boolean;
}

/** A candidate with the wire format it is reached in, and the translated exchange when that is not the client's. */
export interface PreparedCandidate extends Candidate {
  format: WireFormat;
  exchange: Exchange | undefined;
}

/** Everything one attempt at one candidate works with. */
export interface AttemptArgs {
  req: IncomingMessage;
  res: ServerResponse;
  ctx: RequestContext;
  request: ReadRequest;
  deps: ProxyDeps;
  candidate: PreparedCandidate;
  /** No other attempt follows: whatever the provider answers is relayed. */
  lastChance: boolean;
  /** Time this attempt may wait for the provider's status line. */
  timeoutMs: number;
}

/** What the attempt hands an exchange: the relay options every relay shares, and the pricing hook. */
export interface ExchangeEnv {
  relayOptions: RelayOptions;
  /** Records the answer's usage and cost on the request; returns the cost. */
  price(usage: TokenUsage, answeredModel: string | undefined): number | null;
}

/**
 * One exchange with the provider, prepared: the request to send and the relay for its answer.
 * `before` runs any step the relayed request depends on (Replicate's stream is a second request);
 * it returns the request to relay, or the status it answered the client with itself.
 */
export interface PreparedExchange {
  outgoing: UpstreamRequest;
  before?(outgoing: UpstreamRequest): Promise<UpstreamRequest | { answered: number }>;
  relay(): Relay;
}

/** Response headers reporting a priced answer's token counts and cost. */
export function usageHeaders(usage: TokenUsage, cost: number | null): Record<string, string> {
  const headers: Record<string, string> = {
    'x-gateway-usage':
      `input=${usage.inputTokens}; cached_input=${usage.cachedInputTokens ?? 0}; cache_write=${usage.cacheWriteInputTokens ?? 0}; ` +
      `output=${usage.outputTokens}; reasoning=${usage.reasoningTokens ?? 0}`,
  };
  // Fixed-point, never exponent notation: cheap requests cost fractions of a cent.
  if (cost !== null) headers['x-gateway-cost-usd'] = cost.toFixed(10).replace(/\.?0+$/, '');
  return headers;
}
