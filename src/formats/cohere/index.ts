/** Cohere's wire format: v2 chat (`/v2/chat`) and v2 embeddings (`/v2/embed`). */
import type { ChatRequest, ProviderChatFormat, ProviderWireFormat } from '../ir.ts';
import { cohereEmbeddings } from './embeddings.ts';
import { buildCohereRequest } from './request.ts';
import { cohereErrorOf, decodeCohereResponse } from './response.ts';
import { CohereStreamDecoder } from './stream.ts';

export const cohereChat: ProviderChatFormat = {
  buildRequest: buildCohereRequest,
  decodeResponse: decodeCohereResponse,
  streamDecoder: (request: ChatRequest) => new CohereStreamDecoder(request),
  errorOf: cohereErrorOf,
};

export const cohereFormat: ProviderWireFormat = { chat: cohereChat, embeddings: cohereEmbeddings };
