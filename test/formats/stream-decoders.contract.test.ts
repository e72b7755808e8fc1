/**
 * One contract for every provider format's stream decoder (the `StreamDecoder` interface), run
 * against each implementation the way Hono runs one router suite against every router: the same
 * events whatever the chunking, an error event for a stream cut short, an error event (and nothing
 * after it) for a provider's own error mid-stream.
 */
import { describe, expect, it } from 'vitest';
import { anthropicFormat } from '../../src/formats/anthropic/index.ts';
import { bedrockFormat } from '../../src/formats/bedrock/index.ts';
import { cohereFormat } from '../../src/formats/cohere/index.ts';
import { geminiFormat } from '../../src/formats/gemini/index.ts';
import type { StreamEvent } from '../../src/formats/ir.ts';
import { openAIFormat } from '../../src/formats/openai/index.ts';
import { openAIResponsesFormat } from '../../src/formats/openai-responses/index.ts';
import { replicateFormat } from '../../src/formats/replicate/index.ts';
import type { StreamDecoder } from '../../src/formats/types.ts';
import { concat, eventFrame, exceptionFrame } from '../helpers/bedrock-event-stream.ts';
import { chatRequest, DONE, decodeAll, openAIChunk, splitAt, textOf } from '../helpers/formats.ts';
import { geminiSse, textStreamEvents } from '../helpers/gemini-samples.ts';
import {
  anthropicTextStream,
  cohereTextStream,
  converseTextStream,
  replicateStreamEvents,
} from '../helpers/native-mocks.ts';

const PARTS = ['Hello', ', wörld', ' — ', 'done.'];
const TEXT = PARTS.join('');

interface DecoderCase {
  name: string;
  decoder(): StreamDecoder;
  /** A complete stream whose text is TEXT. */
  complete: Buffer;
  /** The same stream stopped after its first text event, before it said it was complete. */
  truncated: Buffer;
  /** A stream where the provider reports an error after the first text event, then keeps sending. */
  failing: Buffer;
  /** After the first text event, an event whose data is not JSON (formats whose events are JSON). */
  malformed?: Buffer;
}

const BROKEN = 'data: {"not json\n\n';

const request = chatRequest({ stream: true });
const sse = (events: readonly string[]) => Buffer.from(events.join(''));

const openAIEvents = [
  openAIChunk({
    id: 'c1',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'gpt-4o',
    choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }],
  }),
  ...PARTS.map((content) =>
    openAIChunk({
      id: 'c1',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'gpt-4o',
      choices: [{ index: 0, delta: { content }, finish_reason: null }],
    }),
  ),
  openAIChunk({
    id: 'c1',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'gpt-4o',
    choices: [{ index: 0, delta: {}, finish_reason: 'stop' }],
  }),
  DONE,
];
const anthropicEvents = anthropicTextStream(PARTS);
const geminiEvents = textStreamEvents(PARTS).map((event) => geminiSse([event]));
const cohereEvents = cohereTextStream(PARTS);
const replicateEvents = replicateStreamEvents(PARTS);
const responsesEvent = (type: string, fields: Record<string, unknown>) =>
  `event: ${type}\ndata: ${JSON.stringify({ type, ...fields })}\n\n`;
const responseObject = (status: string) => ({ id: 'resp_1', object: 'response', model: 'gpt-5', status, output: [] });
const responsesEvents = [
  responsesEvent('response.created', { response: responseObject('in_progress') }),
  ...PARTS.map((delta) =>
    responsesEvent('response.output_text.delta', { item_id: 'msg_1', output_index: 0, content_index: 0, delta }),
  ),
  responsesEvent('response.completed', {
    response: { ...responseObject('completed'), usage: { input_tokens: 3, output_tokens: 4, total_tokens: 7 } },
  }),
];
const converseFrames = (parts: readonly string[]) => [
  eventFrame('messageStart', { role: 'assistant' }),
  ...parts.map((text) => eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text } })),
];

