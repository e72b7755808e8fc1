/** Provider errors as the gateway reports them: types by status, error bodies read defensively. */
import type { GatewayError } from '../../errors.ts';
import type { StreamEvent } from '../ir.ts';
import type { UpstreamErrorInfo } from '../types.ts';

/** The error type names the OpenAI SDKs and docs use, by status. */
export function errorTypeOf(status: number): GatewayError['type'] {
  if (status === 401 || status === 403) return 'authentication_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  return status >= 500 ? 'api_error' : 'invalid_request_error';
}

/** A stream event reporting that the provider's stream stopped before saying it was complete. */
export const incompleteStream = (format: string): Extract<StreamEvent, { type: 'error' }> => ({
  type: 'error',
  status: 502,
  code: 'upstream_stream_incomplete',
  message: `The provider's ${format} stream ended before the answer was complete.`,
});

/** A stream event reporting an event of the provider's stream that could not be read. */
export const malformedEvent = (format: string): Extract<StreamEvent, { type: 'error' }> => ({
  type: 'error',
  status: 502,
  code: 'upstream_malformed',
  message: `The provider's ${format} stream sent an event the gateway could not read.`,
});

/**
 * A provider's error body as an UpstreamErrorInfo: `read` picks the message out of the parsed JSON;
 * a body that is not JSON, or has no message, is quoted.
 */
export function errorInfoOf(body: Buffer, read: (parsed: unknown) => UpstreamErrorInfo | undefined): UpstreamErrorInfo {
  try {
    const info = read(JSON.parse(body.toString('utf8')));
    if (info) return info;
  } catch {
    // not JSON: quote it
  }
  return { message: excerpt(body) || 'The provider answered with an error and no message.' };
}

/** A short, single-line excerpt of an unparseable error body, for the client's error message. */
export function excerpt(body: Buffer): string {
  const text = body.toString('utf8').replace(/\s+/g, ' ').trim();
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
