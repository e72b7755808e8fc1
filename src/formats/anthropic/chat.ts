/**
 * Anthropic Messages as a wire format. As a client format (Claude Code, the Anthropic SDKs):
 * requests in, messages and events out. As a provider format: requests out, messages and events in.
 */
import type { ClientChatFormat, ProviderChatFormat } from '../ir.ts';
import { buildAnthropicRequest, parseAnthropicRequest } from './request.ts';
import { anthropicErrorOf, decodeAnthropicResponse, encodeAnthropicResponse } from './response.ts';
import { AnthropicStreamDecoder, AnthropicStreamEncoder } from './stream.ts';

export const anthropicChat: ClientChatFormat & ProviderChatFormat = {
  parseRequest: parseAnthropicRequest,
  encodeResponse: encodeAnthropicResponse,
  streamEncoder: (request) => new AnthropicStreamEncoder(request),
  buildRequest: buildAnthropicRequest,
  decodeResponse: decodeAnthropicResponse,
  streamDecoder: (request) => new AnthropicStreamDecoder(request),
  errorOf: anthropicErrorOf,
};

export { buildAnthropicRequest, DEFAULT_MAX_TOKENS, jsonToolOf, parseAnthropicRequest } from './request.ts';
export { decodeAnthropicResponse, encodeAnthropicResponse } from './response.ts';
