/**
 * Gemini's `streamGenerateContent?alt=sse` → IR stream events. Each SSE event is a whole
 * GenerateContentResponse holding the next slice of text; function calls arrive whole, in one part;
 * `finishReason` comes on the last candidate event and usage (cumulative) on any event, complete on
 * the last. The events are separated by `\r\n\r\n`, which the SSE reader handles.
 *
 * Order guaranteed to the encoders: `start` first; deltas; `finish`; `usage`; `end` last — or an
 * `error` (after `start`) when Google reports one, the prompt is blocked, or the body ends early.
 */
import { randomUUID } from 'node:crypto';
import type { EventSourceMessage } from 'eventsource-parser';
import { GatewayError } from '../../errors.ts';
import { errorTypeOf, incompleteStream } from '../common/errors.ts';
import { isObject, type Json } from '../common/json.ts';
import { eventEnd, firstStringValue, lastObjectValue, objectKey, SseEventReader } from '../common/sse.ts';
import { WholeToolCalls } from '../common/tool-calls.ts';
import type { ChatRequest, FinishReason, StreamEvent, TokenUsage } from '../ir.ts';
import type { ClientRoute, StreamDecoder, StreamEncoder, StreamUsage } from '../types.ts';
import { errorBody, googleError, PromptBlockedError, STATUS_OF_CODE } from './errors.ts';
import {
  blockReasonOf,
  finishReasonOf,
  geminiFinishReason,
  geminiPartOf,
  partOf,
  usageMetadataOf,
  usageOf,
} from './response.ts';
import type { GeminiFinishReason, GeminiPart, GenerateContentResponse } from './wire.ts';

export class ChatStreamDecoder implements StreamDecoder {
  readonly #reader = new SseEventReader<StreamEvent>((event) => this.#onEvent(event));
  readonly #requestedModel: string;
  #started = false;
  #finished = false;
  /** An error ended the stream: nothing follows it. */
  #failed = false;
  #toolCalls = 0;
  #usage: TokenUsage | undefined;

  constructor(request: ChatRequest) {
    this.#requestedModel = request.model;
  }

  push(chunk: Uint8Array): StreamEvent[] {
    return this.#reader.push(chunk);
  }

