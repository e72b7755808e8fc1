import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, rawRequest, startGateway, type TestGateway } from '../helpers/gateway.ts';
import { chatCompletion, json, MockUpstream, sleep } from '../helpers/mock-upstream.ts';
import { freePort } from '../helpers/ports.ts';

const chat = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] };

function expectOpenAIError(result: { json: any }, code: string) {
  expect(Object.keys(result.json)).toEqual(['error']);
  expect(Object.keys(result.json.error).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(result.json.error.code).toBe(code);
  expect(result.json.error.message).toEqual(expect.any(String));
}

describe('errors in the OpenAI shape', () => {
  let upstream: MockUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    upstream = await new MockUpstream().start();
    upstream.handle(async (req, res) => {
      if (req.json?.model === 'slow') await sleep(1500);
      json(res, 200, chatCompletion('ok'));
    });
    gw = await startGateway({
      OPENAI_API_KEY: 'sk-live-SECRET-openai',
      OPENAI_BASE_URL: `${upstream.url}/v1`,
      GROQ_API_KEY: 'gsk-SECRET-groq',
      GROQ_BASE_URL: `http://127.0.0.1:${await freePort()}/openai/v1`,
      REQUEST_TIMEOUT_MS: '300',
      MAX_BODY_BYTES: '2000',
    });
  });
  afterAll(async () => {
    await gw.close();
    await upstream.close();
  });

  it('400 for invalid JSON', async () => {
    const result = await postJson(`${gw.url}/v1/chat/completions`, '{"model": "gpt-4o", sk-SECRET');
    expect(result.status).toBe(400);
    expectOpenAIError(result, 'invalid_json');
    expect(result.text).not.toContain('SECRET');
    expect(result.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('400 for a body that is not an object, or has no model', async () => {
    expect((await postJson(`${gw.url}/v1/chat/completions`, '[1,2]')).status).toBe(400);
    const result = await postJson(`${gw.url}/v1/chat/completions`, { messages: [] });
    expect(result.status).toBe(400);
    expectOpenAIError(result, 'missing_model');
    expect(result.json.error.param).toBe('model');
  });

  it('413 for a body over MAX_BODY_BYTES, declared or streamed', async () => {
    const big = JSON.stringify({ ...chat, padding: 'x'.repeat(5000) });
    const declared = await postJson(`${gw.url}/v1/chat/completions`, big);
    expect(declared.status).toBe(413);
    expectOpenAIError(declared, 'payload_too_large');
    const chunked = await rawRequest(gw.url, {
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      body: big,
    });
    expect(chunked.status).toBe(413);
  });

  it('404 for an unknown route, 405 for a wrong method', async () => {
    const notFound = await rawRequest(gw.url, { path: '/nope' });
    expect(notFound.status).toBe(404);
    expect(JSON.parse(notFound.text).error.code).toBe('route_not_found');
    const wrongMethod = await rawRequest(gw.url, { path: '/v1/chat/completions' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.allow).toBe('POST');
  });

  it('404 for an unknown X-Provider, listing the active providers', async () => {
    const result = await postJson(`${gw.url}/v1/chat/completions`, chat, { 'x-provider': 'nope' });
    expect(result.status).toBe(404);
    expectOpenAIError(result, 'provider_not_found');
    expect(result.json.error.message).toContain('Active providers: openai, groq');
  });

  it('400 saying how to choose when nothing selects a provider', async () => {
    const result = await postJson(`${gw.url}/v1/chat/completions`, { ...chat, model: 'mystery-model' });
    expect(result.status).toBe(400);
    expectOpenAIError(result, 'provider_not_selected');
    expect(result.json.error.message).toMatch(/X-Provider/);
  });

  it('502 when the upstream is unreachable, without the key in the message', async () => {
    const result = await postJson(`${gw.url}/v1/chat/completions`, { ...chat, model: 'groq/llama' });
    expect(result.status).toBe(502);
    expectOpenAIError(result, 'upstream_unreachable');
    expect(result.text).not.toContain('SECRET');
  });

  it('504 when the upstream sends no headers within REQUEST_TIMEOUT_MS', async () => {
    const started = performance.now();
    const result = await postJson(
      `${gw.url}/v1/chat/completions`,
      { ...chat, model: 'slow' },
      { 'x-provider': 'openai' },
    );
    expect(result.status).toBe(504);
    expectOpenAIError(result, 'upstream_timeout');
    expect(performance.now() - started).toBeLessThan(1200);
  });

  it('an error does not disturb requests in flight', async () => {
    const results = await Promise.all([
      postJson(`${gw.url}/v1/chat/completions`, chat),
      postJson(`${gw.url}/v1/chat/completions`, '{bad'),
      postJson(`${gw.url}/v1/chat/completions`, { ...chat, model: 'groq/x' }),
      postJson(`${gw.url}/v1/chat/completions`, chat),
    ]);
    expect(results.map((r) => r.status)).toEqual([200, 400, 502, 200]);
  });

  it('no log line carries a key', async () => {
    await postJson(`${gw.url}/v1/chat/completions`, chat, { authorization: 'Bearer client-SECRET' });
    await sleep(50);
    expect(JSON.stringify(gw.logs)).not.toContain('SECRET');
  });

  it('/health lists the active providers', async () => {
    const response = await fetch(`${gw.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', providers: ['openai', 'groq'] });
  });
});
