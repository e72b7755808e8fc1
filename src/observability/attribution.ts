import type { IncomingHttpHeaders } from 'node:http';
import { isObject } from '../formats/common/json.ts';
import type { RequestContext } from '../server/context.ts';

const MAX_LENGTH = 200;

const clean = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() !== '' ? value.trim().slice(0, MAX_LENGTH) : undefined;

const header = (headers: IncomingHttpHeaders, name: string) => {
  const value = headers[name];
  return clean(Array.isArray(value) ? value[0] : value);
};

/**
 * Whom a request is for and which session it belongs to, for the request log: the gateway's own
 * headers (`X-Gateway-User`, `X-Gateway-Session`) win; otherwise what the client formats carry
 * already: OpenAI's `user`, Anthropic's `metadata.user_id`, and an `X-Session-Id` header.
 */
export function attribute(
  ctx: RequestContext,
  headers: IncomingHttpHeaders,
  body: Record<string, unknown> | undefined,
) {
  ctx.user =
    header(headers, 'x-gateway-user') ??
    clean(body?.user) ??
    (isObject(body?.metadata) ? clean(body.metadata.user_id) : undefined);
  ctx.session = header(headers, 'x-gateway-session') ?? header(headers, 'x-session-id');
}
