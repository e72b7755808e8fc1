/**
 * `chat.completion.chunk` streams ⇄ IR events, each with its own per-stream state: the encoder
 * writes an OpenAI client's chunks, the decoder reads an OpenAI-compatible provider's.
 */
import { GatewayError } from '../../errors.ts';
import { errorTypeOf, incompleteStream, malformedEvent } from '../common/errors.ts';
import { isObject, type Json } from '../common/json.ts';
import { SseEventReader, sseEvent } from '../common/sse.ts';
import type { ChatRequest, StreamEvent, TokenUsage } from '../ir.ts';
import type { StreamDecoder, StreamEncoder } from '../types.ts';
import { errorBody } from './errors.ts';
import {
  contentOf,
  FINISH_TO_OPENAI,
  finishFromOpenAI,
  generatedCallId,
  nowSeconds,
  openAIUsage,
  reasoningOf,
} from './response.ts';
import { tokenUsageOf } from './usage.ts';
import type { OpenAIChatCompletionChunk, OpenAIChunkDelta } from './wire.ts';

/**
 * IR events → `chat.completion.chunk` events. The first chunk carries `role: "assistant"`; tool
 * calls keep the index the IR gives them; the finish chunk comes when the provider finishes, the
 * usage chunk (if asked for) and `[DONE]` when its stream ends.
 */
export class ChatStreamEncoder implements StreamEncoder {
  #id = '';
  #model = '';
  readonly #created = nowSeconds();
  #started = false;
  #finished = false;
  #sawToolCall = false;
  #usage: Partial<TokenUsage> = {};
  readonly #includeUsage: boolean;

  constructor(request: ChatRequest) {
    this.#includeUsage = request.includeUsage;
    this.#model = request.model;
  }

  encode(event: StreamEvent): string {
    switch (event.type) {
      case 'start':
        this.#id = event.id;
        this.#model = event.model || this.#model;
        return this.#ensureStarted();
      case 'text-delta':
        return this.#ensureStarted() + this.#chunk({ content: event.text });
      case 'reasoning-delta':
        return this.#ensureStarted() + this.#chunk({ reasoning_content: event.text });
      case 'tool-call-start':
        this.#sawToolCall = true;
        return (
          this.#ensureStarted() +
          this.#chunk({
            tool_calls: [
              { index: event.index, id: event.id, type: 'function', function: { name: event.name, arguments: '' } },
            ],
          })
        );
      case 'tool-call-delta':
        return this.#chunk({ tool_calls: [{ index: event.index, function: { arguments: event.arguments } }] });
      case 'finish':
        this.#finished = true;
        return this.#ensureStarted() + this.#chunk({}, FINISH_TO_OPENAI[event.reason]);
      case 'usage':
        Object.assign(this.#usage, event.usage);
        return '';
      case 'error':
        return `data: ${errorBody(new GatewayError(event.status, event.code, event.message, errorTypeOf(event.status)))}\n\n`;
      case 'end': {
        let out = this.#ensureStarted();
        // A provider that ends without a stop reason still ended: clients wait for a finish_reason.
        if (!this.#finished) out += this.#chunk({}, this.#sawToolCall ? 'tool_calls' : 'stop');
        if (this.#includeUsage) {
          const usage = { inputTokens: 0, outputTokens: 0, ...this.#usage };
          out += sseEvent({
            id: this.#id,
            object: 'chat.completion.chunk',
            created: this.#created,
            model: this.#model,
            choices: [],
            usage: openAIUsage(usage),
          });
        }
        return `${out}data: [DONE]\n\n`;
      }
      default:
        return '';
    }
  }

  #ensureStarted(): string {
    if (this.#started) return '';
    this.#started = true;
    return this.#chunk({ role: 'assistant', content: '' });
  }

  #chunk(delta: OpenAIChunkDelta, finishReason: string | null = null): string {
    const chunk: OpenAIChatCompletionChunk = {
      id: this.#id,
      object: 'chat.completion.chunk',
      created: this.#created,
      model: this.#model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      ...(this.#includeUsage ? { usage: null } : {}),
    };
    return sseEvent(chunk);
  }
}

/**
 * Chunks → IR events. A tool call is new when its `index` is new, or when an index already seen
 * comes with another `id` (some compatible APIs reuse index 0 for every call).
 */
