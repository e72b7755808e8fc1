import { GoogleGenAI } from '@google/genai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../test/helpers/gateway.ts';
import { MockUpstream, streamEvents } from '../test/helpers/mock-upstream.ts';
import { typedEvents } from '../test/helpers/native-mocks.ts';
import { geminiExpectations, haveRecordings, type Recording, recordings } from './recordings.ts';

/**
 * The recorded Gemini streams read back through the gateway's Gemini client format by the official
 * `@google/genai` SDK: replayed natively from a Gemini provider, and re-told by an OpenAI-format and
 * an Anthropic-format provider (the same text slices, function calls, finish and usage in their own
 * wire formats). Whichever provider answers, the SDK must read what the recording holds.
 */
const cases = recordings(['google'], (first) => Array.isArray(first?.candidates)).filter(
  (recording) => recording.kind === 'chunks' && !/"partialArgs"|"willContinue"/.test(recording.text),
);

const eventsOf = (recording: Recording): any[] =>
  recording.text
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line));

/** Per recorded event: its answer text and its function calls. */
function slices(recording: Recording) {
  return eventsOf(recording).map((event) => {
    const parts: any[] = event.candidates?.[0]?.content?.parts ?? [];
    return {
      text: parts
        .filter((p) => typeof p.text === 'string' && !p.thought)
        .map((p) => p.text)
        .join(''),
      calls: parts.filter((p) => p.functionCall).map((p) => p.functionCall),
    };
  });
}

const GEMINI_TO_OPENAI: Record<string, string> = { MAX_TOKENS: 'length', SAFETY: 'content_filter' };
const GEMINI_TO_ANTHROPIC: Record<string, string> = { MAX_TOKENS: 'max_tokens', SAFETY: 'refusal' };

function openAIStream(recording: Recording): string[] {
  const { finishReason, usage, calls } = geminiExpectations(recording);
  const chunk = (delta: object, finish: string | null = null, extra: object = {}) =>
    `data: ${JSON.stringify({ id: 'chatcmpl-r', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', choices: [{ index: 0, delta, finish_reason: finish }], ...extra })}\n\n`;
  const out = [chunk({ role: 'assistant', content: '' })];
  let index = 0;
  for (const slice of slices(recording)) {
    if (slice.text) out.push(chunk({ content: slice.text }));
    for (const call of slice.calls)
      out.push(
        chunk({
          tool_calls: [
            {
              index,
              id: `call_${index++}`,
              type: 'function',
              function: { name: call.name, arguments: JSON.stringify(call.args ?? {}) },
            },
          ],
        }),
      );
  }
  out.push(chunk({}, calls.length ? 'tool_calls' : (GEMINI_TO_OPENAI[finishReason] ?? 'stop')));
  out.push(
    `data: ${JSON.stringify({ id: 'chatcmpl-r', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', choices: [], usage: { prompt_tokens: usage.promptTokenCount, completion_tokens: (usage.candidatesTokenCount ?? 0) + (usage.thoughtsTokenCount ?? 0), completion_tokens_details: { reasoning_tokens: usage.thoughtsTokenCount ?? 0 } } })}\n\n`,
    'data: [DONE]\n\n',
  );
  return out;
}

function anthropicStream(recording: Recording): string[] {
  const { finishReason, usage, calls } = geminiExpectations(recording);
  const events: any[] = [
    {
      type: 'message_start',
      message: {
        id: 'msg_r',
        type: 'message',
        role: 'assistant',
        model: 'claude',
        content: [],
        stop_reason: null,
        usage: { input_tokens: usage.promptTokenCount, output_tokens: 1 },
      },
    },
  ];
  let block = -1;
  let open: 'text' | undefined;
  for (const slice of slices(recording)) {
    if (slice.text) {
      if (open !== 'text') {
        block++;
        open = 'text';
        events.push({ type: 'content_block_start', index: block, content_block: { type: 'text', text: '' } });
      }
      events.push({ type: 'content_block_delta', index: block, delta: { type: 'text_delta', text: slice.text } });
    }
    for (const call of slice.calls) {
      if (open) events.push({ type: 'content_block_stop', index: block });
      block++;
      open = undefined;
      events.push(
        {
          type: 'content_block_start',
          index: block,
          content_block: { type: 'tool_use', id: `toolu_${block}`, name: call.name, input: {} },
        },
        {
          type: 'content_block_delta',
          index: block,
          delta: { type: 'input_json_delta', partial_json: JSON.stringify(call.args ?? {}) },
        },
        { type: 'content_block_stop', index: block },
      );
    }
  }
  if (open) events.push({ type: 'content_block_stop', index: block });
  const stop = calls.length ? 'tool_use' : (GEMINI_TO_ANTHROPIC[finishReason] ?? 'end_turn');
  events.push(
    {
      type: 'message_delta',
      delta: { stop_reason: stop, stop_sequence: null },
      usage: { output_tokens: (usage.candidatesTokenCount ?? 0) + (usage.thoughtsTokenCount ?? 0) },
    },
    { type: 'message_stop' },
  );
  return typedEvents(events);
}

