import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import { chatCompletionChunks, json, MockUpstream, streamEvents } from '../helpers/mock-upstream.ts';

const anthropicStream = (text: string) =>
  [
    {
      type: 'message_start',
      message: {
        id: 'msg_fb',
        type: 'message',
        role: 'assistant',
        model: 'claude-sonnet-4-5-20250929',
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 9, output_tokens: 1 },
      },
    },
    { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
    { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } },
    { type: 'content_block_stop', index: 0 },
    { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 4 } },
    { type: 'message_stop' },
  ].map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);

/** Fallback between providers of different wire formats: each candidate gets the request in its own. */
describe('fallback across wire formats', () => {
  let openai: MockUpstream;
  let anthropic: MockUpstream;
  let gw: TestGateway;
  let openaiStatus = 503;
  let anthropicStatus = 200;

  beforeAll(async () => {
    openai = await new MockUpstream().start();
    anthropic = await new MockUpstream().start();
    openai.handle((req, res) => {
      if (openaiStatus !== 200)
        return json(res, openaiStatus, { error: { message: 'overloaded', type: 'server_error' } });
      return streamEvents(res, chatCompletionChunks(['from ', 'openai'], req.json.model));
    });
    anthropic.handle((_req, res) => {
      if (anthropicStatus !== 200)
        return json(res, anthropicStatus, {
          type: 'error',
          error: { type: 'overloaded_error', message: 'Overloaded' },
        });
      return streamEvents(res, anthropicStream('from anthropic'));
    });
    gw = await startGateway({
      OPENAI_API_KEY: 'sk-openai-SECRET-5',
      OPENAI_BASE_URL: `${openai.url}/v1`,
      ANTHROPIC_API_KEY: 'sk-ant-SECRET-6',
      ANTHROPIC_BASE_URL: anthropic.url,
      ROUTES: JSON.stringify({
        smart: ['openai/gpt-4o', 'anthropic/claude-sonnet-4-5'],
        claude_first: ['anthropic/claude-sonnet-4-5', 'openai/gpt-4o'],
      }),
      ROUTING_STRATEGY: 'priority',
      MAX_RETRIES: '0',
    });
  });
  afterAll(async () => {
    await gw.close();
    await openai.close();
    await anthropic.close();
  });

  it('an OpenAI client falls over from a failing OpenAI provider to Anthropic, streamed', async () => {
    openaiStatus = 503;
    anthropicStatus = 200;
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'x', maxRetries: 0 });
    const { data: stream, response } = await client.chat.completions
      .create({
        model: 'smart',
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: 'user', content: 'Hi' }],
      })
      .withResponse();
    expect(response.headers.get('x-gateway-provider')).toBe('anthropic');
    expect(response.headers.get('x-gateway-model')).toBe('claude-sonnet-4-5');
    expect(response.headers.get('x-gateway-attempts')).toBe('2');
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe('from anthropic');
    expect(usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 4 });
    // Each provider got the request in its own format.
    expect(openai.last.json).toMatchObject({
      model: 'gpt-4o',
      stream: true,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(anthropic.last.json).toMatchObject({
      model: 'claude-sonnet-4-5',
      stream: true,
      max_tokens: 4096,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
    });
    const line = gw.logs.findLast((l) => l.msg === 'request') as Record<string, any>;
    expect(line.attempts.map((a: { provider: string; outcome: string }) => `${a.provider}:${a.outcome}`)).toEqual([
      'openai:503',
      'anthropic:200',
    ]);
  });

  it("an Anthropic client falls over from Anthropic's 529 overloaded to an OpenAI provider", async () => {
    openaiStatus = 200;
    anthropicStatus = 529;
    const client = new Anthropic({ baseURL: gw.url, apiKey: 'x', maxRetries: 0 });
    const final = await client.messages
      .stream({ model: 'claude_first', max_tokens: 50, messages: [{ role: 'user', content: 'Hi' }] })
      .finalMessage();
    expect(final.content).toEqual([expect.objectContaining({ type: 'text', text: 'from openai' })]);
    expect(openai.last.json.messages).toEqual([{ role: 'user', content: 'Hi' }]);
  });

  it('a candidate that cannot express the request is left out; the others still serve it', async () => {
    openaiStatus = 200;
    anthropicStatus = 200;
    const before = anthropic.received.length;
    const response = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'claude_first',
        logprobs: true,
        messages: [{ role: 'user', content: 'Hi' }],
        stream: true,
      }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-gateway-provider')).toBe('openai');
    expect(response.headers.get('x-gateway-attempts')).toBe('1');
    await response.text();
    expect(anthropic.received.length).toBe(before);
    expect(openai.last.json.logprobs).toBe(true);
  });

  it('no fallback once the stream started: the client gets the error event', async () => {
    openaiStatus = 200;
    anthropic.handle((_req, res) => streamEvents(res, anthropicStream('partial').slice(0, 3)));
    const response = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude_first', messages: [{ role: 'user', content: 'Hi' }], stream: true }),
    });
    const text = await response.text();
    expect(response.headers.get('x-gateway-provider')).toBe('anthropic');
    expect(text).toContain('"content":"partial"');
    expect(text).toMatch(/data: \{"error":\{.*"code":"upstream_stream_incomplete"\}\}\n\n$/);
  });
});
