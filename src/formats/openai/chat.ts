/**
 * OpenAI Chat Completions as a wire format. As a client format: requests in, answers and chunks
 * out. As a provider format (every OpenAI-compatible provider): requests out, answers and chunks in.
 */
import type { ClientChatFormat, ProviderChatFormat } from '../ir.ts';
import { buildOpenAIRequest, parseOpenAIRequest } from './request.ts';
import { decodeOpenAIResponse, encodeOpenAIResponse, openAIErrorOf } from './response.ts';
import { OpenAIStreamDecoder, OpenAIStreamEncoder } from './stream.ts';

export const openAIChat: ClientChatFormat & ProviderChatFormat = {
  parseRequest: parseOpenAIRequest,
  encodeResponse: encodeOpenAIResponse,
  streamEncoder: (request) => new OpenAIStreamEncoder(request),
  buildRequest: buildOpenAIRequest,
  decodeResponse: decodeOpenAIResponse,
  streamDecoder: () => new OpenAIStreamDecoder(),
  errorOf: openAIErrorOf,
};

export { buildOpenAIRequest, parseOpenAIRequest } from './request.ts';
export { decodeOpenAIResponse, encodeOpenAIResponse } from './response.ts';
