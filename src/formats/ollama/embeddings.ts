/** Ollama `/api/embed` (`input`: one text or a list) and the older `/api/embeddings` (`prompt`: one text, `single`) ↔ IR. */
import { InvalidRequestError } from '../../errors.ts';
import { type Json, optionalNumber } from '../common/json.ts';
import type { EmbeddingsRequest, EmbeddingsResponse } from '../ir.ts';

export function parseEmbeddingsRequest(body: Json): EmbeddingsRequest {
  if (typeof body.model !== 'string' || !body.model)
    throw new InvalidRequestError('missing_model', "The request body must name a 'model'.", 'model');
  const dimensions = optionalNumber(body.dimensions, 'dimensions');
  const request: EmbeddingsRequest = { model: body.model, input: [] };
  if (typeof body.prompt === 'string' && body.input === undefined) {
    request.input = [body.prompt];
    request.single = true;
  } else if (typeof body.input === 'string') request.input = [body.input];
  else if (Array.isArray(body.input) && body.input.every((text) => typeof text === 'string'))
    request.input = body.input as string[];
  else throw new InvalidRequestError('invalid_request', "'input' must be a string or a list of strings.", 'input');
  if (dimensions !== undefined) request.dimensions = dimensions;
  return request;
}

export function encodeEmbeddingsResponse(response: EmbeddingsResponse, request: EmbeddingsRequest): Json {
  if (request.single) return { embedding: response.embeddings[0] ?? [] };
  return {
    model: request.model,
    embeddings: response.embeddings,
    total_duration: 0,
    load_duration: 0,
    prompt_eval_count: response.usage?.inputTokens ?? 0,
  };
}
