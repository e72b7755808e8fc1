/** Cohere's wire format: v2 chat (`/v2/chat`) and v2 embeddings (`/v2/embed`). */
import type { WireFormatSpec } from '../types.ts';
import { embeddings } from './embeddings.ts';
import { errorOf } from './errors.ts';
import { buildRequest } from './request.ts';
import { decodeResponse } from './response.ts';
import { ChatStreamDecoder } from './stream.ts';

export const cohereFormat = {
  provider: {
    chat: { buildRequest, decodeResponse, streamDecoder: (request) => new ChatStreamDecoder(request), errorOf },
    embeddings,
  },
} satisfies WireFormatSpec;
