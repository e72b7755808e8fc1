/** OpenAI's embeddings endpoint as a client format: requests in, answers out, for providers of other formats. */
import { InvalidRequestError, UnsupportedParameterError } from '../../errors.ts';
import { isObject, type Json, optionalNumber, parseJsonResponse } from '../common/json.ts';
import type { EmbeddingsRequest, EmbeddingsResponse } from '../ir.ts';
import type { ClientEmbeddingsFormat, ProviderEmbeddingsFormat } from '../types.ts';
import type { OpenAIEmbeddingsResponse } from './wire.ts';

/** Floats as OpenAI's base64 encoding: little-endian float32s. */
function base64Vector(vector: number[]): string {
  return Buffer.from(new Float32Array(vector).buffer).toString('base64');
}

function parseRequest(body: Json): EmbeddingsRequest {
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

function encodeResponse(response: EmbeddingsResponse, request: EmbeddingsRequest): OpenAIEmbeddingsResponse {
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

export const embeddings: ClientEmbeddingsFormat = { parseRequest, encodeResponse };

// ——— Provider side: IR embeddings → OpenAI's `/embeddings`, for clients of other formats ———

export const providerEmbeddings: ProviderEmbeddingsFormat = {
  buildRequest(request: EmbeddingsRequest, model: string) {
    const body: Json = { model, input: request.input, encoding_format: 'float' };
    if (request.dimensions !== undefined) body.dimensions = request.dimensions;
    if (request.user !== undefined) body.user = request.user;
    // A retrieval purpose only tunes the vectors; OpenAI's models take none.
    return { path: '/embeddings', body, ...(request.inputType !== undefined ? { dropped: ['taskType'] } : {}) };
  },
  decodeResponse(body: Buffer, request: EmbeddingsRequest): EmbeddingsResponse {
    const answer = parseJsonResponse(body, 'OpenAI embeddings');
    const data = Array.isArray(answer.data) ? answer.data : [];
    const vectors = data
      .filter(isObject)
      .sort((a, b) => Number(a.index ?? 0) - Number(b.index ?? 0))
      .map((item) => (Array.isArray(item.embedding) ? (item.embedding as number[]) : []));
    const usage =
      isObject(answer.usage) && typeof answer.usage.prompt_tokens === 'number'
        ? { inputTokens: answer.usage.prompt_tokens }
        : undefined;
    return { model: typeof answer.model === 'string' ? answer.model : request.model, embeddings: vectors, usage };
  },
};
