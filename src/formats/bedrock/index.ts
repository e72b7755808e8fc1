/** AWS Bedrock's wire format: the Converse API for chat (binary event streams), InvokeModel for embeddings. */
import type { WireFormatSpec } from '../types.ts';
import { embeddings } from './embeddings.ts';
import { errorOf } from './errors.ts';
import { buildRequest } from './request.ts';
import { decodeResponse } from './response.ts';
import { ChatStreamDecoder } from './stream.ts';

export const bedrockFormat = {
  provider: {
    chat: { buildRequest, decodeResponse, streamDecoder: (request) => new ChatStreamDecoder(request), errorOf },
    embeddings,
  },
} satisfies WireFormatSpec;
