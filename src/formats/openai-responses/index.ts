/**
 * OpenAI's Responses API (`POST /v1/responses`) as a wire format. As a client format (Codex CLI,
 * the `openai` SDK's `client.responses`): requests in, response objects and events out, for every
 * provider without a Responses API of its own. As a provider format: requests out, responses and
 * events in, for models that answer only there.
 */
import type { WireFormatSpec } from '../types.ts';
import { errorBody, errorOf, streamErrorEvent } from './errors.ts';
import { buildRequest, parseRequest } from './request.ts';
import { decodeResponse, encodeResponse } from './response.ts';
import { ChatStreamDecoder, ChatStreamEncoder } from './stream.ts';
import { StreamUsageReader, usageOfResponse } from './usage.ts';

export const openAIResponsesFormat = {
  client: {
    chat: { parseRequest, encodeResponse, streamEncoder: (request) => new ChatStreamEncoder(request) },
    errorBody,
    streamErrorEvent,
    usageOfResponse,
    // Every Responses stream ends with the usage in `response.completed`: never asked for, never stripped.
    streamUsage: () => new StreamUsageReader(),
    asksForStreamUsage: false,
  },
  provider: {
    chat: { buildRequest, decodeResponse, streamDecoder: () => new ChatStreamDecoder(), errorOf },
  },
} satisfies WireFormatSpec;
