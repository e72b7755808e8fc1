/** Anthropic's error shape: the body its SDKs parse, and reading a provider's error answer. */
import type { GatewayError } from '../../errors.ts';
import { errorInfoOf } from '../common/errors.ts';
import { isObject } from '../common/json.ts';
import type { UpstreamErrorInfo } from '../types.ts';
import type { AnthropicErrorBody } from './wire.ts';

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
export function errorBody(error: GatewayError): string {
  const body: AnthropicErrorBody = { type: 'error', error: { type: errorType(error.status), message: error.message } };
  return JSON.stringify(body);
}

/** Anthropic's error types → the HTTP status that best describes them (for errors mid-stream). */
export const STATUS_OF_ERROR: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  overloaded_error: 529,
};

export function errorOf(_status: number, body: Buffer): UpstreamErrorInfo {
  return errorInfoOf(body, (parsed) =>
    isObject(parsed) && isObject(parsed.error) && typeof parsed.error.message === 'string'
      ? { message: parsed.error.message, ...(typeof parsed.error.type === 'string' ? { code: parsed.error.type } : {}) }
      : undefined,
  );
}
