// Usage of the routes that are not priced by chat tokens alone: images, audio, rerank. Each is
// read from the answer when the provider reports it, else from the request (speech is billed by
// the characters sent; DALL-E answers report no usage, and are billed per image of the size and
// quality asked for).
import { isObject } from '../formats/common/json.ts';
import type { TokenUsage } from './types.ts';

/** The usage an answer reports on one of these routes; undefined on other routes (chat readers apply). */
export function usageOfRouteAnswer(
  apiPath: string,
  request: Record<string, unknown> | undefined,
  body: Buffer,
): TokenUsage | undefined {
  const kind = routeKind(apiPath);
  if (kind === undefined || kind === 'speech') return undefined;
  let answer: unknown;
  try {
    answer = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isObject(answer)) return undefined;
  const usage = isObject(answer.usage) ? answer.usage : undefined;
  if (kind === 'images') {
    // gpt-image models report tokens (text and image input, image output); DALL-E reports none.
    if (usage && typeof usage.input_tokens === 'number') {
      const details = isObject(usage.input_tokens_details) ? usage.input_tokens_details : {};
      return {
        inputTokens: count(usage.input_tokens),
        imageInputTokens: count(details.image_tokens),
        outputTokens: count(usage.output_tokens),
        imageOutputTokens: count(usage.output_tokens),
      };
    }
    const images = Array.isArray(answer.data) ? answer.data.length : 0;
    return { inputTokens: 0, outputTokens: 0, images, ...imageRequest(request) };
  }
  if (kind === 'transcription') {
    // `usage: {type: "duration", seconds}` (whisper-1) or `{type: "tokens", input_tokens, …}`.
    if (usage?.type === 'duration' || (usage === undefined && typeof answer.duration === 'number'))
      return { inputTokens: 0, outputTokens: 0, audioSeconds: Number(usage?.seconds ?? answer.duration) || 0 };
    if (usage && typeof usage.input_tokens === 'number')
      return { inputTokens: count(usage.input_tokens), outputTokens: count(usage.output_tokens) };
    return undefined;
  }
  // Rerank: Cohere's billed search units (one per query of up to 100 documents), else tokens.
  const meta = isObject(answer.meta) ? answer.meta : undefined;
  const billed = meta && isObject(meta.billed_units) ? meta.billed_units : undefined;
  if (billed && typeof billed.search_units === 'number')
    return { inputTokens: 0, outputTokens: 0, queries: count(billed.search_units) };
  if (usage && typeof (usage.total_tokens ?? usage.prompt_tokens) === 'number')
    return { inputTokens: count(usage.prompt_tokens ?? usage.total_tokens), outputTokens: 0 };
  return { inputTokens: 0, outputTokens: 0, queries: rerankQueries(request) };
}

/**
 * The usage a successful request implies when its answer said nothing about it: characters of
 * speech, images asked for. Undefined on routes where only the answer can tell.
 */
export function usageOfRouteRequest(
  apiPath: string,
  request: Record<string, unknown> | undefined,
): TokenUsage | undefined {
  const kind = routeKind(apiPath);
  if (kind === 'speech')
    return {
      inputTokens: 0,
      outputTokens: 0,
      characters: typeof request?.input === 'string' ? request.input.length : 0,
    };
  if (kind === 'images')
    return { inputTokens: 0, outputTokens: 0, images: imageCount(request), ...imageRequest(request) };
  if (kind === 'rerank') return { inputTokens: 0, outputTokens: 0, queries: rerankQueries(request) };
  return undefined;
}

export type RouteKind = 'images' | 'speech' | 'transcription' | 'rerank';

export function routeKind(apiPath: string): RouteKind | undefined {
  if (apiPath === '/images/generations' || apiPath === '/images/edits' || apiPath === '/images/variations')
    return 'images';
  if (apiPath === '/audio/speech') return 'speech';
  if (apiPath === '/audio/transcriptions' || apiPath === '/audio/translations') return 'transcription';
  if (apiPath === '/rerank') return 'rerank';
  return undefined;
}

/** `n` images (OpenAI's default 1). */
export function imageCount(request: Record<string, unknown> | undefined): number {
  const n = request?.n;
  return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : 1;
}

function imageRequest(request: Record<string, unknown> | undefined): Pick<TokenUsage, 'imageSize' | 'imageQuality'> {
  const size = typeof request?.size === 'string' && /^\d+x\d+$/.test(request.size) ? request.size : undefined;
  const quality = typeof request?.quality === 'string' ? request.quality : undefined;
  return {
    ...(size === undefined ? {} : { imageSize: size }),
    ...(quality === undefined ? {} : { imageQuality: quality }),
  };
}

/** One search unit per query and each 100 documents (Cohere's billing). */
export function rerankQueries(request: Record<string, unknown> | undefined): number {
  const documents = Array.isArray(request?.documents) ? request.documents.length : 0;
  return Math.max(1, Math.ceil(documents / 100));
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}
