/** Cohere's error answers: JSON with a `message`. */
import { errorTypeOf, excerpt } from '../common/errors.ts';
import { asString, tryParseJsonObject } from '../common/json.ts';
import type { UpstreamErrorInfo } from '../types.ts';
import type { CohereErrorBody } from './wire.ts';

/** Cohere's error bodies are `{"message": "…"}` (some add an `id`). */
export function errorOf(status: number, body: Buffer): UpstreamErrorInfo {
  const parsed = tryParseJsonObject(body);
  const message = asString(parsed?.['message' satisfies keyof CohereErrorBody]) ?? (excerpt(body) || `HTTP ${status}`);
  return { message, code: errorTypeOf(status) };
}
