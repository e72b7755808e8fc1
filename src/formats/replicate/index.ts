/**
 * Replicate's wire format: predictions of language models for chat, of image models for images.
 * Streamed chat needs a second upstream request: `followStream` is the proxy's hook for it.
 */
import type { WireFormatSpec } from '../types.ts';
import { errorOf } from './errors.ts';
import { images } from './images.ts';
import { buildRequest } from './request.ts';
import { decodeResponse } from './response.ts';
import { ChatStreamDecoder, followStream } from './stream.ts';

export const replicateFormat = {
  provider: {
    chat: {
      buildRequest,
      decodeResponse,
      streamDecoder: (request) => new ChatStreamDecoder(request),
      errorOf,
      followStream,
    },
    images,
  },
} satisfies WireFormatSpec;
