/** AWS Bedrock's wire format: the Converse API for chat, InvokeModel for embeddings. */
import type { ChatRequest, ProviderChatFormat, ProviderWireFormat } from '../ir.ts';
import { bedrockEmbeddings } from './embeddings.ts';
import { buildConverseRequest } from './request.ts';
import { bedrockErrorOf, decodeConverseResponse } from './response.ts';
import { ConverseStreamDecoder } from './stream.ts';

export const bedrockChat: ProviderChatFormat = {
  buildRequest: buildConverseRequest,
  decodeResponse: decodeConverseResponse,
  streamDecoder: (request: ChatRequest) => new ConverseStreamDecoder(request),
  errorOf: bedrockErrorOf,
};

export const bedrockFormat: ProviderWireFormat = { chat: bedrockChat, embeddings: bedrockEmbeddings };
