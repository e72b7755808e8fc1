/**
 * ConverseStream → IR events. The body is an AWS event stream (framed below); each event
 * message names its kind in `:event-type` and carries JSON: `messageStart`, `contentBlockStart`
 * (tool calls only; text and reasoning blocks start with their first delta), `contentBlockDelta`,
 * `contentBlockStop`, `messageStop` (the stop reason) and `metadata` (usage, after or before
 * `messageStop`). Failures arrive as `:message-type: exception` messages named in `:exception-type`.
 */
import { EventStreamCodec, type Message } from '@smithy/eventstream-codec';
import { jsonToolOf } from '../anthropic/request.ts';
import { incompleteStream } from '../common/errors.ts';
import { asNumber, asRecord, asString, isObject, type Json, tryParseJsonObject } from '../common/json.ts';
import type { ChatRequest, StreamEvent } from '../ir.ts';
import type { StreamDecoder } from '../types.ts';
import { readErrorBody } from './errors.ts';
import { finishReasonOf, newMessageId, stopSequenceOf, usageOf } from './response.ts';
import type { ConverseStreamEventType, ConverseStreamExceptionType } from './wire.ts';

const PRELUDE_BYTES = 12;
const MINIMUM_MESSAGE_BYTES = 16;
/** The event-stream specification's ceiling on one message (16 MiB); a larger length is corruption. */
const MAXIMUM_MESSAGE_BYTES = 16 * 1024 * 1024;

let eventStreamCodec: EventStreamCodec | undefined;
/** Made on the first Bedrock stream: the bundle evaluates its package then (scripts/esbuild-options.mjs). */
function codec(): EventStreamCodec {
  if (!eventStreamCodec) {
    const encoder = new TextEncoder();
    const decoder = new TextDecoder();
    eventStreamCodec = new EventStreamCodec(
      (bytes) => decoder.decode(bytes),
      (text) => encoder.encode(text),
    );
  }
  return eventStreamCodec;
}

type FramingResult = { messages: Message[]; error?: string };

/**
 * The framing of `application/vnd.amazon.eventstream`, cut from bytes that arrive in any chunks.
 * Each message is: a 12-byte prelude (total length, headers length, prelude CRC32), headers, a
 * payload and a CRC32 of everything before it. `@smithy/eventstream-codec` checks both CRCs and
 * parses the headers of one whole message; this class only finds where each message ends.
 * After an error it is done: nothing later can be trusted.
 */
class EventStreamFramer {
  #pending: Buffer = Buffer.alloc(0);
  #failed = false;

