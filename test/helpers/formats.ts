/** Helpers for the translation tests: SSE framing, byte splitting, reading encoded streams back. */

import { expect } from 'vitest';
import { GatewayError } from '../../src/errors.ts';
import { anthropicFormat } from '../../src/formats/anthropic/index.ts';
import type { ChatRequest, StreamEvent } from '../../src/formats/ir.ts';
import { openAIFormat } from '../../src/formats/openai/index.ts';
import type { StreamTranscoder } from '../../src/formats/translate.ts';
import type { ClientChatFormat, ProviderChatFormat, StreamDecoder } from '../../src/formats/types.ts';

/** One Anthropic Messages SSE event, framed as the API sends it (`event:` line, then `data:`). */
export const anthropicEvent = (data: { type: string } & Record<string, unknown>) =>
  `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`;

/** One OpenAI chat.completion.chunk SSE event. */
export const openAIChunk = (data: unknown) => `data: ${JSON.stringify(data)}\n\n`;

export const DONE = 'data: [DONE]\n\n';

/** `bytes` cut at the given offsets (sorted, deduplicated, clamped). */
export function splitAt(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => Math.max(0, Math.min(bytes.length, c))))].sort((a, b) => a - b);
  const pieces: Uint8Array[] = [];
  let from = 0;
  for (const point of points) {
    if (point > from) pieces.push(bytes.subarray(from, point));
    from = point;
  }
  if (from < bytes.length) pieces.push(bytes.subarray(from));
  return pieces;
}

/** `bytes` in pieces of `size` bytes (the last one shorter). */
export function splitEvery(bytes: Uint8Array, size: number): Uint8Array[] {
  const cuts: number[] = [];
  for (let at = size; at < bytes.length; at += size) cuts.push(at);
  return splitAt(bytes, cuts);
}

/** Every IR event a decoder produces for `pieces`, then its end. */
export function decodeAll(decoder: StreamDecoder, pieces: readonly Uint8Array[]): StreamEvent[] {
  const events: StreamEvent[] = [];
  for (const piece of pieces) events.push(...decoder.push(piece));
  events.push(...decoder.end());
  return events;
}

/** What a transcoder writes to the client for `pieces`, then the upstream's end. */
export function transcodeAll(transcoder: StreamTranscoder, pieces: Uint8Array[]): string {
  let out = '';
  for (const piece of pieces) out += transcoder.push(piece);
  return out + transcoder.end();
}

export interface SseMessage {
  event: string | undefined;
  data: string;
}

/** A complete SSE text split into its events (as a client would read it). */
export function readSse(text: string): SseMessage[] {
  expect(text.endsWith('\n\n') || text === '').toBe(true);
  return text
    .split('\n\n')
    .filter((block) => block !== '')
    .map((block) => {
      const lines = block.split('\n');
      const event = lines.find((l) => l.startsWith('event: '))?.slice(7);
      const data = lines
        .filter((l) => l.startsWith('data: '))
        .map((l) => l.slice(6))
        .join('\n');
      return { event, data };
    });
}

/** The JSON payloads of an OpenAI client's stream, and whether it ended with `[DONE]`. */
export function readOpenAIStream(text: string): { chunks: Record<string, any>[]; done: boolean } {
  const messages = readSse(text);
  const done = messages.at(-1)?.data === '[DONE]';
  const chunks = messages.filter((m) => m.data !== '[DONE]').map((m) => JSON.parse(m.data) as Record<string, any>);
  // [DONE] only ever comes last.
  expect(messages.slice(0, -1).some((m) => m.data === '[DONE]')).toBe(false);
  return { chunks, done };
}

/** The events of an Anthropic client's stream; each `event:` name must match its data's `type`. */
export function readAnthropicStream(text: string): Record<string, any>[] {
  return readSse(text).map((m) => {
    const data = JSON.parse(m.data) as Record<string, any>;
    expect(m.event).toBe(data.type);
    return data;
  });
}

/** What an OpenAI client's SDK would assemble from the chunks. */
export function assembleOpenAI(chunks: Record<string, any>[]) {
  let content = '';
  let reasoning = '';
  const calls: { id: string; name: string; arguments: string }[] = [];
  let finish: string | null = null;
  let usage: Record<string, any> | undefined;
  for (const chunk of chunks) {
    if (chunk.usage) usage = chunk.usage;
    const choice = chunk.choices?.[0];
    if (!choice) continue;
    const delta = choice.delta ?? {};
    if (typeof delta.content === 'string') content += delta.content;
    if (typeof delta.reasoning_content === 'string') reasoning += delta.reasoning_content;
    for (const call of delta.tool_calls ?? []) {
      const slot = (calls[call.index] ??= { id: '', name: '', arguments: '' });
      if (call.id) slot.id = call.id;
      if (call.function?.name) slot.name = call.function.name;
      if (call.function?.arguments) slot.arguments += call.function.arguments;
    }
    if (choice.finish_reason) finish = choice.finish_reason;
  }
  return { content, reasoning, calls, finish, usage };
}