const CASES: DecoderCase[] = [
  {
    name: 'OpenAI',
    decoder: () => openAIFormat.provider.chat.streamDecoder(),
    complete: sse(openAIEvents),
    truncated: sse(openAIEvents.slice(0, 2)),
    malformed: sse([...openAIEvents.slice(0, 2), BROKEN, ...openAIEvents.slice(2)]),
    failing: sse([
      ...openAIEvents.slice(0, 2),
      'data: {"error":{"message":"boom","type":"server_error"}}\n\n',
      ...openAIEvents.slice(2),
    ]),
  },
  {
    name: 'Responses API',
    decoder: () => openAIResponsesFormat.provider.chat.streamDecoder(),
    complete: sse(responsesEvents),
    truncated: sse(responsesEvents.slice(0, 2)),
    malformed: sse([...responsesEvents.slice(0, 2), BROKEN, ...responsesEvents.slice(2)]),
    failing: sse([
      ...responsesEvents.slice(0, 2),
      responsesEvent('error', { code: 'server_error', message: 'boom' }),
      ...responsesEvents.slice(2),
    ]),
  },
  {
    name: 'Anthropic',
    decoder: () => anthropicFormat.provider.chat.streamDecoder(request),
    complete: sse(anthropicEvents),
    truncated: sse(anthropicEvents.slice(0, 4)),
    malformed: sse([...anthropicEvents.slice(0, 4), BROKEN, ...anthropicEvents.slice(4)]),
    failing: sse([
      ...anthropicEvents.slice(0, 4),
      'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n',
      ...anthropicEvents.slice(4),
    ]),
  },
  {
    name: 'Gemini',
    decoder: () => geminiFormat.provider.chat.streamDecoder(request),
    complete: sse(geminiEvents),
    truncated: sse(geminiEvents.slice(0, 1)),
    malformed: sse([...geminiEvents.slice(0, 1), BROKEN, ...geminiEvents.slice(1)]),
    failing: sse([
      ...geminiEvents.slice(0, 1),
      geminiSse([{ error: { code: 503, message: 'The model is overloaded.', status: 'UNAVAILABLE' } }]),
      ...geminiEvents.slice(1),
    ]),
  },
  {
    name: 'Bedrock',
    decoder: () => bedrockFormat.provider.chat.streamDecoder(request),
    complete: converseTextStream(PARTS),
    truncated: concat(converseFrames(PARTS.slice(0, 1))),
    failing: Buffer.concat([
      concat(converseFrames(PARTS.slice(0, 1))),
      Buffer.from(exceptionFrame('throttlingException', 'Too many requests')),
      converseTextStream(PARTS.slice(1)),
    ]),
  },
  {
    name: 'Cohere',
    decoder: () => cohereFormat.provider.chat.streamDecoder(request),
    complete: sse(cohereEvents),
    truncated: sse(cohereEvents.slice(0, 3)),
    malformed: sse([...cohereEvents.slice(0, 3), BROKEN, ...cohereEvents.slice(3)]),
    failing: sse([
      ...cohereEvents.slice(0, 3),
      'event: message-end\ndata: {"type":"message-end","delta":{"error":"internal failure"}}\n\n',
      ...cohereEvents.slice(3),
    ]),
  },
  {
    name: 'Replicate',
    decoder: () => replicateFormat.provider.chat.streamDecoder(request),
    complete: sse(replicateEvents),
    truncated: sse(replicateEvents.slice(0, 1)),
    failing: sse([
      ...replicateEvents.slice(0, 1),
      'event: error\ndata: {"detail":"CUDA out of memory"}\n\n',
      ...replicateEvents.slice(1),
    ]),
  },
];

const errorsOf = (events: StreamEvent[]) => events.filter((event) => event.type === 'error');

/** Decoded events with the ids a format generates itself (Bedrock and Replicate send none) made comparable. */
const decode = (c: DecoderCase, pieces: readonly Uint8Array[]) =>
  decodeAll(c.decoder(), pieces).map((event) => (event.type === 'start' ? { ...event, id: 'generated' } : event));

describe.each(CASES)('$name stream decoder contract', (c) => {
  const whole = decode(c, [c.complete]);

  it('decodes the complete stream to its text, ending without an error', () => {
    expect(textOf(whole)).toBe(TEXT);
    expect(errorsOf(whole)).toEqual([]);
    expect(whole.at(-1)).toEqual({ type: 'end' });
    expect(whole.some((event) => event.type === 'finish')).toBe(true);
  });

  it('gives the same events however the bytes are cut, at every byte offset', () => {
    for (let at = 1; at < c.complete.length; at++) {
      expect(decode(c, splitAt(c.complete, [at])), `cut at byte ${at}`).toEqual(whole);
    }
  });

  it('gives the same events when every byte arrives alone', () => {
    const bytes = [...c.complete].map((byte) => Uint8Array.of(byte));
    expect(decode(c, bytes)).toEqual(whole);
  });

  it('ends a stream cut short with upstream_stream_incomplete, never as a success', () => {
    const events = decodeAll(c.decoder(), [c.truncated]);
    expect(textOf(events)).toBe(PARTS[0]);
    expect(events.at(-1)).toMatchObject({ type: 'error', status: 502, code: 'upstream_stream_incomplete' });
    expect(events.some((event) => event.type === 'end')).toBe(false);
  });

  it.runIf(c.malformed)('ends at an event it cannot read with upstream_malformed, never skipping it', () => {
    const events = decodeAll(c.decoder(), [c.malformed as Buffer]);
    expect(textOf(events)).toBe(PARTS[0]);
    expect(errorsOf(events)).toMatchObject([{ code: 'upstream_malformed', status: 502 }]);
    expect(events.at(-1)?.type).toBe('error');
  });

  it("ends with the provider's error event mid-stream, and decodes nothing after it", () => {
    const events = decodeAll(c.decoder(), [c.failing]);
    expect(textOf(events)).toBe(PARTS[0]);
    expect(errorsOf(events)).toHaveLength(1);
    expect(events.at(-1)?.type).toBe('error');
  });
});
