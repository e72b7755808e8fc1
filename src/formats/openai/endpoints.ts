/** OpenAI's embeddings and image-generation endpoints ⇄ IR, for providers with other formats. */
import { InvalidRequestError, UnsupportedParameterError } from '../../errors.ts';
import { type Json, optionalNumber } from '../common/json.ts';
import type { EmbeddingsRequest, EmbeddingsResponse, ImagesRequest, ImagesResponse } from '../ir.ts';

export function parseOpenAIEmbeddingsRequest(body: Json): EmbeddingsRequest {
  const input = typeof body.input === 'string' ? [body.input] : body.input;
  if (!Array.isArray(input) || input.length === 0)
    throw new InvalidRequestError('invalid_input', "'input' must be a string or a non-empty array.", 'input');
  if (!input.every((item) => typeof item === 'string')) {
    throw new UnsupportedParameterError(
      'input',
      'this provider (translated from the OpenAI format)',
      'token arrays cannot be translated; send text',
    );
  }
  const request: EmbeddingsRequest = { model: String(body.model), input };
  const dimensions = optionalNumber(body.dimensions, 'dimensions');
  if (dimensions !== undefined) request.dimensions = dimensions;
  if (body.encoding_format === 'base64' || body.encoding_format === 'float')
    request.encodingFormat = body.encoding_format;
  if (typeof body.input_type === 'string') request.inputType = body.input_type;
  if (typeof body.user === 'string') request.user = body.user;
  return request;
}

/** Floats as OpenAI's base64 encoding: little-endian float32s. */
function base64Vector(vector: number[]): string {
  return Buffer.from(new Float32Array(vector).buffer).toString('base64');
}

export function encodeOpenAIEmbeddings(
  response: EmbeddingsResponse,
  request: EmbeddingsRequest,
): Record<string, unknown> {
  return {
    object: 'list',
    data: response.embeddings.map((vector, index) => ({
      object: 'embedding',
      index,
      embedding: request.encodingFormat === 'base64' ? base64Vector(vector) : vector,
    })),
    model: response.model || request.model,
    usage: { prompt_tokens: response.usage?.inputTokens ?? 0, total_tokens: response.usage?.inputTokens ?? 0 },
  };
}

const IMAGE_HANDLED = new Set(['model', 'prompt', 'n', 'size', 'quality', 'response_format', 'user']);

export function parseOpenAIImagesRequest(body: Json): ImagesRequest {
  if (typeof body.prompt !== 'string' || body.prompt === '')
    throw new InvalidRequestError('invalid_prompt', "'prompt' must be a non-empty string.", 'prompt');
  const unmapped: Record<string, unknown> = {};
  for (const key in body)
    if (!IMAGE_HANDLED.has(key) && body[key] !== null && body[key] !== undefined) unmapped[key] = body[key];
  const request: ImagesRequest = {
    model: typeof body.model === 'string' ? body.model : undefined,
    prompt: body.prompt,
    unmapped,
  };
  const n = optionalNumber(body.n, 'n');
  if (n !== undefined) request.n = n;
  if (typeof body.size === 'string') request.size = body.size;
  if (typeof body.quality === 'string') request.quality = body.quality;
  if (body.response_format === 'url' || body.response_format === 'b64_json')
    request.responseFormat = body.response_format;
  return request;
}

export function encodeOpenAIImages(response: ImagesResponse): Record<string, unknown> {
  return {
    created: response.created,
    data: response.images.map((image) => ({
      ...(image.url !== undefined ? { url: image.url } : {}),
      ...(image.b64Json !== undefined ? { b64_json: image.b64Json } : {}),
      ...(image.revisedPrompt !== undefined ? { revised_prompt: image.revisedPrompt } : {}),
    })),
  };
}
