import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { geminiFormat } from '../../../src/formats/gemini/index.ts';
import type { StreamEvent } from '../../../src/formats/ir.ts';
import { geminiSse, irRequest, textStreamEvents } from '../../helpers/gemini-samples.ts';

/** Decodes `bytes` delivered in pieces cut at `cuts` (byte offsets, any order). */
function decode(bytes: Buffer, cuts: number[] = []): StreamEvent[] {
  const decoder = geminiFormat.provider.chat.streamDecoder(irRequest({ stream: true }));
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const events: StreamEvent[] = [];
  let from = 0;
  for (const point of [...points, bytes.length]) {
    events.push(...decoder.push(bytes.subarray(from, point)));
    from = point;
  }
  return [...events, ...decoder.end()];
}

/** The same events whatever the chunking: each sample is decoded whole and in 200 random splits. */
function expectStableUnderSplits(bytes: Buffer, expected: StreamEvent[]): void {
  expect(decode(bytes)).toEqual(expected);
  fc.assert(
    fc.property(fc.array(fc.nat(), { maxLength: 40 }), (cuts) => {
      expect(decode(bytes, cuts)).toEqual(expected);
    }),
    { numRuns: 200 },
  );
}

describe('Gemini stream → IR events', () => {
  it('text: start, deltas, finish, usage, end — whatever the chunking, multi-byte characters included', () => {
    const bytes = Buffer.from(
      geminiSse(
        textStreamEvents(['Ciao', ' — 世界 ', '🌍!'], 'STOP', {
          promptTokenCount: 5,
          candidatesTokenCount: 7,
          cachedContentTokenCount: 2,
          thoughtsTokenCount: 3,
          totalTokenCount: 15,
        }),
      ),
    );
    expectStableUnderSplits(bytes, [
      { type: 'start', id: 'stream-1', model: 'gemini-2.5-flash' },
      { type: 'text-delta', text: 'Ciao' },
      { type: 'text-delta', text: ' — 世界 ' },
      { type: 'text-delta', text: '🌍!' },
      { type: 'finish', reason: 'stop' },
      { type: 'usage', usage: { inputTokens: 5, cachedInputTokens: 2, outputTokens: 10, reasoningTokens: 3 } },
      { type: 'end' },
    ]);
  });

  it('reports usage once, from the last event, when Gemini repeats it on every event', () => {
    const events = textStreamEvents(['a', 'b']).map((event, i) => ({
      ...event,
      usageMetadata: { promptTokenCount: 9, candidatesTokenCount: i + 1, totalTokenCount: 10 + i },
    }));
    const usage = decode(Buffer.from(geminiSse(events))).filter((e) => e.type === 'usage');
    expect(usage).toEqual([{ type: 'usage', usage: { inputTokens: 9, outputTokens: 2 } }]);
  });

  it('thoughts become reasoning deltas', () => {
    const bytes = Buffer.from(
      geminiSse([
        {
          candidates: [{ content: { role: 'model', parts: [{ text: 'Let me count.', thought: true }] }, index: 0 }],
          responseId: 'r',
        },
        {
          candidates: [
            {
              content: { role: 'model', parts: [{ text: '3', thoughtSignature: 'Eo0HCooHAb4=' }] },
              finishReason: 'STOP',
              index: 0,
            },
          ],
          usageMetadata: { promptTokenCount: 9, candidatesTokenCount: 1, thoughtsTokenCount: 20 },
          responseId: 'r',
        },
      ]),
    );
    expectStableUnderSplits(bytes, [
      { type: 'start', id: 'r', model: 'gemini-2.5-flash' },
      { type: 'reasoning-delta', text: 'Let me count.' },
      { type: 'text-delta', text: '3' },
      { type: 'finish', reason: 'stop' },
      { type: 'usage', usage: { inputTokens: 9, outputTokens: 21, reasoningTokens: 20 } },
      { type: 'end' },
    ]);
  });

  it('whole function calls: start, one delta with the whole arguments, end — indexed across events; STOP → tool_calls', () => {
    const bytes = Buffer.from(
      geminiSse([
        {
          candidates: [{ content: { role: 'model', parts: [{ text: 'Checking both.' }] }, index: 0 }],
          responseId: 'r2',
          modelVersion: 'gemini-2.5-pro',
        },
        {
          candidates: [
            {
              content: {
                role: 'model',
                parts: [
                  { functionCall: { name: 'get_current_temperature', args: { location: 'Paris' } } },
                  { functionCall: { name: 'get_current_temperature', args: { location: 'Rome' } } },
                ],
              },
              index: 0,
            },
          ],
          responseId: 'r2',
        },
        {
          candidates: [{ content: { role: 'model', parts: [{ text: '' }] }, finishReason: 'STOP', index: 0 }],
          usageMetadata: { promptTokenCount: 30, candidatesTokenCount: 20 },
          responseId: 'r2',
        },
      ]),
    );
    const events = decode(bytes);
    const ids = events.flatMap((e) => (e.type === 'tool-call-start' ? [e.id] : []));
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(2);
    expect(events).toEqual([
      { type: 'start', id: 'r2', model: 'gemini-2.5-pro' },
      { type: 'text-delta', text: 'Checking both.' },
      { type: 'tool-call-start', index: 0, id: ids[0], name: 'get_current_temperature' },
      { type: 'tool-call-delta', index: 0, arguments: '{"location":"Paris"}' },
      { type: 'tool-call-end', index: 0 },
      { type: 'tool-call-start', index: 1, id: ids[1], name: 'get_current_temperature' },
      { type: 'tool-call-delta', index: 1, arguments: '{"location":"Rome"}' },
      { type: 'tool-call-end', index: 1 },
      { type: 'finish', reason: 'tool_calls' },
      { type: 'usage', usage: { inputTokens: 30, outputTokens: 20 } },
      { type: 'end' },
    ]);
  });

  it.each([
    ['MAX_TOKENS', 'length'],
    ['SAFETY', 'content_filter'],
    ['RECITATION', 'content_filter'],
  ])('finishReason %s → %s', (reason, expected) => {
    const events = decode(Buffer.from(geminiSse(textStreamEvents(['partial'], reason))));
    expect(events.find((e) => e.type === 'finish')).toEqual({ type: 'finish', reason: expected });
    expect(events.at(-1)).toEqual({ type: 'end' });
  });

  it('a blocked prompt: start, then a 400 error naming the block reason, and nothing after', () => {
    const bytes = Buffer.from(
      geminiSse([
        {
          promptFeedback: { blockReason: 'PROHIBITED_CONTENT' },
          usageMetadata: { promptTokenCount: 6, totalTokenCount: 6 },
          modelVersion: 'gemini-2.5-flash',
          responseId: 'b',
        },
      ]),
    );
    const events = decode(bytes);
    expect(events).toEqual([
      { type: 'start', id: 'b', model: 'gemini-2.5-flash' },
      { type: 'error', status: 400, code: 'prompt_blocked', message: expect.stringContaining('PROHIBITED_CONTENT') },
    ]);
  });

  it("an error event from Google mid-stream becomes an IR error with Google's status, and ends the stream", () => {
    const bytes = Buffer.from(
      geminiSse([
        ...textStreamEvents(['Once upon']).map((e) => ({
          ...e,
          candidates: [{ ...e.candidates[0], finishReason: undefined }],
        })),
        { error: { code: 503, message: 'The model is overloaded. Please try again later.', status: 'UNAVAILABLE' } },
      ]) + geminiSse(textStreamEvents(['never']).slice(0)),
    );
    const events = decode(bytes);
    expect(events.slice(-1)).toEqual([
      { type: 'error', status: 503, code: 'UNAVAILABLE', message: 'The model is overloaded. Please try again later.' },
    ]);
    expect(events.map((e) => e.type)).toEqual(['start', 'text-delta', 'error']);
  });

  it('a body that ends before the finishReason is an error, never a silent truncation', () => {
    const [first] = textStreamEvents(['Once upon', ' a time']);
    const events = decode(Buffer.from(geminiSse([first])));
    expect(events.map((e) => e.type)).toEqual(['start', 'text-delta', 'error']);
    expect(events.at(-1)).toMatchObject({ status: 502 });
  });

  it('an empty body: start, then an error', () => {
    expect(decode(Buffer.alloc(0)).map((e) => e.type)).toEqual(['start', 'error']);
  });

  it('an event that is not JSON: a 502 error', () => {
    const events = decode(Buffer.from('data: {oops\r\n\r\n'));
    expect(events.at(-1)).toMatchObject({ type: 'error', status: 502 });
  });

  it('a last event without its blank line still counts', () => {
    const text = geminiSse(textStreamEvents(['Hi'])).replace(/\r\n\r\n$/, '');
    expect(decode(Buffer.from(text)).map((e) => e.type)).toEqual(['start', 'text-delta', 'finish', 'usage', 'end']);
  });
});

