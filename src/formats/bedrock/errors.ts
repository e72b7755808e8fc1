/** Bedrock's error answers: JSON with `message` and an `__type` (or an `x-amzn-errortype` header). */
import { excerpt } from '../common/errors.ts';
import { asString, tryParseJsonObject } from '../common/json.ts';
import type { UpstreamErrorInfo } from '../types.ts';

const ERROR_TYPES: Record<number, string> = {
  400: 'ValidationException',
  403: 'AccessDeniedException',
  404: 'ResourceNotFoundException',
  408: 'ModelTimeoutException',
  424: 'ModelErrorException',
  429: 'ThrottlingException',
  500: 'InternalServerException',
  503: 'ServiceUnavailableException',
};

export function errorOf(status: number, body: Buffer): UpstreamErrorInfo {
  const parsed = tryParseJsonObject(body);
  // AWS JSON errors spell it `message` or `Message`; some carry the type as `__type` ("ns#Type").
  const message = asString(parsed?.message) ?? asString(parsed?.Message) ?? (excerpt(body) || `HTTP ${status}`);
  const type = asString(parsed?.__type)?.split('#').at(-1) ?? ERROR_TYPES[status];
  return { message, ...(type ? { code: type } : {}) };
}
