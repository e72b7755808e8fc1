/**
 * Anthropic Messages streams ⇄ IR events, each with its own per-stream state: the encoder writes
 * an Anthropic client's events, the decoder reads an Anthropic-format provider's.
 */

import { GatewayError } from '../../errors.ts';
import { incompleteStream, malformedEvent } from '../common/errors.ts';
import { isObject, type Json } from '../common/json.ts';
import { SseEventReader, sseEvent } from '../common/sse.ts';
import type { ChatRequest, FinishReason, StreamEvent, TokenUsage } from '../ir.ts';
import type { StreamDecoder, StreamEncoder } from '../types.ts';
import { errorBody, STATUS_OF_ERROR } from './errors.ts';
import { jsonToolOf } from './request.ts';
import { anthropicUsage, finishFromAnthropic, STOP_REASON } from './response.ts';
import { anthropicUsageToTokenUsage } from './usage.ts';
import type { AnthropicUsage } from './wire.ts';

type OpenBlock = { kind: 'text' | 'thinking' } | { kind: 'tool'; toolIndex: number };

/**
 * IR events → Messages API events: `message_start`, then content blocks opened and closed in
 * order (`content_block_start`, deltas, `content_block_stop`), then `message_delta` with the stop
 * reason and usage, and `message_stop`. The stop and usage wait for the end of the provider's
 * stream, since OpenAI-style providers send usage after the finish.
 */
export class ChatStreamEncoder implements StreamEncoder {
  #id = '';
  #model: string;
  #started = false;
  #blockCount = 0;
  #open: { block: OpenBlock; index: number } | undefined;
  readonly #toolBlocks = new Map<number, number>();
  #finish: { reason: FinishReason; stopSequence?: string } | undefined;
  #usage: Partial<TokenUsage> = {};

  constructor(request: ChatRequest) {
    this.#model = request.model;
  }

