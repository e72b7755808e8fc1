import { GatewayError } from '../../errors.ts';
import { isObject } from '../common/json.ts';
import type { UpstreamErrorInfo } from '../types.ts';
import type { GoogleErrorBody } from './wire.ts';

/** Gemini refused the prompt itself (`promptFeedback.blockReason`): no candidate was generated. */
export class PromptBlockedError extends GatewayError {
  constructor(readonly blockReason: string) {
    super(
      400,
      'prompt_blocked',
      `Google Gemini blocked the prompt (blockReason ${blockReason}); no answer was generated.`,
      'invalid_request_error',
    );
  }
}

/**
 * Google's error body: `{"error":{"code":429,"message":"…","status":"RESOURCE_EXHAUSTED"}}`, or the
 * same inside a one-element array (what `streamGenerateContent` without `alt=sse` sends).
 */
export function errorOf(status: number, body: Buffer): UpstreamErrorInfo {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    value = undefined;
  }
  const error = googleError(Array.isArray(value) ? value[0] : value);
  if (error) return error;
  const text = body.toString('utf8').trim();
  return { message: text ? text.slice(0, 500) : `Google Gemini answered HTTP ${status}.` };
}

/** The `{message, code}` of a Google error object, when `value` is one. */
export function googleError(value: unknown): UpstreamErrorInfo | undefined {
  if (!isObject(value) || !isObject(value.error)) return undefined;
  const { message, status } = value.error;
  return {
    message: typeof message === 'string' ? message : 'Google Gemini reported an error.',
    ...(typeof status === 'string' ? { code: status } : {}),
  };
}

/** Google's `status` names → the HTTP status they stand for (google.rpc.Code mapping). */
export const STATUS_OF_CODE: Readonly<Record<string, number>> = {
  INVALID_ARGUMENT: 400,
  FAILED_PRECONDITION: 400,
  OUT_OF_RANGE: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  RESOURCE_EXHAUSTED: 429,
  CANCELLED: 499,
  INTERNAL: 500,
  UNKNOWN: 500,
  UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
};

/** The google.rpc.Code name for an HTTP status (the reverse of STATUS_OF_CODE, one name each). */
function statusName(status: number): string {
  switch (status) {
    case 400:
    case 413:
    case 422:
      return 'INVALID_ARGUMENT';
    case 401:
      return 'UNAUTHENTICATED';
    case 403:
      return 'PERMISSION_DENIED';
    case 404:
    case 405:
      return 'NOT_FOUND';
    case 409:
      return 'ABORTED';
    case 429:
      return 'RESOURCE_EXHAUSTED';
    case 499:
      return 'CANCELLED';
    case 501:
      return 'UNIMPLEMENTED';
    case 503:
    case 529:
      return 'UNAVAILABLE';
    case 504:
      return 'DEADLINE_EXCEEDED';
    default:
      return status >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION';
  }
}

/** Google's error body, which the genai SDKs and Gemini CLI read: `{"error":{"code","message","status"}}`. */
export function errorBody(error: GatewayError): string {
  const body: GoogleErrorBody = {
    error: { code: error.status, message: error.message, status: statusName(error.status) },
  };
  return JSON.stringify(body);
}
