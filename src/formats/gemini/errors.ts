import { GatewayError } from '../../errors.ts';
import { isObject } from '../common/json.ts';
import type { UpstreamErrorInfo } from '../types.ts';

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