  encode(event: StreamEvent): string {
    switch (event.type) {
      case 'start':
        this.#id = event.id;
        this.#model = event.model || this.#model;
        return this.#ensureStarted();
      case 'text-delta':
        return (
          this.#ensureStarted() +
          this.#openBlock({ kind: 'text' }) +
          this.#delta({ type: 'text_delta', text: event.text })
        );
      case 'reasoning-delta':
        return (
          this.#ensureStarted() +
          this.#openBlock({ kind: 'thinking' }) +
          this.#delta({ type: 'thinking_delta', thinking: event.text })
        );
      case 'reasoning-signature':
        return (
          this.#ensureStarted() +
          this.#openBlock({ kind: 'thinking' }) +
          this.#delta({ type: 'signature_delta', signature: event.signature })
        );
      case 'tool-call-start': {
        const out = this.#ensureStarted() + this.#closeBlock();
        const index = this.#blockCount++;
        this.#open = { block: { kind: 'tool', toolIndex: event.index }, index };
        this.#toolBlocks.set(event.index, index);
        return (
          out +
          sseEvent(
            {
              type: 'content_block_start',
              index,
              content_block: { type: 'tool_use', id: event.id, name: event.name, input: {} },
            },
            'content_block_start',
          )
        );
      }
      case 'tool-call-delta': {
        const index = this.#toolBlocks.get(event.index);
        if (index === undefined) return '';
        return sseEvent(
          { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: event.arguments } },
          'content_block_delta',
        );
      }
      case 'tool-call-end':
        return this.#open?.block.kind === 'tool' && this.#open.block.toolIndex === event.index
          ? this.#closeBlock()
          : '';
      case 'finish':
        this.#finish = { reason: event.reason, ...(event.stopSequence ? { stopSequence: event.stopSequence } : {}) };
        return '';
      case 'usage':
        Object.assign(this.#usage, event.usage);
        return '';
      case 'error':
        return `event: error\ndata: ${errorBody(new GatewayError(event.status, event.code, event.message))}\n\n`;
      case 'end':
        return (
          this.#ensureStarted() +
          this.#closeBlock() +
          sseEvent(
            {
              type: 'message_delta',
              delta: {
                stop_reason: STOP_REASON[this.#finish?.reason ?? 'stop'],
                stop_sequence: this.#finish?.stopSequence ?? null,
              },
              usage: anthropicUsage(this.#usage),
            },
            'message_delta',
          ) +
          sseEvent({ type: 'message_stop' }, 'message_stop')
        );
      default:
        return '';
    }
  }

  #ensureStarted(): string {
    if (this.#started) return '';
    this.#started = true;
    const message = {
      id: this.#id,
      type: 'message',
      role: 'assistant',
      model: this.#model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: anthropicUsage(this.#usage),
    };
    return sseEvent({ type: 'message_start', message }, 'message_start');
  }

  #openBlock(block: { kind: 'text' | 'thinking' }): string {
    if (this.#open?.block.kind === block.kind) return '';
    const out = this.#closeBlock();
    const index = this.#blockCount++;
    this.#open = { block, index };
    const content_block =
      block.kind === 'text' ? { type: 'text', text: '' } : { type: 'thinking', thinking: '', signature: '' };
    return out + sseEvent({ type: 'content_block_start', index, content_block }, 'content_block_start');
  }

  #delta(delta: Record<string, unknown>): string {
    return sseEvent({ type: 'content_block_delta', index: this.#open?.index ?? 0, delta }, 'content_block_delta');
  }

  #closeBlock(): string {
    if (!this.#open) return '';
    const { index } = this.#open;
    this.#open = undefined;
    return sseEvent({ type: 'content_block_stop', index }, 'content_block_stop');
  }
}

type BlockKind = 'text' | 'tool' | 'json' | 'thinking' | 'other';

/** Messages API events → IR events, tracking which content block is which. */
export class ChatStreamDecoder implements StreamDecoder {
  readonly #reader = new SseEventReader<StreamEvent>((event) => this.#onEvent(event.data));
  readonly #jsonTool: string | undefined;
  /** `hasInput`: a tool call's arguments were passed on (a call without any gets `{}`). */
  readonly #blocks = new Map<number, { kind: BlockKind; toolIndex: number; hasInput?: boolean }>();
  #toolCount = 0;
  #usage: AnthropicUsage = {};
  #ended = false;
  #messageId: string | undefined;
  /** The stop reason a `message_start` already carried, and whether a finish was passed on. */
  #startStopReason: unknown;
  #finished = false;

  constructor(request: ChatRequest) {
    this.#jsonTool = jsonToolOf(request);
  }

  push(chunk: Uint8Array): StreamEvent[] {
    return this.#reader.push(chunk);
  }

  end(): StreamEvent[] {
    const events = this.#reader.end();
    if (this.#ended) return events;
    this.#ended = true;
    return [...events, incompleteStream('Anthropic')];
  }

  #onEvent(data: string): StreamEvent[] {
    if (this.#ended) return [];
    let event: Json;
    try {
      event = JSON.parse(data);
    } catch {
      // Skipping it would pass a stream with a hole in it as complete (comments never get here).
      this.#ended = true;
      return [malformedEvent('Anthropic')];
    }
    if (!isObject(event)) return [];
    switch (event.type) {
      case 'message_start': {
        const message = isObject(event.message) ? event.message : {};
        const id = String(message.id ?? '');
        if (this.#messageId !== undefined) {
          // The same message announced again is harmless; another message inside it leaves no answer to pass on.
          if (id === this.#messageId) return [];
          this.#ended = true;
          return [
            {
              type: 'error',
              status: 502,
              code: 'upstream_malformed',
              message: "The provider's Anthropic stream started a second message before the first one stopped.",
            },
          ];
        }
        this.#messageId = id;
        if (isObject(message.usage)) this.#usage = { ...(message.usage as AnthropicUsage) };
        const events: StreamEvent[] = [{ type: 'start', id, model: String(message.model ?? '') }, this.#usageEvent()];
        // A message can start with content and a stop reason already (e.g. a tool called from code execution).
        if (Array.isArray(message.content)) {
          message.content.forEach((block: unknown, index: number) => {
            if (isObject(block)) events.push(...this.#blockStart(index, block), ...this.#blockStop(index));
          });
        }
        this.#startStopReason = message.stop_reason;
        return events;
      }
      case 'content_block_start':
        return this.#blockStart(Number(event.index), isObject(event.content_block) ? event.content_block : {});
      case 'content_block_delta':
        return this.#blockDelta(Number(event.index), isObject(event.delta) ? event.delta : {});
      case 'content_block_stop':
        return this.#blockStop(Number(event.index));
      case 'message_delta': {
        const events: StreamEvent[] = [];
        if (isObject(event.usage)) {
          for (const [key, value] of Object.entries(event.usage))
            if (value !== null) (this.#usage as Record<string, unknown>)[key] = value;
          events.push(this.#usageEvent());
        }
        const delta = isObject(event.delta) ? event.delta : {};
        if (delta.stop_reason) {
          this.#finished = true;
          events.push({
            type: 'finish',
            reason: finishFromAnthropic(delta.stop_reason, this.#jsonTool !== undefined),
            ...(typeof delta.stop_sequence === 'string' ? { stopSequence: delta.stop_sequence } : {}),
          });
        }
        return events;
      }
      case 'message_stop': {
        this.#ended = true;
        const finish: StreamEvent[] =
          !this.#finished && this.#startStopReason
            ? [{ type: 'finish', reason: finishFromAnthropic(this.#startStopReason, this.#jsonTool !== undefined) }]
            : [];
        return [...finish, { type: 'end' }];
      }
      case 'error': {
        this.#ended = true;
        const error = isObject(event.error) ? event.error : {};
        const type = String(error.type ?? 'api_error');
        return [
          {
            type: 'error',
            status: STATUS_OF_ERROR[type] ?? 500,
            code: type,
            message: String(error.message ?? 'The provider reported an error.'),
          },
        ];
      }
      default:
        return []; // ping, and event types added later
    }
  }

  #blockStart(index: number, block: Json): StreamEvent[] {
    switch (block.type) {
      case 'text':
        this.#blocks.set(index, { kind: 'text', toolIndex: -1 });
        return block.text ? [{ type: 'text-delta', text: String(block.text) }] : [];
      case 'thinking':
        this.#blocks.set(index, { kind: 'thinking', toolIndex: -1 });
        return block.thinking ? [{ type: 'reasoning-delta', text: String(block.thinking) }] : [];
      case 'tool_use': {
        if (block.name === this.#jsonTool) {
          this.#blocks.set(index, { kind: 'json', toolIndex: -1 });
          return [];
        }
        const toolIndex = this.#toolCount++;
        const hasInput = isObject(block.input) && Object.keys(block.input).length > 0;
        this.#blocks.set(index, { kind: 'tool', toolIndex, hasInput });
        const events: StreamEvent[] = [
          { type: 'tool-call-start', index: toolIndex, id: String(block.id), name: String(block.name) },
        ];
        // Input normally streams as deltas; a whole input given up front is passed on as one.
        if (hasInput)
          events.push({ type: 'tool-call-delta', index: toolIndex, arguments: JSON.stringify(block.input) });
        return events;
      }
      default:
        this.#blocks.set(index, { kind: 'other', toolIndex: -1 });
        return [];
    }
  }

  #blockDelta(index: number, delta: Json): StreamEvent[] {
    const block = this.#blocks.get(index);
    switch (delta.type) {
      case 'text_delta':
        return delta.text ? [{ type: 'text-delta', text: String(delta.text) }] : [];
      case 'thinking_delta':
        return delta.thinking ? [{ type: 'reasoning-delta', text: String(delta.thinking) }] : [];
      case 'signature_delta':
        return [{ type: 'reasoning-signature', signature: String(delta.signature ?? '') }];
      case 'input_json_delta': {
        const json = String(delta.partial_json ?? '');
        if (!json || !block) return [];
        if (block.kind === 'json') return [{ type: 'text-delta', text: json }];
        if (block.kind !== 'tool') return [];
        block.hasInput = true;
        return [{ type: 'tool-call-delta', index: block.toolIndex, arguments: json }];
      }
      default:
        return [];
    }
  }

  #blockStop(index: number): StreamEvent[] {
    const block = this.#blocks.get(index);
    if (block?.kind !== 'tool') return [];
    // A call without arguments streams no input at all: its arguments are the empty object, as in a whole answer.
    const input: StreamEvent[] = block.hasInput
      ? []
      : [{ type: 'tool-call-delta', index: block.toolIndex, arguments: '{}' }];
    block.hasInput = true;
    return [...input, { type: 'tool-call-end', index: block.toolIndex }];
  }

  #usageEvent(): StreamEvent {
    return { type: 'usage', usage: anthropicUsageToTokenUsage(this.#usage) };
  }
}