/** What an Anthropic client's SDK would assemble from the events (blocks by index). */
export function assembleAnthropic(events: Record<string, any>[]) {
  const blocks: Record<string, any>[] = [];
  let stopReason: string | null = null;
  let usage: Record<string, any> = {};
  for (const event of events) {
    if (event.type === 'message_start') usage = { ...event.message.usage };
    if (event.type === 'content_block_start') blocks[event.index] = { ...event.content_block, json: '' };
    if (event.type === 'content_block_delta') {
      const block = blocks[event.index] as Record<string, any>;
      const d = event.delta;
      if (d.type === 'text_delta') block.text += d.text;
      if (d.type === 'thinking_delta') block.thinking += d.thinking;
      if (d.type === 'signature_delta') block.signature = d.signature;
      if (d.type === 'input_json_delta') block.json += d.partial_json;
    }
    if (event.type === 'message_delta') {
      stopReason = event.delta.stop_reason;
      usage = { ...usage, ...event.usage };
    }
  }
  const text = blocks
    .filter((b) => b.type === 'text')
    .map((b) => b.text)
    .join('');
  const thinking = blocks
    .filter((b) => b.type === 'thinking')
    .map((b) => b.thinking)
    .join('');
  const tools = blocks
    .filter((b) => b.type === 'tool_use')
    .map((b) => ({ id: b.id as string, name: b.name as string, arguments: b.json as string }));
  return { blocks, text, thinking, tools, stopReason, usage };
}

/**
 * Checks the Messages stream grammar: message_start first; blocks opened, filled and closed one at
 * a time with increasing indexes; message_delta then message_stop last.
 */
export function expectAnthropicGrammar(events: Record<string, any>[]): void {
  expect(events[0]?.type).toBe('message_start');
  expect(events.at(-1)?.type).toBe('message_stop');
  expect(events.at(-2)?.type).toBe('message_delta');
  let open: number | undefined;
  let next = 0;
  for (const event of events.slice(1, -2)) {
    switch (event.type) {
      case 'content_block_start':
        expect(open).toBeUndefined();
        expect(event.index).toBe(next);
        open = next++;
        break;
      case 'content_block_delta':
        expect(event.index).toBe(open);
        break;
      case 'content_block_stop':
        expect(event.index).toBe(open);
        open = undefined;
        break;
      default:
        throw new Error(`unexpected ${event.type} inside the message`);
    }
  }
  expect(open).toBeUndefined();
}

const encoder = new TextEncoder();
export const bytesOf = (text: string) => encoder.encode(text);

/** The error a translation throws (fails the test when it does not throw). */
export function errorOf(run: () => unknown): GatewayError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayError);
    return error as GatewayError;
  }
  throw new Error('expected the translation to refuse the request');
}

/** Both sides of the OpenAI and Anthropic chat formats in one object, as the translation tests use them. */
export const openAIChat: ClientChatFormat & ProviderChatFormat = {
  ...openAIFormat.client.chat,
  ...openAIFormat.provider.chat,
};
export const anthropicChat: ClientChatFormat & ProviderChatFormat = {
  ...anthropicFormat.client.chat,
  ...anthropicFormat.provider.chat,
};

/** An IR chat request with the given fields over a minimal one-message default. */
export function chatRequest(fields: Partial<ChatRequest> = {}): ChatRequest {
  return {
    model: 'client-model',
    system: [],
    messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }],
    stream: false,
    includeUsage: false,
    sourceFormat: 'openai',
    unmapped: {},
    ...fields,
  };
}

/** Feeds `chunks` to a decoder, then ends it, collecting every event. */

/** The concatenated text of the text deltas. */
export const textOf = (events: readonly StreamEvent[]) =>
  events
    .filter((e): e is Extract<StreamEvent, { type: 'text-delta' }> => e.type === 'text-delta')
    .map((e) => e.text)
    .join('');

/** SSE bytes for `event: <type>\ndata: <json>\n\n` per object. */
export const typedSse = (objects: readonly { type: string }[]) =>
  Buffer.from(objects.map((o) => `event: ${o.type}\ndata: ${JSON.stringify(o)}\n\n`).join(''));
