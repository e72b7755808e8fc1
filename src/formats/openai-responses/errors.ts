/**
 * The Responses API's errors: whole answers use OpenAI's error body; a stream reports an error
 * as an `error` event, which the `openai` SDK raises as an APIError.
 */
import type { GatewayError } from '../../errors.ts';

export { errorBody, errorOf } from '../openai/errors.ts';

export const streamErrorEvent = (error: GatewayError): string =>
  `event: error\ndata: ${JSON.stringify({ type: 'error', code: error.code, message: error.message, param: error.param ?? null })}\n\n`;

/** The HTTP status that best describes an error code in a Responses stream. */
export function statusOfErrorCode(code: string): number {
  if (code === 'rate_limit_exceeded' || code === 'insufficient_quota') return 429;
  if (code === 'invalid_prompt' || code === 'invalid_request_error' || code === 'context_length_exceeded') return 400;
  return code === 'server_error' || code === 'upstream_error' ? 502 : 500;
}
