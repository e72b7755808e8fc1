/**
 * Ollama's native API as a client format (Open WebUI, editor plugins, the `ollama` clients):
 * `/api/chat` and `/api/generate` requests in, answers and NDJSON streams out, for any provider.
 * The Ollama provider serves it natively (passed through); there is no provider side here.
 */
import type { ChatRequest } from '../ir.ts';
import type { StreamFraming, WireFormatSpec } from '../types.ts';
import { encodeEmbeddingsResponse, parseEmbeddingsRequest } from './embeddings.ts';
import { errorBody, streamErrorEvent } from './errors.ts';
import { models, OLLAMA_API_VERSION } from './models.ts';
import { isStream, parseChatRequest, parseGenerateRequest } from './request.ts';
import { type AnswerShape, encodeAnswer, usageOfResponse } from './response.ts';
import { ChatStreamEncoder, StreamUsageReader } from './stream.ts';

const NDJSON: StreamFraming = { contentType: 'application/x-ndjson', separators: ['\n'] };

/** The chat machinery for one answer shape; durations are measured from when the request was read. */
const chatFormat = (shape: AnswerShape, parseRequest: (body: Record<string, unknown>) => ChatRequest) => {
  const startedAt = new WeakMap<ChatRequest, number>();
  return {
    parseRequest(body: Record<string, unknown>) {
      const request = parseRequest(body);
      startedAt.set(request, performance.now());
      return request;
    },
    encodeResponse: (response: Parameters<typeof encodeAnswer>[0], request: ChatRequest) =>
      encodeAnswer(response, shape, startedAt.get(request) ?? performance.now()) as unknown as Record<string, unknown>,
    streamEncoder: (request: ChatRequest) => new ChatStreamEncoder(request, shape),
  };
};

export const ollamaFormat = {
  client: {
    chat: chatFormat('chat', parseChatRequest),
    generate: chatFormat('generate', parseGenerateRequest),
    embeddings: { parseRequest: parseEmbeddingsRequest, encodeResponse: encodeEmbeddingsResponse },
    errorBody,
    streamErrorEvent,
    usageOfResponse,
    // Ollama's last line (`done: true`) always carries the counts.
    streamUsage: () => new StreamUsageReader(),
    asksForStreamUsage: false,
    isStream,
    streamFraming: NDJSON,
    nativeProvider: 'ollama',
    models,
    localAnswers: {
      '/api/version': () => ({ version: OLLAMA_API_VERSION }),
      // No model is loaded in the gateway's memory: it has none of its own.
      '/api/ps': () => ({ models: [] }),
    },
  },
} satisfies WireFormatSpec;
