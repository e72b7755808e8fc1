/**
 * Embeddings through Cohere's `POST /v2/embed`: `texts`, a required `input_type`, and
 * `embedding_types` (required in v2), of which the gateway asks for floats only.
 */
import { UpstreamMalformedError } from '../../errors.ts';
import { asArray, asNumber, asRecord, parseJsonResponse } from '../common/json.ts';
import type { EmbeddingsRequest, EmbeddingsResponse } from '../ir.ts';
import type { ProviderEmbeddingsFormat, ProviderRequest } from '../types.ts';
import type { CohereEmbedRequest, CohereEmbedResponse } from './wire.ts';

/**
 * OpenAI-style clients do not say what their texts are for. Cohere embeds documents and queries
 * apart; documents are what clients embed in bulk (to index them), so they are the default, and
 * `input_type` in the request picks another purpose.
 */
export const DEFAULT_INPUT_TYPE = 'search_document';

function buildRequest(request: EmbeddingsRequest, model: string): ProviderRequest {
  const body: CohereEmbedRequest = {
    model,
    texts: request.input,
    input_type: request.inputType ?? DEFAULT_INPUT_TYPE,
    embedding_types: ['float'],
    ...(request.dimensions !== undefined ? { output_dimension: request.dimensions } : {}),
  };
  return { path: '/v2/embed', body };
}

function decodeResponse(body: Buffer, request: EmbeddingsRequest): EmbeddingsResponse {
  const answer = parseJsonResponse(body, 'Cohere v2 embed');
  const field = (name: keyof CohereEmbedResponse) => asRecord(answer[name]);
  const vectors = asArray(field('embeddings').float);
  if (!vectors.every((v) => Array.isArray(v) && v.every((n) => typeof n === 'number')))
    throw new UpstreamMalformedError('cohere', 'the embeddings are not float vectors');
  const tokens = asNumber(asRecord(field('meta').billed_units).input_tokens);
  return {
    model: request.model,
    embeddings: vectors as number[][],
    usage: tokens !== undefined ? { inputTokens: tokens } : undefined,
  };
}

export const embeddings: ProviderEmbeddingsFormat = { buildRequest, decodeResponse };
