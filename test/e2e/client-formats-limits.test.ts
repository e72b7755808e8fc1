/** Gemini and Ollama routes are metered and limited like every other model route; refusals in each client's shape. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startGateway, type TestGateway } from '../helpers/gateway.ts';
import { chatCompletion, json, MockUpstream } from '../helpers/mock-upstream.ts';

describe('rate limits on the Gemini and Ollama routes', () => {
  const upstream = new MockUpstream();
  let gw: TestGateway;

  beforeAll(async () => {
    await upstream.start();
    upstream.handle((_req, res) => json(res, 200, chatCompletion('ok')));
    gw = await startGateway({
      OPENAI_API_KEY: 'sk-limits-client-formats',
      OPENAI_BASE_URL: `${upstream.url}/v1`,
      GATEWAY_API_KEYS: 'gemini-user:gw-key-gemini-user,ollama-user:gw-key-ollama-user',
      RATE_LIMIT_RPM: '1',
    });
  });
  afterAll(async () => {
    await gw.close();
    await upstream.close();
  });

  it('counts Gemini calls per gateway key and refuses the next in Google’s shape', async () => {
    const call = () =>
      postJson(`${gw.url}/v1beta/models/openai/gpt-4o-mini:generateContent?key=gw-key-gemini-user`, {
        contents: [{ parts: [{ text: 'hi' }] }],
      });
    expect((await call()).status).toBe(200);
    const refused = await call();
    expect(refused.status).toBe(429);
    expect(refused.json.error).toMatchObject({ code: 429, status: 'RESOURCE_EXHAUSTED' });
    expect(refused.headers.get('retry-after')).toBeTruthy();
  });

  it('counts Ollama calls and refuses the next as {"error"}', async () => {
    const call = () =>
      postJson(
        `${gw.url}/api/chat`,
        { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: false },
        { authorization: 'Bearer gw-key-ollama-user' },
      );
    expect((await call()).status).toBe(200);
    const refused = await call();
    expect(refused.status).toBe(429);
    expect(refused.json).toEqual({ error: expect.any(String) });
    const line = gw.logs.find((l) => l.path === '/api/chat' && l.status === 200);
    expect(line?.usage).toMatchObject({ inputTokens: 19, outputTokens: 10 });
  });
});
