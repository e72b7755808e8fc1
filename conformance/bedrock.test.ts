import { EventStreamCodec } from '@smithy/eventstream-codec';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../test/helpers/gateway.ts';
import { MockUpstream, sleep } from '../test/helpers/mock-upstream.ts';
import { haveRecordings, type Recording, readOpenAIAnswer, recordings } from './recordings.ts';

/**
 * Replays real Bedrock Converse and ConverseStream answers through the gateway to an OpenAI
 * client: streams re-framed as `application/vnd.amazon.eventstream` (SOURCE.md) and delivered in
 * pieces cut inside the frames, whole answers as they are. What the client gets must hold every
 * text, tool call and stop reason the recording holds.
 */
const CONVERSE_EVENTS = [
  'messageStart',
  'contentBlockStart',
  'contentBlockDelta',
  'contentBlockStop',
  'messageStop',
  'metadata',
];
const cases = recordings(
  ['amazon-bedrock'],
  (first) => first?.output !== undefined || CONVERSE_EVENTS.some((name) => first?.[name] !== undefined),
);

const codec = new EventStreamCodec(
  (bytes) => new TextDecoder().decode(bytes),
  (text) => new TextEncoder().encode(text),
);
const str = (value: string) => ({ type: 'string' as const, value });

/** Each `{"<eventType>": payload}` line as one event-stream frame. */
function frames(text: string): Buffer[] {
  return lines(text).map((line) => {
    const [eventType, payload] = Object.entries(line)[0] as [string, unknown];
    const headers = {
      ':event-type': str(eventType),
      ':content-type': str('application/json'),
      ':message-type': str('event'),
    };
    return Buffer.from(codec.encode({ headers, body: new TextEncoder().encode(JSON.stringify(payload)) }));
  });
}

const lines = (text: string): Record<string, any>[] =>
  text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));

const FINISH: Record<string, string> = {
  end_turn: 'stop',
  tool_use: 'tool_calls',
  max_tokens: 'length',
  stop_sequence: 'stop',
};

/** What the recording says the answer is: its text, its tool calls (name and arguments) and why it stopped. */
function expectedOf(recording: Recording): { text: string; tools: { name: string; args: unknown }[]; finish: string } {
  if (recording.kind === 'json') {
    const answer = JSON.parse(recording.text);
    const content: any[] = answer.output.message.content;
    return {
      text: content.map((block) => (typeof block.text === 'string' ? block.text : '')).join(''),
      tools: content
        .filter((block) => block.toolUse)
        .map((block) => ({ name: block.toolUse.name, args: block.toolUse.input ?? {} })),
      finish: FINISH[answer.stopReason] ?? 'stop',
    };
  }
  const events = lines(recording.text);
  const tools = new Map<number, { name: string; args: string }>();
  let text = '';
  let finish = 'stop';
  for (const event of events) {
    if (event.contentBlockStart?.start?.toolUse)
      tools.set(event.contentBlockStart.contentBlockIndex, {
        name: event.contentBlockStart.start.toolUse.name,
        args: '',
      });
    const delta = event.contentBlockDelta?.delta;
    if (typeof delta?.text === 'string') text += delta.text;
    const tool = tools.get(event.contentBlockDelta?.contentBlockIndex);
    if (tool && typeof delta?.toolUse?.input === 'string') tool.args += delta.toolUse.input;
    if (event.messageStop) finish = FINISH[event.messageStop.stopReason] ?? 'stop';
  }
  return {
    text,
    tools: [...tools.values()].map((tool) => ({ name: tool.name, args: tool.args ? JSON.parse(tool.args) : {} })),
    finish,
  };
}

if (!haveRecordings) console.log('conformance: ../shared/fixtures/recorded not found; Bedrock replays skipped');

describe.skipIf(!haveRecordings)('recorded Bedrock answers replayed through the gateway to an OpenAI client', () => {
  let upstream: MockUpstream;
  let gw: TestGateway;
  let current: Recording;
  let client: OpenAI;

  beforeAll(async () => {
    upstream = await new MockUpstream().start();
    upstream.handle(async (_req, res) => {
      if (current.kind === 'json') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(current.text);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream' });
      // Each frame in two pieces, the cut inside its prelude.
      for (const frame of frames(current.text)) {
        res.write(frame.subarray(0, 7));
        await sleep(1);
        res.write(frame.subarray(7));
      }
      res.end();
    });
    gw = await startGateway({
      AWS_REGION: 'us-west-2',
      AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'conformance-secret-key',
      BEDROCK_BASE_URL: upstream.url,
    });
    client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'client', maxRetries: 0, timeout: 10_000 });
  });
  afterAll(async () => {
    await gw?.close();
    await upstream?.close();
  });

  it('found recordings to replay', () => {
    expect(cases.length).toBeGreaterThan(15);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, recording) => {
    current = recording;
    const expected = expectedOf(recording);
    const request = {
      model: 'bedrock/anthropic.claude-3-5-sonnet-20241022-v2:0',
      messages: [{ role: 'user' as const, content: 'x' }],
    };
    const { text, finish, calls } = await readOpenAIAnswer(client, request, recording.kind !== 'json');
    expect(text).toBe(expected.text);
    expect(calls.map((call) => ({ name: call.name, args: JSON.parse(call.args) }))).toEqual(expected.tools);
    expect(finish).toBe(expected.finish);
  });
});
