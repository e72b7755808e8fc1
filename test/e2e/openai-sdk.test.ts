import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import { chatCompletion, chatCompletionChunks, json, MockUpstream, streamEvents } from '../helpers/mock-upstream.ts';

describe('the official openai SDK through the gateway', () => {
  let upstream: MockUpstream;
  let gw: TestGateway;
  let client: OpenAI;

  beforeAll(async () => {
    upstream = await new MockUpstream().start();
    upstream.handle(async (req, res) => {
      if (req.url === '/v1/embeddings') {
        const inputs: string[] = Array.isArray(req.json.input) ? req.json.input : [req.json.input];
        return json(res, 200, {
          object: 'list',
          data: inputs.map((_, index) => ({
            object: 'embedding',
            index,
            embedding: [0.0023064255, -0.009327292, 0.015797347],
          })),
          model: req.json.model,
          usage: { prompt_tokens: 8, total_tokens: 8 },
        });
      }
      if (req.json.stream) return streamEvents(res, chatCompletionChunks(['Hel', 'lo ', 'there', '!']));
      return json(res, 200, chatCompletion('Hello there!'), { 'x-request-id': 'req_upstream_1' });
    });
    gw = await startGateway({ OPENAI_API_KEY: 'sk-provider-key', OPENAI_BASE_URL: `${upstream.url}/v1` });
    client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'client-key', maxRetries: 0 });
  });
  afterAll(async () => {
    await gw.close();
    await upstream.close();
  });

  it('creates a chat completion', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe('Hello there!');
    expect(data.usage?.total_tokens).toBe(29);
    expect(response.headers.get('x-gateway-provider')).toBe('openai');
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers.get('x-upstream-request-id')).toBe('req_upstream_1');
    expect(upstream.last.url).toBe('/v1/chat/completions');
    expect(upstream.last.json).toEqual({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
    expect(upstream.last.headers.authorization).toBe('Bearer sk-provider-key');
  });

  it('streams a chat completion whose deltas reassemble to the upstream text', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
    });
    let text = '';
    const roles: (string | undefined)[] = [];
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      roles.push(chunk.choices[0]?.delta.role);
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(text).toBe('Hello there!');
    expect(roles[0]).toBe('assistant');
    expect(finish).toBe('stop');
  });

  it('creates embeddings', async () => {
    const result = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['a', 'b'] });
    expect(result.data).toHaveLength(2);
    expect(result.data[1]?.embedding).toEqual([0.0023064255, -0.009327292, 0.015797347]);
    expect(upstream.last.url).toBe('/v1/embeddings');
  });

  it("surfaces the provider's own error with its status", async () => {
    upstream.handle((_req, res) =>
      json(res, 429, {
        error: {
          message: 'Rate limit reached for gpt-4o-mini',
          type: 'requests',
          param: null,
          code: 'rate_limit_exceeded',
        },
      }),
    );
    const error = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] })
      .catch((e) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(error.status).toBe(429);
    expect(error.code).toBe('rate_limit_exceeded');
    expect(error.message).toContain('Rate limit reached');
  });
});
