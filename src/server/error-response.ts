import type { ServerResponse } from 'node:http';
import { GatewayError, MethodNotAllowedError, PayloadTooLargeError } from '../errors.ts';

/** The error body of the OpenAI API, which every OpenAI SDK parses. */
export function openAIErrorBody(error: GatewayError): string {
  return JSON.stringify({ error: { message: error.message, type: error.type, param: error.param, code: error.code } });
}

/** Anything thrown that is not a GatewayError is a bug: report it without its internals. */
export function asGatewayError(error: unknown): GatewayError {
  return error instanceof GatewayError ? error : new GatewayError(500, 'internal_error', 'The gateway failed to handle this request.');
}

/** Sends a JSON error response, unless the response has already started. */
export function sendError(res: ServerResponse, error: GatewayError, requestId: string): void {
  if (res.headersSent) return;
  const body = openAIErrorBody(error);
  const headers: Record<string, string | number> = {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-request-id': requestId,
  };
  if (error instanceof MethodNotAllowedError) headers.allow = error.allowed.join(', ');
  // The rest of an oversized body is not worth reading: close the connection after answering.
  if (error instanceof PayloadTooLargeError) headers.connection = 'close';
  res.writeHead(error.status, headers);
  res.end(body);
}
