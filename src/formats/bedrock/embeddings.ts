/**
 * Embeddings on Bedrock through `POST /model/{modelId}/invoke`, in each model family's own body
 * (Bedrock user guide, model parameters): Amazon Titan takes one `inputText`; Cohere Embed takes
 * Cohere's `texts` + `input_type`.
 */
import { UnsupportedParameterError, UpstreamMalformedError } from '../../errors.ts';
import { DEFAULT_INPUT_TYPE } from '../cohere/embeddings.ts';
import { asArray, asNumber, asRecord, isObject, parseJsonResponse } from '../common/json.ts';
import type { EmbeddingsRequest, EmbeddingsResponse } from '../ir.ts';
import type { ProviderEmbeddingsFormat, ProviderRequest } from '../types.ts';
import type {
  BedrockCohereEmbedRequest,
  BedrockCohereEmbedResponse,
  TitanEmbeddingRequest,
  TitanEmbeddingResponse,
} from './wire.ts';

const TARGET = 'AWS Bedrock embeddings';

const invokePath = (model: string) => `/model/${encodeURIComponent(model)}/invoke`;

type Family = 'titan-v2' | 'titan-v1' | 'titan-multimodal' | 'cohere';

function embeddingFamilyOf(model: string): Family {
  if (model.includes('amazon.titan-embed-text-v2')) return 'titan-v2';
  if (model.includes('amazon.titan-embed-image')) return 'titan-multimodal';
  if (model.includes('amazon.titan-embed')) return 'titan-v1';
  if (model.includes('cohere.embed')) return 'cohere';
  throw new UnsupportedParameterError(
    'model',
    TARGET,
    `'${model}' is not an embedding model the gateway knows (amazon.titan-embed-*, cohere.embed-*)`,
  );
}

function titanBody(request: EmbeddingsRequest, family: Family): TitanEmbeddingRequest {
  // Titan embeds one text per call; several would need several upstream requests.
  if (request.input.length !== 1)
    throw new UnsupportedParameterError('input', TARGET, 'Amazon Titan embeds one text per request');
  const body: TitanEmbeddingRequest = { inputText: request.input[0] as string };
  if (request.dimensions !== undefined) {
    if (family === 'titan-v2') body.dimensions = request.dimensions;
    else if (family === 'titan-multimodal') body.embeddingConfig = { outputEmbeddingLength: request.dimensions };
    else throw new UnsupportedParameterError('dimensions', TARGET, 'Titan text embeddings v1 has a fixed size');
  }
  return body;
}

function cohereBody(request: EmbeddingsRequest): BedrockCohereEmbedRequest {
  return {
    texts: request.input,
    input_type: request.inputType ?? DEFAULT_INPUT_TYPE,
    embedding_types: ['float'],
    ...(request.dimensions !== undefined ? { output_dimension: request.dimensions } : {}),
  };
}

function buildRequest(request: EmbeddingsRequest, model: string): ProviderRequest {
  const family = embeddingFamilyOf(model);
  return { path: invokePath(model), body: family === 'cohere' ? cohereBody(request) : titanBody(request, family) };
}

const isVector = (value: unknown): value is number[] =>
  Array.isArray(value) && value.every((n) => typeof n === 'number');

/** Told apart by shape, as the answer does not name its model: Titan's `embedding`, Cohere's `embeddings`. */
function decodeResponse(body: Buffer, request: EmbeddingsRequest): EmbeddingsResponse {
  const answer = parseJsonResponse(body, 'Bedrock InvokeModel');
  const titan = (name: keyof TitanEmbeddingResponse) => answer[name];
  const embedding = titan('embedding');
  if (isVector(embedding)) {
    const tokens = asNumber(titan('inputTextTokenCount'));
    return {
      model: request.model,
      embeddings: [embedding],
      usage: tokens !== undefined ? { inputTokens: tokens } : undefined,
    };
  }
  // Cohere Embed: a plain list (`embeddings_floats`) or a list per type (`embeddings_by_type`).
  const cohere = answer['embeddings' satisfies keyof BedrockCohereEmbedResponse];
  const embeddings = isObject(cohere) ? asRecord(cohere).float : cohere;
  const vectors = asArray(embeddings);
  if (vectors.length === 0 || !vectors.every(isVector))
    throw new UpstreamMalformedError('bedrock', 'the embeddings answer holds no float vectors');
  // Bedrock reports Cohere's token count in a response header only.
  return { model: request.model, embeddings: vectors, usage: undefined };
}

export const embeddings: ProviderEmbeddingsFormat = { buildRequest, decodeResponse };
