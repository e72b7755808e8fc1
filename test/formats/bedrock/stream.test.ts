import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bedrockFormat } from '../../../src/formats/bedrock/index.ts';
import type { StreamEvent } from '../../../src/formats/ir.ts';
import { concat, eventFrame, exceptionFrame, toolCallStreamFrames } from '../../helpers/bedrock-event-stream.ts';
import { chatRequest, decodeAll, splitAt } from '../../helpers/formats.ts';

const decoder = () =>
  bedrockFormat.provider.chat.streamDecoder(chatRequest({ model: 'claude-via-bedrock', stream: true }));

/** Events without the generated message id, which differs per stream. */
const stable = (events: StreamEvent[]) => events.map((e) => (e.type === 'start' ? { ...e, id: 'ID' } : e));

const TOOL_CALL_EVENTS: StreamEvent[] = [
  { type: 'start', id: 'ID', model: 'claude-via-bedrock' },
  { type: 'text-delta', text: 'Let me check ' },
  { type: 'text-delta', text: 'the charts.' },
  { type: 'tool-call-start', index: 0, id: 'tooluse_1', name: 'top_song' },
  { type: 'tool-call-delta', index: 0, arguments: '{"sign":' },
  { type: 'tool-call-delta', index: 0, arguments: '"WZPZ"}' },
  { type: 'tool-call-end', index: 0 },
  { type: 'finish', reason: 'tool_calls' },
  { type: 'usage', usage: { inputTokens: 510, cachedInputTokens: 500, outputTokens: 20 } },
  { type: 'end' },
];

