/**
 * Responses API streams ⇄ IR events, each with its own per-stream state: the encoder writes a
 * Responses client's events (numbered by `sequence_number`), the decoder reads a provider's.
 */
import { incompleteStream, malformedEvent } from '../common/errors.ts';
import { isObject, type Json } from '../common/json.ts';
import { SseEventReader } from '../common/sse.ts';
import type { ChatRequest, FinishReason, StreamEvent, TokenUsage } from '../ir.ts';
import type { StreamDecoder, StreamEncoder } from '../types.ts';
import { statusOfErrorCode } from './errors.ts';
import { encodeReasoningProof } from './request.ts';
import {
  callItem,
  customInput,
  finishOf,
  itemId,
  nowSeconds,
  responseObject,
  responsesUsage,
  statusOf,
  tokenUsageOf,
} from './response.ts';
import type { CustomToolCallItem, FunctionCallItem, MessageItem, OutputItem, ReasoningItem } from './wire.ts';

type Open =
  | { kind: 'message'; item: MessageItem; index: number; text: string }
  | { kind: 'reasoning'; item: ReasoningItem; index: number; text: string; signature?: string }
  /** A tool call; a custom tool's input is given whole once its arguments are (it is their one string). */
  | { kind: 'tool'; item: FunctionCallItem | CustomToolCallItem; index: number; arguments: string };

/**
 * IR events → Responses events: `response.created` and `response.in_progress`, then output
 * items opened and closed one at a time (`response.output_item.added`, their parts and deltas,
 * `…done`, `response.output_item.done`), then `response.completed` (or `response.incomplete`)
 * with the whole output and the usage once the provider's stream ends.
 */
export class ChatStreamEncoder implements StreamEncoder {
  readonly #request: ChatRequest;
  readonly #createdAt = nowSeconds();
  #id = itemId('resp');
  #model: string;
  #sequence = 0;
  #started = false;
  /** Finished items at their output index (calls may finish out of order). */
  readonly #output: OutputItem[] = [];
  #added = 0;
  /** The open message or reasoning item, and the open function calls by their IR index. */
  #open: Exclude<Open, { kind: 'tool' }> | undefined;
  readonly #calls = new Map<number, Extract<Open, { kind: 'tool' }>>();
  #finish: FinishReason | undefined;
  #usage: Partial<TokenUsage> = {};

  constructor(request: ChatRequest) {
    this.#request = request;
    this.#model = request.model;
  }

