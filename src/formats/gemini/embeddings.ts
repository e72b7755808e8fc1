/**
 * IR embeddings ↔ Gemini `batchEmbedContents` (Gemini API reference: BatchEmbedContentsRequest,
 * EmbedContentRequest, TaskType). The decoder also reads Vertex AI's `:predict` answer for embedding
 * models (`predictions[].embeddings.values`), into which the Vertex provider rewrites this request.
 */
import { InvalidRequestError, UnsupportedParameterError } from '../../errors.ts';
import { isObject, type Json, optionalNumber } from '../common/json.ts';
import type { EmbeddingsRequest, EmbeddingsResponse } from '../ir.ts';
import type { ClientRoute, ProviderEmbeddingsFormat } from '../types.ts';
import { GEMINI, modelMethodPath } from './request.ts';
import { parseJson } from './response.ts';
import type {
  BatchEmbedContentsRequest,
  BatchEmbedContentsResponse,
  EmbedContentRequest,
  EmbedContentResponse,
} from './wire.ts';

const TASK_TYPES = [
  'RETRIEVAL_QUERY',
  'RETRIEVAL_DOCUMENT',
  'SEMANTIC_SIMILARITY',
  'CLASSIFICATION',
  'CLUSTERING',
  'QUESTION_ANSWERING',
  'FACT_VERIFICATION',
  'CODE_RETRIEVAL_QUERY',
];

/** Cohere-style `input_type` names for the same purposes. */
const TASK_TYPE_ALIASES: Readonly<Record<string, string>> = {
  search_query: 'RETRIEVAL_QUERY',
  search_document: 'RETRIEVAL_DOCUMENT',
  query: 'RETRIEVAL_QUERY',
  document: 'RETRIEVAL_DOCUMENT',
};

/** The Gemini `taskType` for an `input_type`: Gemini's own names (any case) or Cohere's. */
function taskTypeOf(inputType: string): string {
  const upper = inputType.toUpperCase();
  const taskType = TASK_TYPES.includes(upper) ? upper : TASK_TYPE_ALIASES[inputType.toLowerCase()];
  if (!taskType)
    throw new UnsupportedParameterError(
      'input_type',
      GEMINI,
      `expected one of ${[...Object.keys(TASK_TYPE_ALIASES), ...TASK_TYPES.map((t) => t.toLowerCase())].join(', ')}`,
    );
  return taskType;
}

export const embeddings: ProviderEmbeddingsFormat = {
  buildRequest(request: EmbeddingsRequest, model: string) {
    const name = model.startsWith('models/') ? model : `models/${model}`;
    const taskType = request.inputType === undefined ? undefined : taskTypeOf(request.inputType);
    // Each request must name the model of the URL (the reference: "must match the model name given in the batch").
    const requests = request.input.map(
      (text): EmbedContentRequest => ({
        model: name,
        content: { parts: [{ text }] },
        ...(taskType ? { taskType } : {}),
        ...(request.dimensions !== undefined ? { outputDimensionality: request.dimensions } : {}),
      }),
    );
    const body: BatchEmbedContentsRequest = { requests };
    return { path: modelMethodPath(model, 'batchEmbedContents'), body };
  },

  decodeResponse(body: Buffer, request: EmbeddingsRequest): EmbeddingsResponse {
    const response = parseJson(body, 'the embeddings answer');
    if (Array.isArray(response.predictions)) return fromVertexPredictions(response.predictions, request);
    const embeddings: unknown[] = Array.isArray(response.embeddings) ? response.embeddings : [];
    // batchEmbedContents reports no token counts.
    return { model: request.model, embeddings: embeddings.map(valuesOf), usage: undefined };
  },
};

function valuesOf(embedding: unknown): number[] {
  return isObject(embedding) && Array.isArray(embedding.values) ? (embedding.values as number[]) : [];
}

/** Vertex AI's `:predict` answer: one prediction per instance, each with its token count. */
function fromVertexPredictions(predictions: unknown[], request: EmbeddingsRequest): EmbeddingsResponse {
  let inputTokens = 0;
  let counted = false;
  const embeddings = predictions.map((prediction) => {
    const embedding = isObject(prediction) ? prediction.embeddings : undefined;
    const tokens = isObject(embedding) && isObject(embedding.statistics) ? embedding.statistics.token_count : undefined;
    if (typeof tokens === 'number') {
      inputTokens += tokens;
      counted = true;
    }
    return valuesOf(embedding);
  });
  return { model: request.model, embeddings, usage: counted ? { inputTokens } : undefined };
}

// ——— Client side: `embedContent` / `batchEmbedContents` ↔ IR ———

function embedRequestOf(value: unknown, where: string): { text: string; taskType?: string; dimensions?: number } {
  const content = isObject(value) && isObject(value.content) ? value.content : undefined;
  const parts = content && Array.isArray(content.parts) ? content.parts : undefined;
  if (!isObject(value) || !parts)
    throw new InvalidRequestError('invalid_request', `${where} must have a 'content' with parts.`, 'content');
  const text = parts.map((part) => (isObject(part) && typeof part.text === 'string' ? part.text : '')).join('');
  const dimensions = optionalNumber(value.outputDimensionality, 'outputDimensionality');
  return {
    text,
    ...(typeof value.taskType === 'string' ? { taskType: value.taskType } : {}),
    ...(dimensions !== undefined ? { dimensions } : {}),
  };
}

/** One `embedContent` body (`single`), or `batchEmbedContents`' `requests`; the model is the path's. */
export function parseEmbeddingsRequest(body: Json, route?: ClientRoute): EmbeddingsRequest {
  const batch = Array.isArray(body.requests);
  const items = batch
    ? (body.requests as unknown[]).map((item, i) => embedRequestOf(item, `requests[${i}]`))
    : [embedRequestOf(body, 'The request')];
  const first = items[0];
  const request: EmbeddingsRequest = { model: route?.model ?? '', input: items.map((item) => item.text) };
  if (!batch) request.single = true;
  if (first?.taskType) request.inputType = first.taskType;
  if (first?.dimensions !== undefined) request.dimensions = first.dimensions;
  return request;
}

export function encodeEmbeddingsResponse(response: EmbeddingsResponse, request: EmbeddingsRequest): Json {
  const vectors = response.embeddings.map((values) => ({ values }));
  const body: EmbedContentResponse | BatchEmbedContentsResponse = request.single
    ? { embedding: vectors[0] ?? { values: [] } }
    : { embeddings: vectors };
  return body;
}