describe('Bedrock ConverseStream decoding', () => {
  const bytes = concat(toolCallStreamFrames());

  it('translates messageStart, content blocks, messageStop and metadata into IR events', () => {
    expect(stable(decodeAll(decoder(), [bytes]))).toEqual(TOOL_CALL_EVENTS);
  });

  it('gives the same events whatever byte boundary the body is split at (every single cut)', () => {
    for (let cut = 1; cut < bytes.length; cut++)
      expect(stable(decodeAll(decoder(), splitAt(bytes, [cut])))).toEqual(TOOL_CALL_EVENTS);
  });

  it('gives the same events when bytes arrive one at a time', () => {
    expect(stable(decodeAll(decoder(), splitAt(bytes, [...bytes.keys()])))).toEqual(TOOL_CALL_EVENTS);
  });

  it('gives the same events for random splits, including inside preludes', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 12 }), (cuts) => {
        expect(stable(decodeAll(decoder(), splitAt(bytes, cuts)))).toEqual(TOOL_CALL_EVENTS);
      }),
      { numRuns: 200 },
    );
  });

  it('waits for a frame split inside its 12-byte prelude', () => {
    const first = eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Hi' } });
    const d = decoder();
    expect(d.push(first.subarray(0, 5))).toEqual([]);
    expect(d.push(first.subarray(5, 11))).toEqual([]);
    expect(stable(d.push(first.subarray(11)))).toEqual([
      { type: 'start', id: 'ID', model: 'claude-via-bedrock' },
      { type: 'text-delta', text: 'Hi' },
    ]);
  });

  it('reports a frame with a bad message CRC as an error event, and nothing after it', () => {
    const frames = toolCallStreamFrames();
    const corrupt = Buffer.from(frames[2]!);
    corrupt[corrupt.length - 6]! ^= 0xff; // a payload byte: the message CRC no longer matches
    const events = decodeAll(decoder(), [concat([frames[0]!, frames[1]!, corrupt, ...frames.slice(3)])]);
    expect(stable(events)).toEqual([
      { type: 'start', id: 'ID', model: 'claude-via-bedrock' },
      { type: 'text-delta', text: 'Let me check ' },
      { type: 'error', status: 502, code: 'upstream_malformed', message: expect.stringMatching(/checksum/) },
    ]);
  });

  it('reports a bad prelude CRC as an error event', () => {
    const frame = Buffer.from(eventFrame('messageStart', { role: 'assistant' }));
    frame[9]! ^= 0x01; // inside the prelude CRC itself
    const events = decodeAll(decoder(), [frame]);
    expect(events).toEqual([
      { type: 'error', status: 502, code: 'upstream_malformed', message: expect.stringMatching(/prelude checksum/) },
    ]);
  });

  it('reports an impossible frame length as soon as the prelude arrives', () => {
    const header = Buffer.alloc(12);
    header.writeUInt32BE(0xffffffff, 0);
    expect(decoder().push(header)).toEqual([
      { type: 'error', status: 502, code: 'upstream_malformed', message: expect.stringMatching(/impossible length/) },
    ]);
  });

  it('reports a body that ends inside a frame', () => {
    const frames = toolCallStreamFrames();
    const cut = concat(frames).subarray(0, concat(frames).length - 3);
    expect(decodeAll(decoder(), [cut]).at(-1)).toEqual({
      type: 'error',
      status: 502,
      code: 'upstream_malformed',
      message: expect.stringMatching(/ended inside a message/),
    });
  });

  it('reports a stream that ends cleanly but without messageStop', () => {
    const frames = toolCallStreamFrames().slice(0, 4);
    expect(decodeAll(decoder(), [concat(frames)]).at(-1)).toEqual({
      type: 'error',
      status: 502,
      code: 'upstream_stream_incomplete',
      message: expect.stringMatching(/ended before the answer was complete/),
    });
  });

  it.each([
    ['throttlingException', 429],
    ['validationException', 400],
    ['modelStreamErrorException', 502],
    ['internalServerException', 500],
    ['serviceUnavailableException', 503],
    ['modelTimeoutException', 504],
  ])('turns a %s frame into an error event with status %i, and stops there', (exceptionType, status) => {
    const frames = [
      eventFrame('messageStart', { role: 'assistant' }),
      exceptionFrame(exceptionType, 'Something went wrong upstream.'),
      eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'late' } }),
    ];
    expect(stable(decodeAll(decoder(), [concat(frames)]))).toEqual([
      { type: 'start', id: 'ID', model: 'claude-via-bedrock' },
      { type: 'error', status, code: exceptionType, message: 'Something went wrong upstream.' },
    ]);
  });

  it('streams reasoning text and its signature', () => {
    const frames = [
      eventFrame('messageStart', { role: 'assistant' }),
      eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { reasoningContent: { text: 'Count the rs' } } }),
      eventFrame('contentBlockDelta', {
        contentBlockIndex: 0,
        delta: { reasoningContent: { signature: 'EqQBCkgIARAB' } },
      }),
      eventFrame('contentBlockStop', { contentBlockIndex: 0 }),
      eventFrame('contentBlockDelta', { contentBlockIndex: 1, delta: { text: '3' } }),
      eventFrame('contentBlockStop', { contentBlockIndex: 1 }),
      eventFrame('messageStop', {
        stopReason: 'end_turn',
        additionalModelResponseFields: { delta: { stop_sequence: null } },
      }),
      eventFrame('metadata', { usage: { inputTokens: 5, outputTokens: 7, totalTokens: 12 } }),
    ];
    expect(stable(decodeAll(decoder(), [concat(frames)]))).toEqual([
      { type: 'start', id: 'ID', model: 'claude-via-bedrock' },
      { type: 'reasoning-delta', text: 'Count the rs' },
      { type: 'reasoning-signature', signature: 'EqQBCkgIARAB' },
      { type: 'text-delta', text: '3' },
      { type: 'finish', reason: 'stop' },
      { type: 'usage', usage: { inputTokens: 5, outputTokens: 7 } },
      { type: 'end' },
    ]);
  });

  it('streams a JSON answer asked for through the forced tool as text', () => {
    const frames = [
      eventFrame('contentBlockStart', {
        contentBlockIndex: 0,
        start: { toolUse: { toolUseId: 't', name: 'json_output' } },
      }),
      eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { toolUse: { input: '{"city":' } } }),
      eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { toolUse: { input: '"Paris"}' } } }),
      eventFrame('contentBlockStop', { contentBlockIndex: 0 }),
      eventFrame('messageStop', { stopReason: 'tool_use' }),
    ];
    const jsonDecoder = bedrockFormat.provider.chat.streamDecoder(
      chatRequest({ model: 'claude-via-bedrock', stream: true, responseFormat: { type: 'json' } }),
    );
    expect(stable(decodeAll(jsonDecoder, [concat(frames)]))).toEqual([
      { type: 'start', id: 'ID', model: 'claude-via-bedrock' },
      { type: 'text-delta', text: '{"city":' },
      { type: 'text-delta', text: '"Paris"}' },
      { type: 'finish', reason: 'stop' },
      { type: 'end' },
    ]);
  });

  it('gives an argument-less tool call the arguments {} and starts without messageStart', () => {
    const frames = [
      eventFrame('contentBlockStart', { contentBlockIndex: 0, start: { toolUse: { toolUseId: 't', name: 'now' } } }),
      eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { toolUse: { input: '' } } }),
      eventFrame('contentBlockStop', { contentBlockIndex: 0 }),
      eventFrame('metadata', { usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 } }),
      eventFrame('messageStop', { stopReason: 'tool_use' }),
    ];
    expect(stable(decodeAll(decoder(), [concat(frames)]))).toEqual([
      { type: 'start', id: 'ID', model: 'claude-via-bedrock' },
      { type: 'tool-call-start', index: 0, id: 't', name: 'now' },
      { type: 'tool-call-delta', index: 0, arguments: '{}' },
      { type: 'tool-call-end', index: 0 },
      { type: 'usage', usage: { inputTokens: 1, outputTokens: 1 } },
      { type: 'finish', reason: 'tool_calls' },
      { type: 'end' },
    ]);
  });
});
