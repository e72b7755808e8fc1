/**
 * Cohere v2 chat stream → IR events. The stream is SSE whose JSON data names its kind in `type`:
 * `message-start`, `content-start`/`-delta`/`-end` (text or thinking), `tool-plan-delta`,
 * `tool-call-start`/`-delta`/`-end`, `citation-start`/`-end` and `message-end` (finish reason and
 * usage).
 */
import type { EventSourceMessage } from 'eventsource-parser';
import { incompleteStream } from '../common/errors.ts';
import { asNumber, asRecord, asString, type Json } from '../common/json.ts';
import { SseEventReader } from '../common/sse.ts';
import type { ChatRequest, StreamEvent } from '../ir.ts';
import type { StreamDecoder } from '../types.ts';
import { finishReasonOf, usageOf } from './response.ts';
import type { CohereStreamEvent } from './wire.ts';

type EventType = CohereStreamEvent['type'];

export class ChatStreamDecoder implements StreamDecoder {
  readonly #reader = new SseEventReader<StreamEvent>((event) => this.#onEvent(event));
  readonly #model: string;
  #started = false;
  #ended = false;
  #failed = false;
  /** Cohere's tool-call index → IR tool-call index, and whether the call has streamed any arguments. */
  readonly #tools = new Map<number, { index: number; hasArguments: boolean }>();

  constructor(request: ChatRequest) {
    this.#model = request.model;
  }

  push(chunk: Uint8Array): StreamEvent[] {
    return this.#reader.push(chunk);
  }

  end(): StreamEvent[] {
    const events = this.#reader.end();
    if (this.#failed) return events;
    if (!this.#ended) {
      this.#failed = true;
      return [...events, incompleteStream('Cohere v2 chat')];
    }
    return [...events, { type: 'end' }];
  }

  #onEvent(event: EventSourceMessage): StreamEvent[] {
    if (this.#failed || this.#ended) return [];
    let data: Json;
    try {
      data = asRecord(JSON.parse(event.data));
    } catch {
      this.#failed = true;
      return [
        {
          type: 'error',
          status: 502,
          code: 'upstream_malformed',
          message: 'Cohere sent a stream event that is not JSON.',
        },
      ];
    }
    return this.#translate(data);
  }

  #start(id: string | undefined): StreamEvent[] {
    if (this.#started) return [];
    this.#started = true;
    return [{ type: 'start', id: id ?? '', model: this.#model }];
  }

  /** `data` is one of `CohereStreamEvent`, whose fields are checked here. */
  #translate(data: Json): StreamEvent[] {
    const type = asString(data.type);
    if (type === ('message-start' satisfies EventType)) return this.#start(asString(data.id));
    const events = this.#start(undefined);
    const message = asRecord(asRecord(data.delta).message);
    switch (type) {
      case 'content-delta' satisfies EventType: {
        const content = asRecord(message.content);
        if (typeof content.thinking === 'string' && content.thinking)
          events.push({ type: 'reasoning-delta', text: content.thinking });
        else if (typeof content.text === 'string' && content.text)
          events.push({ type: 'text-delta', text: content.text });
        break;
      }
      // The tool plan is text, as in whole answers (see assistantPartsOf).
      case 'tool-plan-delta' satisfies EventType: {
        const plan = asString(message.tool_plan);
        if (plan) events.push({ type: 'text-delta', text: plan });
        break;
      }
      case 'tool-call-start' satisfies EventType:
        events.push(...this.#toolStart(data, asRecord(message.tool_calls)));
        break;
      case 'tool-call-delta' satisfies EventType: {
        const tool = this.#tools.get(asNumber(data.index) ?? 0);
        const args = asString(asRecord(asRecord(message.tool_calls).function).arguments);
        if (tool && args) {
          tool.hasArguments = true;
          events.push({ type: 'tool-call-delta', index: tool.index, arguments: args });
        }
        break;
      }
      case 'tool-call-end' satisfies EventType: {
        const tool = this.#tools.get(asNumber(data.index) ?? 0);
        if (tool) {
          // Argument-less calls stream no arguments; clients expect a JSON object.
          if (!tool.hasArguments) events.push({ type: 'tool-call-delta', index: tool.index, arguments: '{}' });
          events.push({ type: 'tool-call-end', index: tool.index });
        }
        break;
      }
      case 'message-end' satisfies EventType:
        events.push(...this.#messageEnd(asRecord(data.delta)));
        break;
      default:
      // content-start/-end carry no text; citations have no IR slot; newer events are ignored.
    }
    return events;
  }

  #toolStart(data: Json, call: Json): StreamEvent[] {
    const index = this.#tools.size;
    const fn = asRecord(call.function);
    const initial = asString(fn.arguments) ?? '';
    this.#tools.set(asNumber(data.index) ?? index, { index, hasArguments: initial !== '' });
    const events: StreamEvent[] = [
      { type: 'tool-call-start', index, id: asString(call.id) ?? '', name: asString(fn.name) ?? '' },
    ];
    if (initial) events.push({ type: 'tool-call-delta', index, arguments: initial });
    return events;
  }

  #messageEnd(delta: Json): StreamEvent[] {
    this.#ended = true;
    const events: StreamEvent[] = [];
    const error = asString(delta.error);
    if (error) {
      this.#failed = true;
      return [{ type: 'error', status: 502, code: 'upstream_error', message: error }];
    }
    events.push({ type: 'finish', reason: finishReasonOf(delta.finish_reason) });
    const usage = usageOf(delta.usage);
    if (usage) events.push({ type: 'usage', usage });
    return events;
  }
}