describe('Gemini stream: what the gateway never asks for', () => {
  it('piecewise function-call arguments (partialArgs) end the stream with an error rather than calls without arguments', () => {
    const bytes = Buffer.from(
      geminiSse([
        {
          candidates: [
            { content: { role: 'model', parts: [{ functionCall: { name: 'cookRecipe', willContinue: true } }] } },
          ],
          responseId: 'p',
        },
        {
          candidates: [
            {
              content: {
                role: 'model',
                parts: [{ functionCall: { partialArgs: [{ jsonPath: '$.dish', stringValue: 'soup' }] } }],
              },
            },
          ],
          responseId: 'p',
        },
      ]),
    );
    const events = decode(bytes);
    expect(events.map((e) => e.type)).toEqual(['start', 'error']);
    expect(events.at(-1)).toMatchObject({ status: 502, message: expect.stringContaining('partialArgs') });
  });
});

describe('Gemini stream usage (relayed untranslated)', () => {
  const event = (usage: object | undefined, text = 'hi') =>
    `data: ${JSON.stringify({
      candidates: [{ content: { role: 'model', parts: [{ text }] } }],
      ...(usage ? { usageMetadata: usage } : {}),
      modelVersion: 'gemini-2.5-flash',
    })}\r\n\r\n`;

  it('reads the last usageMetadata of the stream (each is cumulative), passing every byte unchanged', () => {
    const reader = geminiFormat.client!.streamUsage();
    const first = Buffer.from(event({ promptTokenCount: 5, candidatesTokenCount: 1 }));
    expect(reader.events(first)).toBe(first);
    const rest = Buffer.from(
      event({ promptTokenCount: 5, candidatesTokenCount: 2 }) +
        event(undefined) +
        event({ promptTokenCount: 5, candidatesTokenCount: 9, thoughtsTokenCount: 3 }),
    );
    expect(reader.events(rest)).toBe(rest);
    expect(reader.events(Buffer.from(event(undefined)))).toBeDefined();
    expect(reader.usage).toEqual({ inputTokens: 5, outputTokens: 12, reasoningTokens: 3 });
    expect(reader.model).toBe('gemini-2.5-flash');
  });

  it('keeps the usage read so far when a later usageMetadata is not an object', () => {
    const reader = geminiFormat.client!.streamUsage();
    reader.events(Buffer.from(event({ promptTokenCount: 2, candidatesTokenCount: 4 })));
    reader.events(Buffer.from('data: {"usageMetadata": null}\r\n\r\n'));
    expect(reader.usage).toEqual({ inputTokens: 2, outputTokens: 4 });
  });
});
