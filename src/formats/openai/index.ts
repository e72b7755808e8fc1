/**
 * OpenAI Chat Completions (and its embeddings and image endpoints) as a wire format. As a client
 * format: requests in, answers and chunks out. As a provider format (every OpenAI-compatible
 * provider): requests out, answers and chunks in.
 */
import type { WireFormatSpec } from '../types.ts';
import { embeddings, providerEmbeddings } from './embeddings.ts';
import { errorBody, errorOf } from './errors.ts';
import { images } from './images.ts';
import { buildRequest, parseRequest } from './request.ts';
import { decodeResponse, encodeResponse } from './response.ts';
import { ChatStreamDecoder, ChatStreamEncoder } from './stream.ts';
import { StreamUsageReader, usageOfResponse } from './usage.ts';

export const openAIFormat = {
  client: {
    chat: { parseRequest, encodeResponse, streamEncoder: (request) => new ChatStreamEncoder(request) },
    embeddings,
    images,
    errorBody,
    // The OpenAI SDKs raise an APIError for a `data:` event whose JSON has an `error` field.
    streamErrorEvent: (error) => `data: ${errorBody(error)}\n\n`,
    usageOfResponse,
    streamUsage: (gatewayAskedForUsage) => new StreamUsageReader(gatewayAskedForUsage),
    asksForStreamUsage: true,
  },
  provider: {
    chat: { buildRequest, decodeResponse, streamDecoder: () => new ChatStreamDecoder(), errorOf },
    embeddings: providerEmbeddings,
  },
} satisfies WireFormatSpec;