  encode(event: StreamEvent): string {
    switch (event.type) {
      case 'start':
        if (event.id.startsWith('resp_')) this.#id = event.id;
        this.#model = event.model || this.#model;
        return this.#ensureStarted();
      case 'text-delta': {
        const out = this.#ensureStarted() + this.#openMessage();
        const open = this.#open as Extract<Open, { kind: 'message' }>;
        open.text += event.text;
        return (
          out +
          this.#event('response.output_text.delta', {
            item_id: open.item.id,
            output_index: open.index,
            content_index: 0,
            delta: event.text,
            logprobs: [],
          })
        );
      }
      case 'reasoning-delta': {
        const out = this.#ensureStarted() + this.#openReasoning();
        const open = this.#open as Extract<Open, { kind: 'reasoning' }>;
        open.text += event.text;
        return (
          out +
          this.#event('response.reasoning_summary_text.delta', {
            item_id: open.item.id,
            output_index: open.index,
            summary_index: 0,
            delta: event.text,
          })
        );
      }
      case 'reasoning-signature': {
        const out = this.#ensureStarted() + this.#openReasoning();
        (this.#open as Extract<Open, { kind: 'reasoning' }>).signature = event.signature;
        return out;
      }
      case 'tool-call-start': {
        const out = this.#ensureStarted() + this.#closeText();
        const item = callItem(this.#request, { id: event.id, name: event.name, arguments: '' }, 'in_progress');
        const index = this.#added++;
        this.#calls.set(event.index, { kind: 'tool', item, index, arguments: '' });
        return out + this.#event('response.output_item.added', { output_index: index, item });
      }
      case 'tool-call-delta': {
        const open = this.#calls.get(event.index);
        if (!open) return '';
        open.arguments += event.arguments;
        if (open.item.type !== 'function_call') return '';
        open.item.arguments = open.arguments;
        return this.#event('response.function_call_arguments.delta', {
          item_id: open.item.id,
          output_index: open.index,
          delta: event.arguments,
        });
      }
      case 'tool-call-end': {
        const open = this.#calls.get(event.index);
        if (!open) return '';
        this.#calls.delete(event.index);
        return this.#close(open);
      }
      case 'finish':
        this.#finish = event.reason;
        return '';
      case 'usage':
        Object.assign(this.#usage, event.usage);
        return '';
      case 'error': {
        const failed = responseObject(this.#request, {
          id: this.#id,
          model: this.#model,
          createdAt: this.#createdAt,
          status: 'failed',
          output: this.#output.filter(Boolean),
          error: { code: event.code, message: event.message },
        });
        return (
          this.#ensureStarted() +
          this.#event('error', { code: event.code, message: event.message, param: null }) +
          this.#event('response.failed', { response: failed })
        );
      }
      case 'end': {
        const out = this.#ensureStarted() + this.#closeAll();
        const calledTools = this.#output.some(
          (item) => item.type === 'function_call' || item.type === 'custom_tool_call',
        );
        const ending = statusOf(this.#finish ?? (calledTools ? 'tool_calls' : 'stop'));
        const response = responseObject(this.#request, {
          id: this.#id,
          model: this.#model,
          createdAt: this.#createdAt,
          ...ending,
          output: this.#output.filter(Boolean),
          usage: responsesUsage(this.#usage),
        });
        const type = ending.status === 'completed' ? 'response.completed' : 'response.incomplete';
        return out + this.#event(type, { response });
      }
      default:
        return '';
    }
  }

  #event(type: string, fields: Json): string {
    const data = { type, sequence_number: this.#sequence++, ...fields };
    return `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
  }

  #ensureStarted(): string {
    if (this.#started) return '';
    this.#started = true;
    const response = responseObject(this.#request, {
      id: this.#id,
      model: this.#model,
      createdAt: this.#createdAt,
      status: 'in_progress',
      output: [],
    });
    return this.#event('response.created', { response }) + this.#event('response.in_progress', { response });
  }

  #openMessage(): string {
    if (this.#open?.kind === 'message') return '';
    const out = this.#closeAll();
    const item: MessageItem = {
      type: 'message',
      id: itemId('msg'),
      status: 'in_progress',
      role: 'assistant',
      content: [],
    };
    const index = this.#added++;
    this.#open = { kind: 'message', item, index, text: '' };
    return (
      out +
      this.#event('response.output_item.added', { output_index: index, item }) +
      this.#event('response.content_part.added', {
        item_id: item.id,
        output_index: index,
        content_index: 0,
        part: { type: 'output_text', annotations: [], logprobs: [], text: '' },
      })
    );
  }

  #openReasoning(): string {
    if (this.#open?.kind === 'reasoning') return '';
    const out = this.#closeAll();
    const item: ReasoningItem = { type: 'reasoning', id: itemId('rs'), summary: [] };
    const index = this.#added++;
    this.#open = { kind: 'reasoning', item, index, text: '' };
    return (
      out +
      this.#event('response.output_item.added', { output_index: index, item }) +
      this.#event('response.reasoning_summary_part.added', {
        item_id: item.id,
        output_index: index,
        summary_index: 0,
        part: { type: 'summary_text', text: '' },
      })
    );
  }

  #closeText(): string {
    const open = this.#open;
    this.#open = undefined;
    return open ? this.#close(open) : '';
  }

  #closeAll(): string {
    let out = this.#closeText();
    for (const call of this.#calls.values()) out += this.#close(call);
    this.#calls.clear();
    return out;
  }

  /** Closes an item: its `…done` events, then `response.output_item.done` with the whole item. */
  #close(open: Open): string {
    const at = { item_id: open.item.id, output_index: open.index };
    let out = '';
    let done: OutputItem;
    if (open.kind === 'message') {
      const part = { type: 'output_text' as const, annotations: [], logprobs: [], text: open.text };
      out += this.#event('response.output_text.done', { ...at, content_index: 0, text: open.text, logprobs: [] });
      out += this.#event('response.content_part.done', { ...at, content_index: 0, part });
      done = { ...open.item, status: 'completed', content: [part] };
    } else if (open.kind === 'reasoning') {
      const part = { type: 'summary_text' as const, text: open.text };
      out += this.#event('response.reasoning_summary_text.done', { ...at, summary_index: 0, text: open.text });
      out += this.#event('response.reasoning_summary_part.done', { ...at, summary_index: 0, part });
      const proof = encodeReasoningProof({ ...(open.signature ? { signature: open.signature } : {}) });
      done = { ...open.item, summary: open.text ? [part] : [], ...(proof ? { encrypted_content: proof } : {}) };
    } else if (open.item.type === 'custom_tool_call') {
      const input = customInput(open.arguments);
      if (input) out += this.#event('response.custom_tool_call_input.delta', { ...at, delta: input });
      out += this.#event('response.custom_tool_call_input.done', { ...at, input });
      done = { ...open.item, status: 'completed', input };
    } else {
      out += this.#event('response.function_call_arguments.done', { ...at, arguments: open.item.arguments });
      done = { ...open.item, status: 'completed' };
    }
    this.#output[open.index] = done;
    return out + this.#event('response.output_item.done', { output_index: open.index, item: done });
  }
}

/** Responses events → IR events. Items of OpenAI's built-in tools carry nothing the IR has and pass unseen. */
export class ChatStreamDecoder implements StreamDecoder {
  readonly #reader = new SseEventReader<StreamEvent>((event) => this.#onEvent(event.data));
  #ended = false;
  /** The body has ended: what the reader still hands over is its unfinished last event. */
  #cut = false;
  /** output_index → the IR's tool-call index, and the arguments passed on. */
  readonly #calls = new Map<number, { index: number; arguments: string }>();
  /** The text passed on per content part, to complete it from its `…done` event. */
  readonly #texts = new Map<string, string>();

  push(chunk: Uint8Array): StreamEvent[] {
    return this.#reader.push(chunk);
  }

  end(): StreamEvent[] {
    this.#cut = true;
    const events = this.#reader.end();
    if (this.#ended) return events;
    this.#ended = true;
    return [...events, incompleteStream('Responses API')];
  }

  #onEvent(data: string): StreamEvent[] {
    if (this.#ended) return [];
    let event: Json;
    try {
      event = JSON.parse(data);
    } catch {
      // A half event where the body stopped is the incomplete stream end() reports; anywhere else,
      // skipping it would pass a stream with a hole in it as complete.
      if (this.#cut) return [];
      this.#ended = true;
      return [malformedEvent('Responses API')];
    }
    if (!isObject(event)) return [];
    const response = isObject(event.response) ? event.response : {};
    switch (event.type) {
      case 'response.created':
        return [{ type: 'start', id: String(response.id ?? itemId('resp')), model: String(response.model ?? '') }];
      case 'response.output_item.added': {
        const item = isObject(event.item) ? event.item : {};
        if (item.type !== 'function_call') return [];
        const index = this.#calls.size;
        this.#calls.set(Number(event.output_index), { index, arguments: '' });
        return [
          { type: 'tool-call-start', index, id: String(item.call_id ?? item.id ?? ''), name: String(item.name ?? '') },
        ];
      }
      case 'response.output_text.delta':
      case 'response.refusal.delta':
        return this.#delta('text-delta', `${event.output_index}/${event.content_index}`, event.delta);
      case 'response.output_text.done':
      case 'response.refusal.done':
        return this.#rest('text-delta', `${event.output_index}/${event.content_index}`, event.text ?? event.refusal);
      case 'response.reasoning_summary_part.added':
        // Summaries come in parts; the IR's reasoning is one text.
        return Number(event.summary_index) > 0 ? [{ type: 'reasoning-delta', text: '\n\n' }] : [];
      case 'response.reasoning_summary_text.delta':
      case 'response.reasoning_text.delta':
        return this.#delta(
          'reasoning-delta',
          `${event.type}/${event.output_index}/${event.summary_index ?? event.content_index}`,
          event.delta,
        );
      case 'response.reasoning_summary_text.done':
      case 'response.reasoning_text.done': {
        const kind = event.type.replace('.done', '.delta');
        return this.#rest(
          'reasoning-delta',
          `${kind}/${event.output_index}/${event.summary_index ?? event.content_index}`,
          event.text,
        );
      }
      case 'response.function_call_arguments.delta': {
        const call = this.#calls.get(Number(event.output_index));
        if (!call || typeof event.delta !== 'string' || !event.delta) return [];
        call.arguments += event.delta;
        return [{ type: 'tool-call-delta', index: call.index, arguments: event.delta }];
      }
      case 'response.output_item.done': {
        const call = this.#calls.get(Number(event.output_index));
        if (!call) return [];
        const item = isObject(event.item) ? event.item : {};
        const rest = missing(call.arguments, item.arguments);
        call.arguments += rest;
        return [
          ...(rest ? [{ type: 'tool-call-delta' as const, index: call.index, arguments: rest }] : []),
          { type: 'tool-call-end', index: call.index },
        ];
      }
      case 'response.completed':
      case 'response.incomplete': {
        this.#ended = true;
        const usage = tokenUsageOf(response.usage);
        return [
          ...(usage ? [{ type: 'usage' as const, usage }] : []),
          { type: 'finish', reason: finishOf(response, this.#calls.size > 0) },
          { type: 'end' },
        ];
      }
      case 'response.failed': {
        this.#ended = true;
        const error = isObject(response.error) ? response.error : {};
        return [errorEvent(error)];
      }
      case 'error':
        this.#ended = true;
        return [errorEvent(isObject(event.error) ? event.error : event)];
      default:
        return [];
    }
  }

  #delta(type: 'text-delta' | 'reasoning-delta', key: string, delta: unknown): StreamEvent[] {
    if (typeof delta !== 'string' || !delta) return [];
    this.#texts.set(key, (this.#texts.get(key) ?? '') + delta);
    return [{ type, text: delta }];
  }

  #rest(type: 'text-delta' | 'reasoning-delta', key: string, whole: unknown): StreamEvent[] {
    const rest = missing(this.#texts.get(key) ?? '', whole);
    this.#texts.delete(key);
    return rest ? [{ type, text: rest }] : [];
  }
}

/**
 * What a `…done` event's whole text holds beyond the deltas passed on: normally nothing, but the
 * whole text is what the response says, so a delta lost on the way is not lost to the client.
 */
function missing(passed: string, whole: unknown): string {
  return typeof whole === 'string' && whole.length > passed.length && whole.startsWith(passed)
    ? whole.slice(passed.length)
    : '';
}

function errorEvent(error: Json): StreamEvent {
  const code = String(error.code ?? error.type ?? 'upstream_error');
  return {
    type: 'error',
    status: statusOfErrorCode(code),
    code,
    message: String(error.message ?? 'The provider reported an error.'),
  };
}
