import type { ChatRequest, StreamEvent } from '../../src/formats/ir.ts';
import type { StreamDecoder } from '../../src/formats/types.ts';

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
export function decodeAll(decoder: StreamDecoder, chunks: readonly Uint8Array[]): StreamEvent[] {
  const events: StreamEvent[] = [];
  for (const chunk of chunks) events.push(...decoder.push(chunk));
  events.push(...decoder.end());
  return events;
}

/** `bytes` cut at the given offsets. */
export function splitAt(bytes: Uint8Array, offsets: readonly number[]): Uint8Array[] {
  const cuts = [0, ...offsets.filter((o) => o > 0 && o < bytes.length).sort((a, b) => a - b), bytes.length];
  const out: Uint8Array[] = [];
  for (let i = 0; i + 1 < cuts.length; i++) out.push(bytes.subarray(cuts[i], cuts[i + 1]));
  return out;
}

/** The concatenated text of the text deltas. */
export const textOf = (events: readonly StreamEvent[]) =>
  events
    .filter((e): e is Extract<StreamEvent, { type: 'text-delta' }> => e.type === 'text-delta')
    .map((e) => e.text)
    .join('');

/** SSE bytes for `event: <type>\ndata: <json>\n\n` per object. */
export const typedSse = (objects: readonly { type: string }[]) =>
  Buffer.from(objects.map((o) => `event: ${o.type}\ndata: ${JSON.stringify(o)}\n\n`).join(''));
