import type { IncomingMessage, ServerResponse } from 'node:http';
import { teeResponse } from '../observability/response-tee.ts';
import type { Provider } from '../providers/types.ts';
import type { RequestContext } from '../server/context.ts';

/** Most of a body kept: enough to read a conversation, not a base64 image. */
const MAX_BODY_CHARS = 256 * 1024;
const REDACTED = '[REDACTED]';
const CREDENTIAL_HEADERS = ['authorization', 'x-api-key', 'x-gateway-key', 'api-key', 'x-goog-api-key'];

/** A credential header's secret part: the token after `Bearer `, or the whole value. */
const secretOf = (value: string) => value.replace(/^(bearer|basic)\s+/i, '').trim();

/**
 * LOG_PAYLOADS=true: keeps the request's body, and the response's as the client got it, on the
 * context for the request log, with every key the gateway knows of here replaced by [REDACTED]:
 * the providers' keys and the credentials this request presented (its gateway or admin key, or
 * its own provider key in pass-through mode).
 */
export function capturePayloads(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: RequestContext,
  raw: Buffer | undefined,
  providers: ReadonlyMap<string, Provider>,
): void {
  const secrets = new Set<string>();
  for (const provider of providers.values())
    for (const value of Object.values(provider.authHeaders)) secrets.add(secretOf(value));
  for (const name of CREDENTIAL_HEADERS) {
    const value = req.headers[name];
    if (typeof value === 'string') secrets.add(secretOf(value));
  }
  const distinctive = [...secrets].filter((secret) => secret.length >= 6);
  const scrub = (text: string) => {
    let clean = text.length > MAX_BODY_CHARS ? `${text.slice(0, MAX_BODY_CHARS)}…[truncated]` : text;
    for (const secret of distinctive) clean = clean.replaceAll(secret, REDACTED);
    return clean;
  };
  const payloads: NonNullable<RequestContext['payloads']> = (ctx.payloads = {});
  if (raw?.length) payloads.request = scrub(raw.toString('utf8'));

  teeResponse(res, MAX_BODY_CHARS, (tee) => {
    payloads.response = scrub(tee.bytes().toString('utf8'));
  });
}
