/**
 * Google's native Gemini wire format (`generateContent`, `streamGenerateContent?alt=sse`,
 * `batchEmbedContents`), spoken by the Gemini API and, with paths rewritten by the provider, by
 * Vertex AI.
 */
import type { ProviderChatFormat, ProviderWireFormat } from '../ir.ts';
import { geminiEmbeddings } from './embeddings.ts';
import { buildChatRequest } from './request.ts';
import { decodeChatResponse, errorOf } from './response.ts';
import { GeminiStreamDecoder } from './stream.ts';

export const geminiChat: ProviderChatFormat = {
  buildRequest: buildChatRequest,
  decodeResponse: decodeChatResponse,
  streamDecoder: (request) => new GeminiStreamDecoder(request),
  errorOf,
};

export const geminiFormat: ProviderWireFormat = { chat: geminiChat, embeddings: geminiEmbeddings };
