/**
 * Google's native Gemini wire format (`generateContent`, `streamGenerateContent?alt=sse`,
 * `batchEmbedContents`), spoken by the Gemini API and, with paths rewritten by the provider, by
 * Vertex AI.
 */
import type { WireFormatSpec } from '../types.ts';
import { embeddings } from './embeddings.ts';
import { errorOf } from './errors.ts';
import { buildRequest } from './request.ts';
import { decodeResponse } from './response.ts';
import { ChatStreamDecoder } from './stream.ts';

export const geminiFormat = {
  provider: {
    chat: { buildRequest, decodeResponse, streamDecoder: (request) => new ChatStreamDecoder(request), errorOf },
    embeddings,
  },
} satisfies WireFormatSpec;