  push(chunk: Uint8Array): FramingResult {
    if (this.#failed) return { messages: [] };
    this.#pending = this.#pending.length ? Buffer.concat([this.#pending, chunk]) : Buffer.from(chunk);
    const messages: Message[] = [];
    while (this.#pending.length >= PRELUDE_BYTES) {
      const total = this.#pending.readUInt32BE(0);
      if (total < MINIMUM_MESSAGE_BYTES || total > MAXIMUM_MESSAGE_BYTES)
        return this.#fail(messages, `a message declares an impossible length (${total} bytes)`);
      if (this.#pending.length < total) break;
      const frame = this.#pending.subarray(0, total);
      this.#pending = this.#pending.subarray(total);
      try {
        messages.push(codec().decode(frame));
      } catch (error) {
        return this.#fail(messages, (error as Error).message);
      }
    }
    return { messages };
  }

  /** The body ended; bytes left over are a message cut short. */
  end(): FramingResult {
    if (this.#failed || this.#pending.length === 0) return { messages: [] };
    return this.#fail([], `the stream ended inside a message (${this.#pending.length} bytes left over)`);
  }

  #fail(messages: Message[], error: string): FramingResult {
    this.#failed = true;
    this.#pending = Buffer.alloc(0);
    return { messages, error };
  }
}

/** A string header's value (`:event-type`, `:message-type`, …). */
function headerString(message: Message, name: string): string | undefined {
  const header = message.headers[name];
  return header?.type === 'string' ? header.value : undefined;
}

/**
 * The HTTP status that best describes each ConverseStream exception (API reference,
 * ConverseStreamOutput). A model's own failure and a model timeout are reported as the gateway
 * errors they are for the client (502, 504) rather than AWS's 424 and 408.
 */
const EXCEPTION_STATUS: Record<string, number> = {
  throttlingException: 429,
  validationException: 400,
  modelStreamErrorException: 502,
  internalServerException: 500,
  serviceUnavailableException: 503,
  modelTimeoutException: 504,
} satisfies Record<ConverseStreamExceptionType, number>;

function exceptionEvent(exceptionType: string, body: Uint8Array): StreamEvent {
  const message = readErrorBody(body).message ?? `Bedrock reported ${exceptionType}.`;
  return { type: 'error', status: EXCEPTION_STATUS[exceptionType] ?? 502, code: exceptionType, message };
}

const malformed = (detail: string): StreamEvent => ({
  type: 'error',
  status: 502,
  code: 'upstream_malformed',
  message: `Bedrock sent a malformed event stream: ${detail}`,
});

export class ChatStreamDecoder implements StreamDecoder {
  readonly #framer = new EventStreamFramer();
  readonly #model: string;
  /** The forced tool a JSON answer was asked for through: its input streams as the answer's text. */
  readonly #jsonTool: string | undefined;
  /** The content block carrying the JSON answer, once it starts. */
  #jsonBlock: number | undefined;
  #started = false;
  #stopped = false;
  #failed = false;
  /** Converse content-block index → IR tool-call index (and whether it streamed arguments), for tool-call blocks. */
  readonly #toolByBlock = new Map<number, { index: number; hasArguments: boolean }>();

  constructor(request: ChatRequest) {
    this.#model = request.model;
    this.#jsonTool = jsonToolOf(request);
  }

  push(chunk: Uint8Array): StreamEvent[] {
    const { messages, error } = this.#framer.push(chunk);
    return this.#translate(messages, error);
  }

  end(): StreamEvent[] {
    const { messages, error } = this.#framer.end();
    const events = this.#translate(messages, error);
    if (this.#failed) return events;
    if (!this.#stopped) {
      this.#failed = true;
      return [...events, incompleteStream('Bedrock ConverseStream')];
    }
    return [...events, { type: 'end' }];
  }

  #translate(messages: Message[], framingError: string | undefined): StreamEvent[] {
    const events: StreamEvent[] = [];
    for (const message of messages) {
      if (this.#failed) break;
      events.push(...this.#messageEvents(message));
    }
    if (framingError !== undefined && !this.#failed) {
      this.#failed = true;
      events.push(malformed(framingError));
    }
    return events;
  }

  #messageEvents(message: Message): StreamEvent[] {
    const messageType = headerString(message, ':message-type');
    if (messageType === 'exception') {
      this.#failed = true;
      return [exceptionEvent(headerString(message, ':exception-type') ?? 'unknownException', message.body)];
    }
    if (messageType === 'error') {
      this.#failed = true;
      const code = headerString(message, ':error-code') ?? 'error';
      return [
        {
          type: 'error',
          status: 502,
          code,
          message: headerString(message, ':error-message') ?? `Bedrock reported ${code}`,
        },
      ];
    }
    const payload = tryParseJsonObject(message.body);
    if (!payload) {
      this.#failed = true;
      return [malformed('an event payload is not a JSON object')];
    }
    return [...this.#start(), ...this.#eventEvents(headerString(message, ':event-type'), payload)];
  }

  /** The IR's start event, once, before anything else (some streams omit messageStart). */
  #start(): StreamEvent[] {
    if (this.#started) return [];
    this.#started = true;
    return [{ type: 'start', id: newMessageId(), model: this.#model }];
  }

  /** `eventType` names one of `ConverseStreamEvents`, whose payload fields are checked here. */
  #eventEvents(eventType: string | undefined, payload: Json): StreamEvent[] {
    switch (eventType) {
      case 'contentBlockStart' satisfies ConverseStreamEventType:
        return this.#blockStart(payload);
      case 'contentBlockDelta' satisfies ConverseStreamEventType:
        return this.#blockDelta(payload);
      case 'contentBlockStop' satisfies ConverseStreamEventType: {
        const tool = this.#toolByBlock.get(asNumber(payload.contentBlockIndex) ?? -1);
        if (!tool) return [];
        // Argument-less calls stream an empty input; clients expect a JSON object.
        const empty: StreamEvent[] = tool.hasArguments
          ? []
          : [{ type: 'tool-call-delta', index: tool.index, arguments: '{}' }];
        return [...empty, { type: 'tool-call-end', index: tool.index }];
      }
      case 'messageStop' satisfies ConverseStreamEventType: {
        this.#stopped = true;
        const stopSequence = stopSequenceOf(payload.additionalModelResponseFields);
        return [
          {
            type: 'finish',
            reason: finishReasonOf(payload.stopReason, this.#jsonTool !== undefined),
            ...(stopSequence !== undefined ? { stopSequence } : {}),
          },
        ];
      }
      case 'metadata' satisfies ConverseStreamEventType: {
        const usage = usageOf(payload.usage);
        return usage ? [{ type: 'usage', usage }] : [];
      }
      default:
        // messageStart (handled by #start) and event types newer than this code
        return [];
    }
  }

  #blockStart(payload: Json): StreamEvent[] {
    const toolUse = asRecord(payload.start).toolUse;
    if (!isObject(toolUse)) return [];
    if (this.#jsonTool !== undefined && toolUse.name === this.#jsonTool) {
      this.#jsonBlock = asNumber(payload.contentBlockIndex) ?? -1;
      return [];
    }
    const index = this.#toolByBlock.size;
    this.#toolByBlock.set(asNumber(payload.contentBlockIndex) ?? -1, { index, hasArguments: false });
    return [
      { type: 'tool-call-start', index, id: asString(toolUse.toolUseId) ?? '', name: asString(toolUse.name) ?? '' },
    ];
  }

  #blockDelta(payload: Json): StreamEvent[] {
    const delta = asRecord(payload.delta);
    if (typeof delta.text === 'string') return delta.text ? [{ type: 'text-delta', text: delta.text }] : [];
    if (isObject(delta.toolUse) && this.#jsonBlock !== undefined && payload.contentBlockIndex === this.#jsonBlock) {
      const input = asString(delta.toolUse.input);
      return input ? [{ type: 'text-delta', text: input }] : [];
    }
    if (isObject(delta.toolUse)) {
      const tool = this.#toolByBlock.get(asNumber(payload.contentBlockIndex) ?? -1);
      const input = asString(delta.toolUse.input) ?? '';
      if (!tool || input === '') return [];
      tool.hasArguments = true;
      return [{ type: 'tool-call-delta', index: tool.index, arguments: input }];
    }
    if (isObject(delta.reasoningContent)) {
      const reasoning = delta.reasoningContent;
      if (typeof reasoning.text === 'string')
        return reasoning.text ? [{ type: 'reasoning-delta', text: reasoning.text }] : [];
      if (typeof reasoning.signature === 'string')
        return [{ type: 'reasoning-signature', signature: reasoning.signature }];
      // `redactedContent` has no IR stream event: encrypted thinking cannot be shown anyway.
    }
    return [];
  }
}
