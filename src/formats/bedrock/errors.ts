/** Bedrock's error answers: JSON with `message` and an `__type` (or an `x-amzn-errortype` header). */
import { excerpt } from '../common/errors.ts';
import { asString, tryParseJsonObject } from '../common/json.ts';
import type { UpstreamErrorInfo } from '../types.ts';
import type { BedrockErrorBody } from './wire.ts';

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

/** The checked fields of an error body or of a stream exception's payload (a `BedrockErrorBody`). */
export function readErrorBody(body: Uint8Array): { message: string | undefined; type: string | undefined } {
  const parsed = tryParseJsonObject(body);
  const field = (name: keyof BedrockErrorBody) => asString(parsed?.[name]);
  return { message: field('message') ?? field('Message'), type: field('__type')?.split('#').at(-1) };
}

export function errorOf(status: number, body: Buffer): UpstreamErrorInfo {
  const read = readErrorBody(body);
  const message = read.message ?? (excerpt(body) || `HTTP ${status}`);
  const type = read.type ?? ERROR_TYPES[status];
  return { message, ...(type ? { code: type } : {}) };
}
