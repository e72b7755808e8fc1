/**
 * Google's native Gemini wire format (`generateContent`, `streamGenerateContent`, `countTokens`,
 * `embedContent`, `batchEmbedContents`, `models`). As a client format (Gemini CLI, the genai SDKs):
 * requests in, answers and streams out. As a provider format, spoken by the Gemini API and, with
 * paths rewritten by the provider, by Vertex AI: requests out, answers and streams in.
 */
import type { WireFormatSpec } from '../types.ts';
import { embeddings, encodeEmbeddingsResponse, parseEmbeddingsRequest } from './embeddings.ts';
import { errorBody, errorOf } from './errors.ts';
import { buildRequest, parseRequest } from './request.ts';
import { decodeResponse, encodeResponse, usageOfResponse } from './response.ts';
import { models, readRoute } from './route.ts';
import { ChatStreamDecoder, ChatStreamEncoder, StreamUsageReader } from './stream.ts';
import type { CountTokensResponse } from './wire.ts';

export const geminiFormat = {
  client: {
    chat: { parseRequest, encodeResponse, streamEncoder: (request, route) => new ChatStreamEncoder(request, route) },
    embeddings: { parseRequest: parseEmbeddingsRequest, encodeResponse: encodeEmbeddingsResponse },
    errorBody,
    streamErrorEvent: (error) => `data: ${errorBody(error)}\r\n\r\n`,
    usageOfResponse,
    // Gemini streams always end with their usage.
    streamUsage: () => new StreamUsageReader(),
    asksForStreamUsage: false,
    readRoute,
    tokenCount: (tokens): CountTokensResponse => ({ totalTokens: tokens }),
    models,
  },
  provider: {
    chat: { buildRequest, decodeResponse, streamDecoder: (request) => new ChatStreamDecoder(request), errorOf },
    embeddings,
  },
} satisfies WireFormatSpec;
