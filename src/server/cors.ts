import type { IncomingHttpHeaders } from 'node:http';

/** Response headers a browser may read: the gateway's own and the rate-limit state. */
const EXPOSED =
  'x-request-id, x-gateway-provider, x-gateway-cost-usd, x-gateway-usage, x-upstream-request-id, retry-after, x-ratelimit-limit-requests, x-ratelimit-remaining-requests, x-ratelimit-reset-requests, x-ratelimit-limit-tokens, x-ratelimit-remaining-tokens, x-ratelimit-reset-tokens';

/**
 * Cross-origin access for browser apps, opt-in with CORS_ORIGINS (`*` or a comma list of exact
 * origins). Requests from other origins get no CORS headers, so browsers keep them out.
 */
export class Cors {
  readonly #any: boolean;
  readonly #origins: ReadonlySet<string>;

  constructor(origins: readonly string[]) {
    this.#any = origins.includes('*');
    this.#origins = new Set(origins);
  }

  /** The CORS headers for a request's origin, or undefined when it gets none. */
  headersFor(headers: IncomingHttpHeaders): Record<string, string> | undefined {
    const origin = headers.origin;
    if (typeof origin !== 'string' || !(this.#any || this.#origins.has(origin))) return undefined;
    // The origin is echoed rather than `*` so that requests carrying credentials work too.
    return { 'access-control-allow-origin': origin, vary: 'Origin', 'access-control-expose-headers': EXPOSED };
  }

  /** The answer to a preflight (`OPTIONS` with Access-Control-Request-Method), or undefined if it is not one. */
  preflight(
    method: string,
    headers: IncomingHttpHeaders,
  ): { status: number; headers: Record<string, string> } | undefined {
    if (method !== 'OPTIONS' || typeof headers['access-control-request-method'] !== 'string') return undefined;
    const allowed = this.headersFor(headers);
    if (!allowed) return { status: 204, headers: { vary: 'Origin' } };
    const requested = headers['access-control-request-headers'];
    return {
      status: 204,
      headers: {
        ...allowed,
        'access-control-allow-methods': 'GET, POST, PUT, PATCH, DELETE, OPTIONS',
        // Echo what the browser asks for: SDKs send their own headers (x-stainless-*, anthropic-version…).
        'access-control-allow-headers':
          typeof requested === 'string' ? requested : 'authorization, content-type, x-api-key',
        'access-control-max-age': '600',
      },
    };
  }
}
