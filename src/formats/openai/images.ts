/** OpenAI's image-generation endpoint as a client format: requests in, answers out, for providers of other formats. */
import { InvalidRequestError } from '../../errors.ts';
import { type Json, optionalNumber } from '../common/json.ts';
import type { ImagesRequest, ImagesResponse } from '../ir.ts';
import type { ClientImagesFormat } from '../types.ts';
import type { OpenAIImagesResponse } from './wire.ts';

const IMAGE_HANDLED = new Set(['model', 'prompt', 'n', 'size', 'quality', 'response_format', 'user']);

function parseRequest(body: Json): ImagesRequest {
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

function encodeResponse(response: ImagesResponse): OpenAIImagesResponse {
  return {
    created: response.created,
    data: response.images.map((image) => ({
      ...(image.url !== undefined ? { url: image.url } : {}),
      ...(image.b64Json !== undefined ? { b64_json: image.b64Json } : {}),
      ...(image.revisedPrompt !== undefined ? { revised_prompt: image.revisedPrompt } : {}),
    })),
  };
}

export const images: ClientImagesFormat = { parseRequest, encodeResponse };