  end(): StreamEvent[] {
    const events = this.#reader.end();
    if (this.#failed) return events;
    if (!this.#finished) {
      return [...events, ...this.#fail(incompleteStream('Google Gemini'))];
    }
    return [...events, ...(this.#usage ? [{ type: 'usage' as const, usage: this.#usage }] : []), { type: 'end' }];
  }

  #onEvent(event: EventSourceMessage): StreamEvent[] {
    if (this.#failed || event.data.trim() === '') return [];
    let response: unknown;
    try {
      response = JSON.parse(event.data);
    } catch {
      return this.#fail({
        status: 502,
        code: 'upstream_malformed',
        message: 'Google Gemini sent a stream event that is not JSON.',
      });
    }
    if (!isObject(response)) return [];
    const error = googleError(response);
    if (error) {
      const code = isObject(response.error) ? response.error.code : undefined;
      const status = typeof code === 'number' ? code : (STATUS_OF_CODE[error.code ?? ''] ?? 502);
      return this.#fail({ status, code: error.code ?? 'upstream_error', message: error.message });
    }
    const out = this.#start(response);
    const blocked = blockReasonOf(response);
    if (blocked) {
      const refusal = new PromptBlockedError(blocked);
      return [...out, ...this.#fail({ status: refusal.status, code: refusal.code, message: refusal.message })];
    }
    this.#usage = usageOf(response.usageMetadata) ?? this.#usage;

    // Only the first candidate: the request builder refuses n > 1.
    const candidate = Array.isArray(response.candidates)
      ? response.candidates.find((c: unknown) => isObject(c) && (c.index ?? 0) === 0)
      : undefined;
    if (!isObject(candidate)) return out;
    const parts: unknown[] =
      isObject(candidate.content) && Array.isArray(candidate.content.parts) ? candidate.content.parts : [];
    for (const raw of parts) {
      // Vertex AI's piecewise function-call arguments come only when asked for (`streamFunctionCallArguments`),
      // which the gateway never does: better a clear error than calls with their arguments missing.
      if (
        isObject(raw) &&
        isObject(raw.functionCall) &&
        ('partialArgs' in raw.functionCall || raw.functionCall.willContinue === true)
      ) {
        return [
          ...out,
          ...this.#fail({
            status: 502,
            code: 'upstream_malformed',
            message:
              'Google Gemini streamed function-call arguments in pieces (partialArgs), which the gateway does not request or read.',
          }),
        ];
      }
      const part = partOf(raw);
      if (!part) continue;
      if (part.type === 'text') out.push({ type: 'text-delta', text: part.text });
      else if (part.type === 'reasoning') out.push({ type: 'reasoning-delta', text: part.text });
      else if (part.type === 'tool-call') {
        const index = this.#toolCalls++;
        out.push(
          { type: 'tool-call-start', index, id: part.id, name: part.name },
          { type: 'tool-call-delta', index, arguments: part.arguments },
          { type: 'tool-call-end', index },
        );
      }
    }
    if (typeof candidate.finishReason === 'string' && !this.#finished) {
      this.#finished = true;
      out.push({ type: 'finish', reason: finishReasonOf(candidate.finishReason, this.#toolCalls > 0) });
    }
    return out;
  }

  /** `start` once, from the first event: Gemini's response id and the model version that answers. */
  #start(response: Json): StreamEvent[] {
    if (this.#started) return [];
    this.#started = true;
    const id = typeof response.responseId === 'string' ? response.responseId : `gemini-${randomUUID()}`;
    const model = typeof response.modelVersion === 'string' ? response.modelVersion : this.#requestedModel;
    return [{ type: 'start', id, model }];
  }

  #fail(error: { status: number; code: string; message: string }): StreamEvent[] {
    this.#failed = true;
    return [...this.#start({}), { type: 'error', ...error }];
  }
}

// ——— Client side: IR events → Gemini stream chunks ———

/**
 * IR events → GenerateContentResponse chunks, as SSE events (`?alt=sse`) or as the elements of
 * one JSON array (what `streamGenerateContent` sends without it). Text and thoughts go out as they
 * come; a function call goes out whole once its arguments are complete (Gemini never splits one);
 * the last chunk carries `finishReason` and `usageMetadata`.
 */
export class ChatStreamEncoder implements StreamEncoder {
  readonly #array: boolean;
  #id = '';
  #model: string;
  #chunks = 0;
  #finish: FinishReason | undefined;
  #usage: Partial<TokenUsage> = {};
  readonly #calls = new WholeToolCalls();

  constructor(request: ChatRequest, route?: ClientRoute) {
    this.#model = request.model;
    this.#array = route?.framing?.contentType.startsWith('application/json') === true;
  }

  encode(event: StreamEvent): string {
    switch (event.type) {
      case 'start':
        this.#id = event.id;
        if (event.model) this.#model = event.model;
        return '';
      case 'text-delta':
        return this.#chunk([{ text: event.text }]);
      case 'reasoning-delta':
        return this.#chunk([{ text: event.text, thought: true }]);
      case 'tool-call-start':
      case 'tool-call-delta':
        this.#calls.push(event);
        return '';
      case 'tool-call-end': {
        const call = this.#calls.push(event);
        if (!call) return '';
        let part: GeminiPart;
        try {
          part = geminiPartOf(call);
        } catch {
          // Arguments that are not a JSON object cannot be a functionCall: Gemini's own name for it.
          this.#finish = 'error';
          return '';
        }
        return this.#chunk([part]);
      }
      case 'finish':
        this.#finish = event.reason;
        return '';
      case 'usage':
        Object.assign(this.#usage, event.usage);
        return '';
      case 'error':
        return (
          this.#element(
            JSON.parse(errorBody(new GatewayError(event.status, event.code, event.message, errorTypeOf(event.status)))),
          ) + (this.#array ? '\n]' : '')
        );
      case 'end': {
        const last = this.#chunk([{ text: '' }], geminiFinishReason(this.#finish ?? 'stop'));
        return this.#array ? `${last}\n]` : last;
      }
      default:
        return '';
    }
  }

  #chunk(parts: GeminiPart[], finishReason?: GeminiFinishReason): string {
    const chunk: GenerateContentResponse = {
      candidates: [{ content: { role: 'model', parts }, ...(finishReason ? { finishReason } : {}), index: 0 }],
      ...(finishReason ? { usageMetadata: usageMetadataOf(this.#usage) } : {}),
      modelVersion: this.#model,
      responseId: this.#id,
    };
    return this.#element(chunk);
  }

  #element(value: unknown): string {
    const json = JSON.stringify(value);
    if (!this.#array) return `data: ${json}\r\n\r\n`;
    return `${this.#chunks++ === 0 ? '[' : '\n,'}${json}`;
  }
}

const USAGE_KEY = Buffer.from('"usageMetadata":');
const USAGE_OBJECT = objectKey('usageMetadata');
const MODEL_KEY = Buffer.from('"modelVersion":"');

/**
 * Reads a relayed Gemini stream's usage: each chunk's usageMetadata is cumulative, the last one
 * whole, so only the last is kept (as bytes) and parsed once, when the stream's usage is asked for.
 */
export class StreamUsageReader implements StreamUsage {
  #usage: TokenUsage | undefined;
  #last: Buffer | undefined;
  model: string | undefined;

  get usage(): TokenUsage | undefined {
    if (this.#last) this.#usage = usageOf(lastObjectValue(this.#last, USAGE_KEY)) ?? this.#usage;
    this.#last = undefined;
    return this.#usage;
  }

  events(bytes: Buffer): Buffer {
    // An object value only: a later `"usageMetadata": null` must not hide the last counts.
    const at = Math.max(bytes.lastIndexOf(USAGE_OBJECT.compact), bytes.lastIndexOf(USAGE_OBJECT.spaced));
    // A copy: a view would keep the whole chunk it came in.
    if (at >= 0) this.#last = Buffer.from(bytes.subarray(at, eventEnd(bytes, at)));
    this.model ??= firstStringValue(bytes, MODEL_KEY);
    return bytes;
  }
}
