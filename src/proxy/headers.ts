import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { Provider, WireFormat } from '../providers/types.ts';

/** Headers that describe one connection, not the message (RFC 9110 §7.6.1), plus framing ones. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
  // The gateway answers `Expect: 100-continue` itself; undici refuses to send it.
  'expect',
]);

/** Counts the gateways a request has passed through: past MAX_HOPS it is a loop (508). */
const HOPS_HEADER = 'x-gateway-hops';

/** Client credentials: the provider's own key is injected instead, so these never travel upstream. */
const CLIENT_CREDENTIALS = new Set(['authorization', 'x-api-key', 'api-key', 'x-goog-api-key']);

/** The gateway's own request headers. */
const GATEWAY_HEADERS = new Set(['x-provider', 'x-request-id']);

function isGatewayHeader(name: string): boolean {
  return GATEWAY_HEADERS.has(name) || name.startsWith('x-gateway-');
}

/** What the headers to send upstream depend on besides the client's headers and the provider. */
export interface OutgoingHeaderOptions {
  /** The header that carried the gateway key: it never travels upstream, whatever its name. */
  gatewayKeyHeader?: string | undefined;
  /** Gateways this request has passed through so far (this one included in what is sent). */
  hops: number;
}

/**
 * Headers only Anthropic's API reads (`anthropic-beta`, `anthropic-version`, Claude Code's
 * `x-app` and `x-claude-code-…`): providers of other formats never get them (some refuse
 * unknown betas, and they tell another provider which client is calling).
 */
function isAnthropicOnly(name: string): boolean {
  return name.startsWith('anthropic-') || name === 'x-app' || name.startsWith('x-claude-');
}

/**
 * The headers to send upstream: the client's, minus hop-by-hop (RFC 9110 §7.6.1, including those
 * the client lists in `Connection`) and the gateway's own; the client's credentials and cookies
 * are replaced by the provider's key, unless the provider is in pass-through mode, where they
 * travel untouched (except the gateway key). The provider's defaults fill in what the client did
 * not send.
 * `format` is the wire format the provider is spoken to in.
 */
export function upstreamRequestHeaders(
  client: IncomingHttpHeaders,
  provider: Provider,
  format: WireFormat,
  options: OutgoingHeaderOptions,
): Record<string, string> {
  const headers: Record<string, string> = {};
  const keepCredentials = provider.passthrough === true;
  const listed = connectionOptions(client.connection);
  for (const name in client) {
    if (HOP_BY_HOP.has(name) || listed.has(name) || isGatewayHeader(name) || name === options.gatewayKeyHeader)
      continue;
    if (!keepCredentials && (CLIENT_CREDENTIALS.has(name) || name === 'cookie')) continue;
    if (format !== 'anthropic' && isAnthropicOnly(name)) continue;
    const value = client[name];
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  // The gateway reads bodies (stream framing, errors), so it asks for them uncompressed.
  headers['accept-encoding'] = 'identity';
  if (provider.defaultHeaders)
    for (const name in provider.defaultHeaders) headers[name] ??= provider.defaultHeaders[name] as string;
  Object.assign(headers, provider.authHeaders);
  headers[HOPS_HEADER] = String(options.hops + 1);
  return headers;
}

/** The header names a `Connection` header lists: they describe this connection only. */
function connectionOptions(value: string | undefined): ReadonlySet<string> {
  // Most clients send `keep-alive` (or `close`), which is hop-by-hop anyway: nothing more to drop.
  if (!value || HOP_BY_HOP.has(value) || HOP_BY_HOP.has(value.toLowerCase())) return HOP_BY_HOP;
  return new Set(
    value
      .split(',')
      .map((name) => name.trim().toLowerCase())
      .filter(Boolean),
  );
}

export const outgoingHeaderOptions = (
  client: IncomingHttpHeaders,
  ctx: { gatewayKeyHeader?: string | undefined },
): OutgoingHeaderOptions => ({ gatewayKeyHeader: ctx.gatewayKeyHeader, hops: hopsOf(client) });

/** The gateways a request has passed through, from its hop header (0 when absent or unreadable). */
export function hopsOf(client: IncomingHttpHeaders): number {
  const value = Number(client[HOPS_HEADER]);
  return Number.isInteger(value) && value > 0 ? value : 0;
}

/** The upstream's response headers as the client should get them. */
export function clientResponseHeaders(upstream: Record<string, string | string[] | undefined>): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  for (const name in upstream) {
    if (HOP_BY_HOP.has(name) && name !== 'content-length') continue;
    // Our x-request-id identifies the request at the gateway; keep the provider's under another name.
    headers[name === 'x-request-id' ? 'x-upstream-request-id' : name] = upstream[name];
  }
  return headers;
}
