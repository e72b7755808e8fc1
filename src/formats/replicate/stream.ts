/**
 * Streamed chat on Replicate takes two upstream requests: creating the prediction (with
 * `stream: true`) answers at once with `urls.stream`, and a GET of that URL (`Accept:
 * text/event-stream`, same Bearer token) streams SSE events: `output` (plain-text tokens),
 * `error` (JSON `{"detail"}`) and `done` (JSON: `{}`, or `{"reason": "canceled" | "error"}`).
 * This file holds the two pure halves: reading the create answer, and decoding the stream.
 */
import { randomUUID } from 'node:crypto';
import type { EventSourceMessage } from 'eventsource-parser';
import { UnsupportedParameterError, UpstreamMalformedError } from '../../errors.ts';
import { incompleteStream } from '../common/errors.ts';
import { asRecord, asString, tryParseJsonObject } from '../common/json.ts';
import { SseEventReader } from '../common/sse.ts';
import type { ChatRequest, StreamEvent } from '../ir.ts';
import type { StreamDecoder } from '../types.ts';
import { PredictionCanceledError, PredictionFailedError } from './errors.ts';
import { REPLICATE } from './request.ts';
import { readPrediction } from './response.ts';
import type { ReplicateStreamEvents } from './wire.ts';

type StreamEventName = keyof ReplicateStreamEvents;

/** Headers of the GET that follows the stream. */
const STREAM_HEADERS = { accept: 'text/event-stream', 'cache-control': 'no-store' };

/** Replicate serves streams from its own domains (`stream.replicate.com`, `*.c.replicate.net`). */
const REPLICATE_DOMAINS = ['replicate.com', 'replicate.net'];

/**
 * Whether the gateway may send its Replicate token to a stream URL the create answer named: only
 * to Replicate itself (https on its domains) or to the
 * configured base URL's own origin (a proxy, or a test's mock).
 */
function isTrustedStreamUrl(url: string, baseUrl: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.origin === new URL(baseUrl).origin) return true;
  return (
    parsed.protocol === 'https:' &&
    REPLICATE_DOMAINS.some((domain) => parsed.hostname === domain || parsed.hostname.endsWith(`.${domain}`))
  );
}

/**
 * Reads the answer to the create request of a streamed prediction: the stream URL to GET next
 * and the prediction's id. A prediction that already failed, or a model that cannot stream,
 * ends the exchange here with the error the client should see.
 */
export function streamUrlOf(createResponse: Buffer, baseUrl: string): { url: string; predictionId: string } {
  const prediction = readPrediction(createResponse);
  if (prediction.status === 'failed')
    throw new PredictionFailedError(prediction.id, prediction.error ?? 'no reason given');
  if (prediction.status === 'canceled') throw new PredictionCanceledError(prediction.id);
  const url = prediction.streamUrl;
  if (!url)
    throw new UnsupportedParameterError(
      'stream',
      REPLICATE,
      `this model does not stream its output (prediction ${prediction.id}); send the request without "stream"`,
    );
  if (!isTrustedStreamUrl(url, baseUrl))
    throw new UpstreamMalformedError('replicate', 'the stream URL points outside Replicate');
  return { url, predictionId: prediction.id };
}

function errorDetail(data: string): string {
  const parsed = tryParseJsonObject(data);
  const field = (name: keyof ReplicateStreamEvents['error']) => parsed?.[name];
  const detail = field('detail') ?? field('error');
  return typeof detail === 'string' && detail ? detail : data.trim() || 'the model reported an error';
}

/** The `urls.stream` SSE → IR events. Replicate reports no usage in the stream. */
export class ChatStreamDecoder implements StreamDecoder {
  readonly #reader = new SseEventReader<StreamEvent>((event) => this.#onEvent(event));
  readonly #id: string;
  readonly #model: string;
  #started = false;
  #done = false;
  #failed = false;

  constructor(request: ChatRequest, predictionId?: string) {
    this.#model = request.model;
    this.#id = predictionId ?? `replicate-${randomUUID()}`;
  }

  push(chunk: Uint8Array): StreamEvent[] {
    return this.#reader.push(chunk);
  }

  end(): StreamEvent[] {
    const events = this.#reader.end();
    if (this.#failed) return events;
    if (!this.#done) {
      this.#failed = true;
      return [...events, incompleteStream('Replicate prediction')];
    }
    return [...events, { type: 'end' }];
  }

  #start(): StreamEvent[] {
    if (this.#started) return [];
    this.#started = true;
    return [{ type: 'start', id: this.#id, model: this.#model }];
  }

  #onEvent(event: EventSourceMessage): StreamEvent[] {
    if (this.#failed || this.#done) return [];
    switch (event.event) {
      case 'output' satisfies StreamEventName:
        return [...this.#start(), ...(event.data ? [{ type: 'text-delta', text: event.data } as const] : [])];
      case 'error' satisfies StreamEventName:
        this.#failed = true;
        return [
          ...this.#start(),
          {
            type: 'error',
            status: 502,
            code: 'prediction_failed',
            message: `Replicate prediction ${this.#id} failed: ${errorDetail(event.data)}`,
          },
        ];
      case 'done' satisfies StreamEventName: {
        this.#done = true;
        const done = asRecord(tryParseJsonObject(event.data));
        const reason = asString(done['reason' satisfies keyof ReplicateStreamEvents['done']]);
        if (reason === 'canceled' || reason === 'error') {
          this.#failed = true;
          const message =
            reason === 'canceled'
              ? `Replicate prediction ${this.#id} was canceled before it finished.`
              : `Replicate prediction ${this.#id} failed.`;
          return [
            ...this.#start(),
            {
              type: 'error',
              status: 502,
              code: reason === 'canceled' ? 'prediction_canceled' : 'prediction_failed',
              message,
            },
          ];
        }
        // Replicate does not say whether the limit cut the answer short.
        return [...this.#start(), { type: 'finish', reason: 'stop' }];
      }
      default:
        // comments, keep-alives and event types newer than this code
        return [];
    }
  }
}

/**
 * The second step of a streamed chat. Given the create request's successful answer (read whole),
 * the base URL it went to and the request: the URL to GET (with the provider's auth headers plus
 * `headers`) and the decoder for that GET's SSE body. Throws the error the client should get when
 * the prediction cannot be streamed.
 */
export function followStream(
  createResponse: Buffer,
  baseUrl: string,
  request: ChatRequest,
): { url: string; headers: Record<string, string>; decoder: StreamDecoder } {
  const { url, predictionId } = streamUrlOf(createResponse, baseUrl);
  return { url, headers: { ...STREAM_HEADERS }, decoder: new ChatStreamDecoder(request, predictionId) };
}
