import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startGateway, type TestGateway, waitForLog } from '../helpers/gateway.ts';
import { json, MockUpstream, sleep, streamEvents } from '../helpers/mock-upstream.ts';

/** A Messages API stream as Anthropic's API reference shows it. */
function messageStream(text: string[]): string[] {
  const event = (type: string, data: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
  return [
    event('message_start', {
      message: {
        id: 'msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY',
        type: 'message',
        role: 'assistant',
        content: [],
        model: 'claude-sonnet-4-5-20250929',
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 25, output_tokens: 1, cache_read_input_tokens: 10, cache_creation_input_tokens: 0 },
      },
    }),
    event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
    event('ping', {}),
    ...text.map((t) => event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: t } })),
    event('content_block_stop', { index: 0 }),
    event('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 15 } }),
    event('message_stop', {}),
  ];
}

describe('native Anthropic Messages API (same format, passed through)', () => {
  let upstream: MockUpstream;
  let gw: TestGateway;
  let streamed: string[] = [];

  beforeAll(async () => {
    upstream = await new MockUpstream().start();
    upstream.handle(async (req, res) => {
      if (req.url === '/v1/messages/count_tokens') return json(res, 200, { input_tokens: 14 });
      if (req.json.model === 'claude-broken') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(messageStream(['Hi'])[0]);
        await sleep(20);
        res.socket?.destroy();
        return;
      }
      streamed = messageStream(['Hello', ' there', '!']);
      if (req.json.stream) return streamEvents(res, streamed);
      json(res, 200, {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: 'claude-sonnet-4-5-20250929',
        content: [{ type: 'text', text: 'Hello there!' }],
        stop_reason: 'end_turn',
        stop_sequence: null,
        usage: { input_tokens: 25, output_tokens: 15, cache_read_input_tokens: 10, cache_creation_input_tokens: 0 },
      });
    });
    gw = await startGateway({
      ANTHROPIC_API_KEY: 'sk-ant-SECRET',
      ANTHROPIC_BASE_URL: upstream.url,
      OPENAI_API_KEY: 'k',
    });
  });
  afterAll(async () => {
    await gw.close();
    await upstream.close();
  });

  const client = () => new Anthropic({ baseURL: gw.url, apiKey: 'client-key', maxRetries: 0 });

  it('messages.create reaches /v1/messages with the provider key; anthropic-version defaults when absent', async () => {
    const message = await client().messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(message.content[0]).toEqual({ type: 'text', text: 'Hello there!' });
    expect(upstream.last.url).toBe('/v1/messages');
    expect(upstream.last.headers['x-api-key']).toBe('sk-ant-SECRET');
    expect(upstream.last.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/); // the SDK's own
    await postJson(`${gw.url}/v1/messages`, { model: 'claude-sonnet-4-5', max_tokens: 1, messages: [] });
    expect(upstream.last.headers['anthropic-version']).toBe('2023-06-01');
    const raw = await postJson(
      `${gw.url}/v1/messages`,
      { model: 'claude-sonnet-4-5', max_tokens: 1, messages: [] },
      { 'anthropic-version': '2099-01-01', 'anthropic-beta': 'tools-x' },
    );
    expect(raw.headers.get('x-gateway-provider')).toBe('anthropic');
    expect(upstream.last.headers['anthropic-version']).toBe('2099-01-01');
    expect(upstream.last.headers['anthropic-beta']).toBe('tools-x');
  });

  it('prices the answer from Anthropic usage (cache reads at the cached price)', async () => {
    const raw = await postJson(`${gw.url}/v1/messages`, { model: 'claude-sonnet-4-5', max_tokens: 1, messages: [] });
    expect(raw.headers.get('x-gateway-usage')).toBe('input=35; cached_input=10; cache_write=0; output=15; reasoning=0');
    expect(Number(raw.headers.get('x-gateway-cost-usd'))).toBeCloseTo((25 * 3 + 10 * 0.3 + 15 * 15) / 1e6, 12);
  });

  it('streams event by event, byte for byte, and reads the usage', async () => {
    const response = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'claude-sonnet-4-5',
        max_tokens: 100,
        stream: true,
        messages: [{ role: 'user', content: 'Hi' }],
      }),
    });
    expect(await response.text()).toBe(streamed.join(''));
    const line = await waitForLog(gw, (l) => l.requestId === response.headers.get('x-request-id'));
    expect(line.usage).toEqual({ inputTokens: 35, cachedInputTokens: 10, cacheWriteInputTokens: 0, outputTokens: 15 });
    expect(line.costUsd).toBeCloseTo((25 * 3 + 10 * 0.3 + 15 * 15) / 1e6, 12);
  });

  it('messages.stream().finalMessage() works through the gateway', async () => {
    const final = await client()
      .messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] })
      .finalMessage();
    expect(final.content).toEqual([{ type: 'text', text: 'Hello there!' }]);
    expect(final.usage.output_tokens).toBe(15);
  });

  it('count_tokens passes through', async () => {
    const counted = await client().messages.countTokens({
      model: 'claude-sonnet-4-5',
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(counted.input_tokens).toBe(14);
    expect(upstream.last.url).toBe('/v1/messages/count_tokens');
  });

  it('a mid-stream break ends with an Anthropic error event, which the SDK raises', async () => {
    const response = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'anthropic/claude-broken', max_tokens: 1, stream: true, messages: [] }),
    });
    const text = await response.text();
    expect(text).toMatch(
      /event: error\ndata: \{"type":"error","error":\{"type":"api_error","message":"The stream from provider 'anthropic' broke off/,
    );
    const stream = client().messages.stream({ model: 'anthropic/claude-broken', max_tokens: 1, messages: [] });
    await expect(stream.finalMessage()).rejects.toThrow(/broke off/);
  });

  it('errors on /v1/messages use the Anthropic shape', async () => {
    const invalid = await postJson(`${gw.url}/v1/messages`, '{oops');
    expect(invalid.status).toBe(400);
    expect(invalid.json).toEqual({
      type: 'error',
      error: { type: 'invalid_request_error', message: 'The request body is not valid JSON.' },
    });
    // A server tool only Anthropic runs cannot be sent to an OpenAI-format provider: refused by name.
    const toOpenAI = await postJson(`${gw.url}/v1/messages`, {
      model: 'gpt-4o',
      max_tokens: 1,
      messages: [{ role: 'user', content: 'Hi' }],
      tools: [{ type: 'web_search_20250305', name: 'web_search' }],
    });
    expect(toOpenAI.status).toBe(400);
    expect(toOpenAI.json).toEqual({
      type: 'error',
      error: { type: 'invalid_request_error', message: expect.stringMatching(/Parameter 'tools' is not supported/) },
    });
  });
});