if (!haveRecordings) console.log('conformance: ../shared/fixtures/recorded not found; Gemini client replays skipped');

describe.skipIf(!haveRecordings)('recorded Gemini streams read back through the Gemini client format', () => {
  const gemini = new MockUpstream();
  const openai = new MockUpstream();
  const anthropic = new MockUpstream();
  let gw: TestGateway;
  let ai: GoogleGenAI;
  let current: Recording;

  beforeAll(async () => {
    await Promise.all([gemini.start(), openai.start(), anthropic.start()]);
    gemini.handle((_req, res) =>
      streamEvents(
        res,
        eventsOf(current).map((event) => `data: ${JSON.stringify(event)}\r\n\r\n`),
      ),
    );
    openai.handle((_req, res) => streamEvents(res, openAIStream(current)));
    anthropic.handle((_req, res) => streamEvents(res, anthropicStream(current)));
    gw = await startGateway({
      GEMINI_API_KEY: 'AIzaSy-conformance-client',
      GEMINI_BASE_URL: gemini.url,
      OPENAI_API_KEY: 'sk-conformance-client',
      OPENAI_BASE_URL: `${openai.url}/v1`,
      ANTHROPIC_API_KEY: 'sk-ant-conformance-client',
      ANTHROPIC_BASE_URL: anthropic.url,
    });
    ai = new GoogleGenAI({ apiKey: 'client', httpOptions: { baseUrl: gw.url } });
  });
  afterAll(async () => {
    await gw?.close();
    await Promise.all([gemini.close(), openai.close(), anthropic.close()]);
  });

  it('found recordings to replay', () => {
    expect(cases.length).toBeGreaterThanOrEqual(5);
  });

  const table = cases.flatMap((recording) =>
    (['gemini/gemini-2.5-flash', 'openai/gpt-4o', 'anthropic/claude-sonnet-4-5'] as const).map(
      (model) => [`${recording.name} from ${model.split('/')[0]}`, recording, model] as const,
    ),
  );

  it.each(table)('%s', async (_name, recording, model) => {
    current = recording;
    const expected = geminiExpectations(recording);
    const stream = await ai.models.generateContentStream({ model, contents: 'x' });
    let text = '';
    const calls: [string, unknown][] = [];
    let finishReason: string | undefined;
    let usage: any;
    for await (const chunk of stream) {
      for (const part of chunk.candidates?.[0]?.content?.parts ?? []) {
        if (typeof part.text === 'string' && !part.thought) text += part.text;
        if (part.functionCall) calls.push([part.functionCall.name ?? '', part.functionCall.args ?? {}]);
      }
      finishReason = chunk.candidates?.[0]?.finishReason ?? finishReason;
      usage = chunk.usageMetadata ?? usage;
    }
    expect(text).toBe(expected.text);
    expect(calls).toEqual(expected.calls);
    expect(finishReason).toBe(expected.finishReason);
    expect(usage.promptTokenCount).toBe(expected.usage.promptTokenCount);
    expect((usage.candidatesTokenCount ?? 0) + (usage.thoughtsTokenCount ?? 0)).toBe(
      (expected.usage.candidatesTokenCount ?? 0) + (expected.usage.thoughtsTokenCount ?? 0),
    );
  });
});
