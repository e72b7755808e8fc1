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

describe('worst-case reservations on the Gemini and Ollama routes', () => {
  const upstream = new MockUpstream();
  let gw: TestGateway;
  let release = () => {};

  beforeAll(async () => {
    await upstream.start();
    gw = await startGateway({
      OPENAI_API_KEY: 'sk-reserve-client-formats',
      OPENAI_BASE_URL: `${upstream.url}/v1`,
      RATE_LIMIT_TPM: '5000', // one reserved output cap of 3000 leaves no room for a second
    });
  });
  afterAll(async () => {
    await gw.close();
    await upstream.close();
  });

  /** While a first call holds its reservation (its provider has not answered), a second is judged. */
  async function whileOneIsPending(call: (cap: number) => Promise<{ status: number; json: unknown }>) {
    const answered = new Promise<void>((done) => (release = done));
    upstream.received.length = 0;
    let calls = 0;
    upstream.handle(async (_req, res) => {
      if (calls++ === 0) await answered; // only the first call is held
      json(res, 200, chatCompletion('ok'));
    });
    const first = call(3000);
    for (let i = 0; i < 500 && upstream.received.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    const second = await call(3000);
    const small = await call(100);
    release();
    return { first: await first, second, small, reached: upstream.received.length };
  }

  it('reserves the output cap of a Gemini call whose model is in the path', async () => {
    const { first, second, small, reached } = await whileOneIsPending((maxOutputTokens) =>
      postJson(`${gw.url}/v1beta/models/openai/gpt-4o-mini:generateContent`, {
        contents: [{ parts: [{ text: 'hi' }] }],
        generationConfig: { maxOutputTokens },
      }),
    );
    expect(second.status).toBe(429);
    expect((second.json as { error: unknown }).error).toMatchObject({ status: 'RESOURCE_EXHAUSTED' });
    expect([first.status, small.status]).toEqual([200, 200]);
    expect(reached).toBe(2);
  });

  it('reserves options.num_predict of an Ollama call', async () => {
    const { first, second, small, reached } = await whileOneIsPending((numPredict) =>
      postJson(`${gw.url}/api/chat`, {
        model: 'openai/gpt-4o-mini',
        messages: [{ role: 'user', content: 'hi' }],
        stream: false,
        options: { num_predict: numPredict },
      }),
    );
    expect(second.status).toBe(429);
    expect(second.json).toEqual({ error: expect.stringContaining('RATE_LIMIT_TPM') });
    expect([first.status, small.status]).toEqual([200, 200]);
    expect(reached).toBe(2);
  });
});
