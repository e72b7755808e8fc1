import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../../helpers/gateway.ts';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway({ DEMO: 'true' });
});
afterAll(() => gw.close());

const openai = () => new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'unused' });

describe('demo provider', () => {
  it('answers an OpenAI chat completion with usage, marked as the demo', async () => {
    const { data, response } = await openai()
      .chat.completions.create({ model: 'demo', messages: [{ role: 'user', content: 'Hello there' }] })
      .withResponse();
    expect(response.headers.get('x-gateway-demo')).toBe('true');
    expect(response.headers.get('x-gateway-provider')).toBe('demo');
    expect(data.object).toBe('chat.completion');
    expect(data.choices[0]?.message.content).toContain('You said: "Hello there"');
    expect(data.choices[0]?.finish_reason).toBe('stop');
    expect(data.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(data.usage?.total_tokens).toBe((data.usage?.prompt_tokens ?? 0) + (data.usage?.completion_tokens ?? 0));
    expect(response.headers.get('x-gateway-usage')).toMatch(/^input=\d+; .*output=\d+/);
    expect(response.headers.get('x-gateway-cost-usd')).toBe('0');
  });

  it('streams chat chunks that the OpenAI SDK assembles, ending with usage and [DONE]', async () => {
    const stream = await openai().chat.completions.create({
      model: 'demo',
      messages: [{ role: 'user', content: 'stream please' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: unknown;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(chunks).toBeGreaterThan(5);
    expect(text).toContain('You said: "stream please"');
    expect(usage).toMatchObject({ prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number) });
  });

  it('honours max_tokens by cutting the answer with finish_reason length', async () => {
    const data = await openai().chat.completions.create({
      model: 'demo',
      max_tokens: 3,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(data.choices[0]?.finish_reason).toBe('length');
    expect(data.usage?.completion_tokens).toBeLessThanOrEqual(3);
  });

  it('answers Anthropic Messages, whole and streamed, through the translation', async () => {
    const anthropic = new Anthropic({ baseURL: gw.url, apiKey: 'unused' });
    const { data, response } = await anthropic.messages
      .create({ model: 'demo', max_tokens: 200, messages: [{ role: 'user', content: 'Bonjour' }] })
      .withResponse();
    expect(response.headers.get('x-gateway-demo')).toBe('true');
    expect(data.type).toBe('message');
    expect(data.content[0]).toMatchObject({ type: 'text', text: expect.stringContaining('Bonjour') });
    expect(data.usage.input_tokens).toBeGreaterThan(0);
    const stream = anthropic.messages.stream({
      model: 'demo',
      max_tokens: 200,
      messages: [{ role: 'user', content: 'Bonjour stream' }],
    });
    const final = await stream.finalMessage();
    expect(final.content[0]).toMatchObject({ type: 'text', text: expect.stringContaining('Bonjour stream') });
    expect(final.stop_reason).toBe('end_turn');
    expect(final.usage.output_tokens).toBeGreaterThan(0);
  });

  it('answers the Responses API, whole and streamed', async () => {
    const client = openai();
    const whole = await client.responses.create({ model: 'demo', input: 'Responses hello' });
    expect(whole.output_text).toContain('Responses hello');
    expect(whole.usage?.output_tokens).toBeGreaterThan(0);
    const stream = await client.responses.create({ model: 'demo', input: 'Responses stream', stream: true });
    let text = '';
    let completed = false;
    for await (const event of stream) {
      if (event.type === 'response.output_text.delta') text += event.delta;
      if (event.type === 'response.completed') completed = true;
    }
    expect(text).toContain('Responses stream');
    expect(completed).toBe(true);
  });

  it('answers embeddings deterministically, as floats or base64', async () => {
    const client = openai();
    const a = await client.embeddings.create({
      model: 'demo-embedding',
      input: ['same', 'other'],
      encoding_format: 'float',
    });
    const b = await client.embeddings.create({ model: 'demo-embedding', input: 'same', encoding_format: 'float' });
    expect(a.data).toHaveLength(2);
    expect(a.data[0]?.embedding).toHaveLength(16);
    expect(a.data[0]?.embedding).toEqual(b.data[0]?.embedding);
    expect(a.data[0]?.embedding).not.toEqual(a.data[1]?.embedding);
    // The SDK asks for base64 by default and decodes it.
    const base64 = await client.embeddings.create({ model: 'demo-embedding', input: 'same', dimensions: 4 });
    expect(base64.data[0]?.embedding).toHaveLength(4);
  });

  it('lists its models and refuses a malformed request in OpenAI error shape', async () => {
    const models = await openai().models.list();
    expect(models.data.map((m) => m.id)).toEqual(expect.arrayContaining(['demo/demo', 'demo/demo-embedding']));
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'demo', messages: 'not a list' }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error');
  });

  it('a client hanging up mid-stream ends the exchange; the next request is answered', async () => {
    const abort = new AbortController();
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'demo', stream: true, messages: [{ role: 'user', content: 'long' }] }),
      signal: abort.signal,
    });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    abort.abort();
    for (let i = 0; i < 100 && !gw.logs.some((l) => l.clientAborted === true); i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(gw.logs.find((l) => l.clientAborted === true)).toMatchObject({ provider: 'demo', stream: true });
    const next = await openai().chat.completions.create({
      model: 'demo',
      messages: [{ role: 'user', content: 'again' }],
    });
    expect(next.choices[0]?.message.content).toContain('again');
  });

  it('stays off unless DEMO is true', async () => {
    const off = await startGateway({ DEMO: 'false', OPENAI_API_KEY: 'sk-test-demo-off' });
    try {
      const status = await fetch(`${off.url}/health`).then((r) => r.json());
      expect(status).toMatchObject({ providers: ['openai'] });
    } finally {
      await off.close();
    }
  });
});
