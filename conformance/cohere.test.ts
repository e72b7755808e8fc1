import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../test/helpers/gateway.ts';
import { MockUpstream, streamEvents } from '../test/helpers/mock-upstream.ts';
import { haveRecordings, type Recording, readOpenAIAnswer, recordings } from './recordings.ts';

/**
 * Replays real Cohere v2 answers (chat, chat streams re-framed as `event: <type>` + `data:`
 * per SOURCE.md, embeddings) through the gateway to an OpenAI client. What the client gets must
 * hold every text, tool call, finish reason and embedding the recording holds.
 */
const cases = recordings(
  ['cohere'],
  (first) => first?.message !== undefined || first?.type === 'message-start' || first?.embeddings !== undefined,
);

const lines = (text: string): Record<string, any>[] =>
  text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));

const FINISH: Record<string, string> = {
  COMPLETE: 'stop',
  STOP_SEQUENCE: 'stop',
  MAX_TOKENS: 'length',
  TOOL_CALL: 'tool_calls',
};

/** Cohere sends `"null"` or nothing as the arguments of argument-less calls; clients get `{}`. */
const args = (text: string) => (text.trim() === '' || text.trim() === 'null' ? {} : JSON.parse(text));

/** What the recording says: the visible text (content and tool plan), tool calls and the finish reason. */
function expectedOf(recording: Recording): { text: string; tools: { name: string; args: unknown }[]; finish: string } {
  if (recording.kind === 'json') {
    const answer = JSON.parse(recording.text);
    const message = answer.message;
    const content = (message.content ?? [])
      .filter((c: any) => c.type === 'text')
      .map((c: any) => c.text)
      .join('');
    return {
      text: content + (message.tool_plan ?? ''),
      tools: (message.tool_calls ?? []).map((call: any) => ({
        name: call.function.name,
        args: args(call.function.arguments),
      })),
      finish: FINISH[answer.finish_reason] ?? 'stop',
    };
  }
  let text = '';
  let finish = 'stop';
  const tools = new Map<number, { name: string; args: string }>();
  for (const event of lines(recording.text)) {
    const message = event.delta?.message;
    if (event.type === 'content-delta' && typeof message?.content?.text === 'string') text += message.content.text;
    if (event.type === 'tool-plan-delta') text += message.tool_plan;
    if (event.type === 'tool-call-start')
      tools.set(event.index, {
        name: message.tool_calls.function.name,
        args: message.tool_calls.function.arguments ?? '',
      });
    if (event.type === 'tool-call-delta')
      (tools.get(event.index) as { args: string }).args += message.tool_calls.function.arguments;
    if (event.type === 'message-end') finish = FINISH[event.delta.finish_reason] ?? 'stop';
  }
  return { text, tools: [...tools.values()].map((tool) => ({ name: tool.name, args: args(tool.args) })), finish };
}

if (!haveRecordings) console.log('conformance: ../shared/fixtures/recorded not found; Cohere replays skipped');

describe.skipIf(!haveRecordings)('recorded Cohere answers replayed through the gateway to an OpenAI client', () => {
  let upstream: MockUpstream;
  let gw: TestGateway;
  let current: Recording;
  let client: OpenAI;

  beforeAll(async () => {
    upstream = await new MockUpstream().start();
    upstream.handle(async (_req, res) => {
      if (current.kind === 'chunks')
        return streamEvents(
          res,
          lines(current.text).map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`),
        );
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(current.text);
    });
    gw = await startGateway({ COHERE_API_KEY: 'conformance-cohere-key', COHERE_BASE_URL: upstream.url });
    client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'client', maxRetries: 0, timeout: 10_000 });
  });
  afterAll(async () => {
    await gw?.close();
    await upstream?.close();
  });

  it('found recordings to replay', () => {
    expect(cases.length).toBeGreaterThan(8);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, recording) => {
    current = recording;
    const first = JSON.parse(recording.kind === 'json' ? recording.text : (recording.text.split('\n')[0] as string));
    if (first.embeddings) {
      const data = await client.embeddings.create({
        model: 'cohere/embed-v4.0',
        input: first.texts,
        encoding_format: 'float',
      });
      expect(data.data.map((d) => d.embedding)).toEqual(first.embeddings.float);
      expect(data.usage.prompt_tokens).toBe(first.meta.billed_units.input_tokens);
      return;
    }
    const expected = expectedOf(recording);
    const request = { model: 'cohere/command-a-03-2025', messages: [{ role: 'user' as const, content: 'x' }] };
    const { text, finish, calls } = await readOpenAIAnswer(client, request, recording.kind !== 'json');
    expect(text).toBe(expected.text);
    expect(calls.map((call) => ({ name: call.name, args: JSON.parse(call.args) }))).toEqual(expected.tools);
    expect(finish).toBe(expected.finish);
  });
});
