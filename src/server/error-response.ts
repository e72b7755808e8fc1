import type { ServerResponse } from 'node:http';
import { GatewayError, MethodNotAllowedError, PayloadTooLargeError, RateLimitError } from '../errors.ts';
import { CLIENT_FORMATS, type ClientFormat } from '../formats/index.ts';

/** Anything thrown that is not a GatewayError is a bug: report it without its internals. */
export function asGatewayError(error: unknown): GatewayError {
  return error instanceof GatewayError
    ? error
    : new GatewayError(500, 'internal_error', 'The gateway failed to handle this request.');
}

/** Sends an error response in the client's own API error shape, unless the response has already started. */
export function sendError(
  res: ServerResponse,
  error: GatewayError,
  requestId: string,
  format: ClientFormat,
  extraHeaders?: Record<string, string>,
): void {
  if (res.headersSent) return;
  const body = CLIENT_FORMATS[format].errorBody(error);
  const headers: Record<string, string | number> = {
    ...extraHeaders,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-request-id': requestId,
  };
  if (error instanceof MethodNotAllowedError) headers.allow = error.allowed.join(', ');
  if (error instanceof RateLimitError) Object.assign(headers, error.headers);
  // The rest of an oversized or stalled body is not worth reading: close the connection after answering.
  if (error instanceof PayloadTooLargeError || error.status === 408) headers.connection = 'close';
  res.writeHead(error.status, headers);
  res.end(body);
}
