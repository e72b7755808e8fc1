/**
 * Replicate's wire format: predictions of language models for chat, of image models for images.
 * Streamed chat needs a second upstream request: `followStream` is the proxy's hook for it.
 */
import type { ChatRequest, ProviderChatFormat, ProviderWireFormat, StreamDecoder } from '../ir.ts';
import { buildReplicateChatRequest, decodeReplicateChatResponse } from './chat.ts';
import { replicateImages } from './images.ts';
import { replicateErrorOf } from './predictions.ts';
import { ReplicateStreamDecoder, STREAM_HEADERS, streamUrlOf } from './stream.ts';

export { isTrustedStreamUrl, ReplicateStreamDecoder, STREAM_HEADERS, streamUrlOf } from './stream.ts';

/**
 * The second step of a streamed chat. Given the create request's successful answer (read whole),
 * the base URL it went to and the request: the URL to GET (with the provider's auth headers plus
 * `headers`) and the decoder for that GET's SSE body. Throws the error the client should get when
 * the prediction cannot be streamed.
 */
export function followStream(
  createAnswer: Buffer,
  baseUrl: string,
  request: ChatRequest,
): { url: string; headers: Record<string, string>; decoder: StreamDecoder } {
  const { url, predictionId } = streamUrlOf(createAnswer, baseUrl);
  return { url, headers: { ...STREAM_HEADERS }, decoder: new ReplicateStreamDecoder(request, predictionId) };
}

export const replicateChat: ProviderChatFormat = {
  buildRequest: buildReplicateChatRequest,
  decodeResponse: decodeReplicateChatResponse,
  streamDecoder: (request: ChatRequest) => new ReplicateStreamDecoder(request),
  errorOf: replicateErrorOf,
  followStream,
};

export const replicateFormat: ProviderWireFormat = { chat: replicateChat, images: replicateImages };