export class ChatStreamDecoder implements StreamDecoder {
  readonly #reader = new SseEventReader<StreamEvent>((event) => this.#onEvent(event.data));
  #started = false;
  #finished = false;
  #ended = false;
  /** Provider's tool-call index → the IR's, and the id seen for it. */
  readonly #calls = new Map<number, { index: number; id: string }>();
  #openCall: number | undefined;

  push(chunk: Uint8Array): StreamEvent[] {
    return this.#reader.push(chunk);
  }

  end(): StreamEvent[] {
    const events = this.#reader.end();
    if (this.#ended) return events;
    this.#ended = true;
    if (!this.#finished) return [...events, incompleteStream('OpenAI')];
    return [...events, { type: 'end' }];
  }

  #onEvent(data: string): StreamEvent[] {
    if (this.#ended) return [];
    if (data.trim() === '[DONE]') {
      this.#ended = true;
      return this.#finished ? [...this.#closeCall(), { type: 'end' }] : [incompleteStream('OpenAI')];
    }
    let chunk: Json;
    try {
      chunk = JSON.parse(data);
    } catch {
      // Skipping it would pass a stream with a hole in it as complete (comments never get here).
      this.#ended = true;
      return [malformedEvent('OpenAI')];
    }
    if (!isObject(chunk)) return [];
    if (isObject(chunk.error)) {
      this.#ended = true;
      const status =
        typeof chunk.error.status === 'number'
          ? chunk.error.status
          : typeof chunk.error.code === 'number'
            ? chunk.error.code
            : 500;
      return [
        {
          type: 'error',
          status,
          code: String(chunk.error.type ?? chunk.error.code ?? 'upstream_error'),
          message: String(chunk.error.message ?? 'The provider reported an error.'),
        },
      ];
    }
    const events: StreamEvent[] = [];
    // Azure's first chunk (prompt filter results) has no id, model or choices: the answer starts with the next.
    if (!this.#started && (chunk.id || (Array.isArray(chunk.choices) && chunk.choices.length > 0))) {
      this.#started = true;
      events.push({
        type: 'start',
        id: typeof chunk.id === 'string' && chunk.id ? chunk.id : generatedCallId('chatcmpl_'),
        model: typeof chunk.model === 'string' ? chunk.model : '',
      });
    }
    const choice = Array.isArray(chunk.choices) && isObject(chunk.choices[0]) ? chunk.choices[0] : undefined;
    const delta = choice && isObject(choice.delta) ? choice.delta : undefined;
    if (delta) {
      const { text, thinking } = contentOf(delta.content);
      const reasoning = reasoningOf(delta, thinking);
      if (reasoning) events.push({ type: 'reasoning-delta', text: reasoning });
      if (text) events.push(...this.#closeCall(), { type: 'text-delta', text });
      if (Array.isArray(delta.tool_calls))
        for (const call of delta.tool_calls) if (isObject(call)) events.push(...this.#toolCall(call));
    }
    if (choice?.finish_reason) {
      this.#finished = true;
      events.push(...this.#closeCall(), {
        type: 'finish',
        reason: finishFromOpenAI(choice.finish_reason, this.#calls.size > 0),
      });
    }
    const usage = tokenUsageOf(chunk);
    if (usage) events.push({ type: 'usage', usage });
    return events;
  }

  #toolCall(call: Json): StreamEvent[] {
    const events: StreamEvent[] = [];
    const providerIndex = typeof call.index === 'number' ? call.index : this.#calls.size;
    const fn = isObject(call.function) ? call.function : {};
    let known = this.#calls.get(providerIndex);
    if (!known || (typeof call.id === 'string' && call.id !== '' && call.id !== known.id)) {
      events.push(...this.#closeCall());
      const index = [...this.#calls.values()].reduce((n, c) => Math.max(n, c.index + 1), 0);
      known = { index, id: typeof call.id === 'string' && call.id ? call.id : generatedCallId() };
      this.#calls.set(providerIndex, known);
      this.#openCall = index;
      events.push({ type: 'tool-call-start', index, id: known.id, name: String(fn.name ?? '') });
    }
    if (typeof fn.arguments === 'string' && fn.arguments)
      events.push({ type: 'tool-call-delta', index: known.index, arguments: fn.arguments });
    return events;
  }

  #closeCall(): StreamEvent[] {
    if (this.#openCall === undefined) return [];
    const index = this.#openCall;
    this.#openCall = undefined;
    return [{ type: 'tool-call-end', index }];
  }
}
