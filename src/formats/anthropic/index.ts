import type { GatewayError } from '../../errors.ts';
import type { WireFormatCodec } from '../types.ts';
import { AnthropicStreamUsage, usageOfAnswer } from './usage.ts';

/** Anthropic's error types by HTTP status (its API reference's error table). */
function errorType(status: number): string {
  switch (status) {
    case 400:
      return 'invalid_request_error';
    case 401:
      return 'authentication_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 529:
      return 'overloaded_error';
    default:
      return status >= 500 ? 'api_error' : 'invalid_request_error';
  }
}

/** Anthropic's error body, which the Anthropic SDKs parse: `{"type":"error","error":{"type","message"}}`. */
export function anthropicErrorBody(error: GatewayError): string {
  return JSON.stringify({ type: 'error', error: { type: errorType(error.status), message: error.message } });
}

export const anthropicFormat: WireFormatCodec = {
  errorBody: anthropicErrorBody,
  sseErrorEvent: (error) => `event: error\ndata: ${anthropicErrorBody(error)}\n\n`,
  usageOfAnswer,
  // Anthropic streams always report usage; the gateway never has to ask.
  streamUsage: () => new AnthropicStreamUsage(),
};
