/**
 * IR events → Ollama's NDJSON stream: one JSON object a line, text as it comes (in `message.content`
 * for /api/chat, `response` for /api/generate), tool calls whole, and a last line with `done: true`,
 * the done reason and the counts. An error ends the stream with `{"error":"…"}`.
 */
import { GatewayError } from '../../errors.ts';
import { WholeToolCalls } from '../common/tool-calls.ts';
import type { ChatRequest, FinishReason, StreamEvent, TokenUsage } from '../ir.ts';
import type { StreamEncoder, StreamUsage } from '../types.ts';
import { errorBody } from './errors.ts';
import { type AnswerShape, doneReasonOf, metricsOf, toolCallsOf, usageOfResponse } from './response.ts';

export class ChatStreamEncoder implements StreamEncoder {
  readonly #shape: AnswerShape;
  readonly #startedAt = performance.now();
  #model: string;
  #finish: FinishReason | undefined;
  #usage: Partial<TokenUsage> = {};
  readonly #calls = new WholeToolCalls();

  constructor(request: ChatRequest, shape: AnswerShape) {
    this.#model = request.model;
    this.#shape = shape;
  }

  encode(event: StreamEvent): string {
    switch (event.type) {
      case 'start':
        if (event.model) this.#model = event.model;
        return '';
      case 'text-delta':
        return this.#line({ content: event.text });
      case 'reasoning-delta':
        return this.#line({ content: '', thinking: event.text });
      case 'tool-call-start':
      case 'tool-call-delta':
        this.#calls.push(event);
        return '';
      case 'tool-call-end': {
        const call = this.#calls.push(event);
        if (!call || this.#shape === 'generate') return '';
        return this.#line({ content: '', tool_calls: toolCallsOf([call]) });
      }
      case 'finish':
        this.#finish = event.reason;
        return '';
      case 'usage':
        Object.assign(this.#usage, event.usage);
        return '';
      case 'error':
        return `${errorBody(new GatewayError(event.status, event.code, event.message))}\n`;
      case 'end':
        return this.#line({ content: '' }, true);
      default:
        return '';
    }
  }

  #line(message: { content: string; thinking?: string; tool_calls?: unknown[] }, done = false): string {
    const head = { model: this.#model, created_at: new Date().toISOString() };
    const body =
      this.#shape === 'chat'
        ? { ...head, message: { role: 'assistant', ...message } }
        : { ...head, response: message.content, ...(message.thinking ? { thinking: message.thinking } : {}) };
    const tail = done
      ? { done: true, done_reason: doneReasonOf(this.#finish ?? 'stop'), ...metricsOf(this.#usage, this.#startedAt) }
      : { done: false };
    return `${JSON.stringify({ ...body, ...tail })}\n`;
  }
}

const PROMPT_EVAL_COUNT = Buffer.from('"prompt_eval_count"');

/** Reads a relayed Ollama stream's usage from its last line (`done: true`), which carries the counts. */
export class StreamUsageReader implements StreamUsage {
  usage: TokenUsage | undefined;
  model: string | undefined;

  events(bytes: Buffer): Buffer {
    // Only the last line has the counts: the others pass without being decoded.
    if (!bytes.includes(PROMPT_EVAL_COUNT)) return bytes;
    for (const line of bytes.toString('utf8').split('\n')) {
      if (!line.includes('"prompt_eval_count"')) continue;
      const answer = usageOfResponse(Buffer.from(line));
      if (answer) ({ usage: this.usage, model: this.model } = answer);
    }
    return bytes;
  }
}
