/**
 * Anthropic Messages as a wire format. As a client format (Claude Code, the Anthropic SDKs):
 * requests in, messages and events out. As a provider format: requests out, messages and events in.
 */
import type { WireFormatSpec } from '../types.ts';
import { errorBody, errorOf } from './errors.ts';
import { buildRequest, parseRequest } from './request.ts';
import { decodeResponse, encodeResponse } from './response.ts';
import { ChatStreamDecoder, ChatStreamEncoder } from './stream.ts';
import { StreamUsageReader, usageOfResponse } from './usage.ts';

export const anthropicFormat = {
  client: {
    chat: { parseRequest, encodeResponse, streamEncoder: (request) => new ChatStreamEncoder(request) },
    errorBody,
    streamErrorEvent: (error) => `event: error\ndata: ${errorBody(error)}\n\n`,
    usageOfResponse,
    // Anthropic streams always report usage; the gateway never has to ask.
    streamUsage: () => new StreamUsageReader(),
    asksForStreamUsage: false,
    tokenCount: (tokens) => ({ input_tokens: tokens }),
  },
  provider: {
    chat: { buildRequest, decodeResponse, streamDecoder: (request) => new ChatStreamDecoder(request), errorOf },
  },
} satisfies WireFormatSpec;
