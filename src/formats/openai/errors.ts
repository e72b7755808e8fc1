/** OpenAI's error shape: the body its SDKs parse, and reading a provider's error answer. */
import type { GatewayError } from '../../errors.ts';
import { errorInfoOf } from '../common/errors.ts';
import { isObject } from '../common/json.ts';
import type { UpstreamErrorInfo } from '../types.ts';
import type { OpenAIErrorBody } from './wire.ts';

/** OpenAI's error body, which every OpenAI SDK parses: `{"error":{"message","type","param","code"}}`. */
export function errorBody(error: GatewayError): string {
  const body: OpenAIErrorBody = {
    error: { message: error.message, type: error.type, param: error.param, code: error.code },
  };
  return JSON.stringify(body);
}

export function errorOf(_status: number, body: Buffer): UpstreamErrorInfo {
  return errorInfoOf(body, (parsed) => {
    const error = isObject(parsed) && isObject(parsed.error) ? parsed.error : parsed;
    if (isObject(error) && typeof error.message === 'string') {
      const code = error.type ?? error.code;
      return { message: error.message, ...(code !== undefined && code !== null ? { code: String(code) } : {}) };
    }
    return isObject(parsed) && typeof parsed.detail === 'string' ? { message: parsed.detail } : undefined;
  });
}
