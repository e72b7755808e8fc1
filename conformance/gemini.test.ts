import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../test/helpers/gateway.ts';
import { MockUpstream, streamEvents } from '../test/helpers/mock-upstream.ts';
import { geminiExpectations as expectations, haveRecordings, type Recording, recordings } from './recordings.ts';

/**
 * Replays real Gemini API answers (generateContent, streamGenerateContent?alt=sse and Google's
 * errors) from a mock Gemini upstream, through the gateway, to the official OpenAI SDK: the text,
 * tool calls, finish reason and usage the SDK reads must be the recording's.
 *
 * Left out: Interactions API and Live API recordings (other APIs), and streams of piecewise
 * function-call arguments (`partialArgs`, only sent when asked for, which the gateway never does).
 */
const cases = recordings(
  ['google'],
  (first) => Array.isArray(first?.candidates) || (first?.error && typeof first.error.code === 'number'),
).filter((recording) => !recording.text.includes('"partialArgs"'));

if (!haveRecordings) console.log('conformance: ../shared/fixtures/recorded not found; Gemini replays skipped');

/** Each line of a `.chunks.txt` recording framed as `alt=sse` sends it. */
const sseFrames = (text: string) =>
  text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => `data: ${line}\r\n\r\n`);

describe.skipIf(!haveRecordings)('recorded Gemini answers replayed through the gateway to the OpenAI SDK', () => {
  let upstream: MockUpstream;
  let gw: TestGateway;
  let client: OpenAI;
  let current: Recording;

  beforeAll(async () => {
    upstream = await new MockUpstream().start();
    upstream.handle(async (_req, res) => {
      if (current.kind === 'chunks') return streamEvents(res, sseFrames(current.text));
      const status = JSON.parse(current.text).error?.code ?? 200;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(current.text);
    });
    gw = await startGateway({ GEMINI_API_KEY: 'AIzaSy-conformance-key', GEMINI_BASE_URL: upstream.url });
    client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'client', maxRetries: 0, timeout: 10_000 });
  });
  afterAll(async () => {
    await gw?.close();
    await upstream?.close();
  });

  it('found recordings to replay', () => {
    expect(cases.length).toBeGreaterThanOrEqual(10);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, recording) => {
    current = recording;
    const request = { model: 'gemini-2.5-flash', messages: [{ role: 'user' as const, content: 'x' }] };
    const first = JSON.parse(recording.kind === 'json' ? recording.text : recording.text.split('\n')[0]!);

    if (first.error) {
      const error = await client.chat.completions.create(request).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.APIError);
      expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(first.error.code);
      expect((error as Error).message).toContain(first.error.message);
      return;
    }

    const expected = expectations(recording);
    const finish = expected.calls.length ? 'tool_calls' : 'stop';
    const usage = {
      prompt_tokens: expected.usage.promptTokenCount,
      completion_tokens: (expected.usage.candidatesTokenCount ?? 0) + (expected.usage.thoughtsTokenCount ?? 0),
    };

    if (recording.kind === 'json') {
      const completion = await client.chat.completions.create(request);
      const message = completion.choices[0]!.message;
      expect(message.content ?? '').toBe(expected.text);
      expect(
        (message.tool_calls ?? []).map((c) =>
          c.type === 'function' ? [c.function.name, JSON.parse(c.function.arguments)] : [],
        ),
      ).toEqual(expected.calls);
      expect(completion.choices[0]!.finish_reason).toBe(finish);
      expect(completion.usage).toMatchObject(usage);
      return;
    }

    const stream = await client.chat.completions.create({
      ...request,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    const calls: { name: string; arguments: string }[] = [];
    let finishReason: string | null | undefined;
    let streamedUsage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      for (const delta of chunk.choices[0]?.delta.tool_calls ?? []) {
        const call = (calls[delta.index] ??= { name: '', arguments: '' });
        call.name += delta.function?.name ?? '';
        call.arguments += delta.function?.arguments ?? '';
      }
      finishReason = chunk.choices[0]?.finish_reason ?? finishReason;
      streamedUsage = chunk.usage ?? streamedUsage;
    }
    expect(text).toBe(expected.text);
    expect(calls.map((c) => [c.name, JSON.parse(c.arguments)])).toEqual(expected.calls);
    expect(finishReason).toBe(finish);
    expect(streamedUsage).toMatchObject(usage);
  });
});
