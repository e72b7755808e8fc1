import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { postJson, rawRequest, startGateway, type TestGateway } from '../helpers/gateway.ts';
import { chatCompletion, json, MockUpstream } from '../helpers/mock-upstream.ts';

/** What each provider's upstream must receive: one mock stands in for all of them. */
describe('what the upstream receives', () => {
  let upstream: MockUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    upstream = await new MockUpstream().start();
    const base = upstream.url;
    gw = await startGateway({
      OPENAI_API_KEY: 'sk-openai',
      OPENAI_BASE_URL: `${base}/openai/v1`,
      GROQ_API_KEY: 'gsk-groq',
      GROQ_BASE_URL: `${base}/groq/openai/v1`,
      MISTRAL_API_KEY: 'mistral-key',
      MISTRAL_BASE_URL: `${base}/mistral/v1`,
      DEEPSEEK_API_KEY: 'ds-key',
      DEEPSEEK_BASE_URL: `${base}/deepseek`,
      TOGETHER_API_KEY: 'tg-key',
      TOGETHER_BASE_URL: `${base}/together/v1`,
      PERPLEXITY_API_KEY: 'pplx-key',
      PERPLEXITY_BASE_URL: `${base}/perplexity`,
      FIREWORKS_API_KEY: 'fw-key',
      FIREWORKS_BASE_URL: `${base}/fireworks/inference/v1`,
      AI21_API_KEY: 'ai21-key',
      AI21_BASE_URL: `${base}/ai21/studio/v1`,
      XAI_API_KEY: 'xai-key',
      XAI_BASE_URL: `${base}/xai/v1`,
      HUGGING_FACE_API_KEY: 'hf-key',
      HUGGING_FACE_BASE_URL: `${base}/hf/v1`,
      OLLAMA_HOST: `127.0.0.1:${upstream.port}`,
      AZURE_OPENAI_API_KEY: 'azure-key',
      AZURE_OPENAI_ENDPOINT: base,
      AZURE_OPENAI_API_VERSION: '2024-10-21',
      AZURE_FOUNDRY_API_KEY: 'foundry-key',
      AZURE_FOUNDRY_ENDPOINT: `${base}/models`,
      ANTHROPIC_API_KEY: 'sk-ant',
      ANTHROPIC_BASE_URL: `${base}/anthropic`,
    });
  });
  beforeEach(() => {
    upstream.handle((req, res) => json(res, 200, chatCompletion('ok', req.json?.model)));
  });
  afterAll(async () => {
    await gw.close();
    await upstream.close();
  });

  const clientCredentials = {
    authorization: 'Bearer client-secret',
    'x-api-key': 'client-secret',
    'api-key': 'client-secret',
  };

  it.each([
    ['openai', '/openai/v1/chat/completions', 'authorization', 'Bearer sk-openai'],
    ['groq', '/groq/openai/v1/chat/completions', 'authorization', 'Bearer gsk-groq'],
    ['mistral', '/mistral/v1/chat/completions', 'authorization', 'Bearer mistral-key'],
    ['deepseek', '/deepseek/chat/completions', 'authorization', 'Bearer ds-key'],
    ['together', '/together/v1/chat/completions', 'authorization', 'Bearer tg-key'],
    ['perplexity', '/perplexity/chat/completions', 'authorization', 'Bearer pplx-key'],
    ['fireworks', '/fireworks/inference/v1/chat/completions', 'authorization', 'Bearer fw-key'],
    ['ai21', '/ai21/studio/v1/chat/completions', 'authorization', 'Bearer ai21-key'],
    ['xai', '/xai/v1/chat/completions', 'authorization', 'Bearer xai-key'],
    ['hugging-face', '/hf/v1/chat/completions', 'authorization', 'Bearer hf-key'],
    ['azure-foundry', '/models/chat/completions?api-version=2024-05-01-preview', 'api-key', 'foundry-key'],
    ['azure-openai', '/openai/deployments/m/chat/completions?api-version=2024-10-21', 'api-key', 'azure-key'],
    ['ollama', '/v1/chat/completions', undefined, undefined],
  ])('%s: path %s, its own credential, none of the client\u2019s', async (provider, path, authHeader, authValue) => {
    const result = await postJson(
      `${gw.url}/v1/chat/completions`,
      { model: `${provider}/m`, messages: [] },
      clientCredentials,
    );
    expect(result.status).toBe(200);
    expect(result.headers.get('x-gateway-provider')).toBe(provider);
    const received = upstream.last;
    expect(received.url).toBe(path);
    expect(received.json.model).toBe('m');
    const sent = JSON.stringify(received.headers);
    expect(sent).not.toContain('client-secret');
    for (const name of ['authorization', 'x-api-key', 'api-key']) {
      expect(received.headers[name]).toBe(name === authHeader ? authValue : undefined);
    }
  });

  it('forwards ordinary headers and the query string, drops gateway and hop-by-hop ones', async () => {
    await postJson(
      `${gw.url}/v1/chat/completions?trace=1`,
      { model: 'groq/m', messages: [] },
      {
        'openai-organization': 'org-1',
        'x-custom': 'kept',
        'x-provider': 'groq',
        'x-request-id': 'client-req-7',
        'x-gateway-anything': 'dropped',
        'proxy-authorization': 'Basic abc',
      },
    );
    const h = upstream.last.headers;
    expect(upstream.last.url).toBe('/groq/openai/v1/chat/completions?trace=1');
    expect([h['openai-organization'], h['x-custom']]).toEqual(['org-1', 'kept']);
    expect([h['x-provider'], h['x-request-id'], h['x-gateway-anything'], h['proxy-authorization']]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(h.host).toBe(`127.0.0.1:${upstream.port}`);
  });

  it('forwards the body byte for byte when there is no prefix to strip', async () => {
    const body = '{"model":"gpt-4o",  "messages":[{"role":"user","content":"caf\u00e9"}],"temperature":0.70}';
    await postJson(`${gw.url}/v1/chat/completions`, body);
    expect(upstream.last.body).toBe(body);
    expect(upstream.last.url).toBe('/openai/v1/chat/completions');
  });

  it('forwards a 100 KB conversation byte for byte, and translates one when the provider needs it', async () => {
    const turn = 'The function reads the file and counts the words of each line. '.repeat(20);
    const messages = Array.from({ length: 80 }, (_, i) => ({
      role: i % 2 ? 'assistant' : 'user',
      content: `${i}: ${turn}`,
    }));
    const body = JSON.stringify({ model: 'gpt-4o', messages, max_tokens: 64 }, null, 1);
    expect(body.length).toBeGreaterThan(100_000);
    const plain = await postJson(`${gw.url}/v1/chat/completions`, body);
    expect(plain.status).toBe(200);
    expect(upstream.last.body).toBe(body);

    upstream.handle((_req, res) =>
      json(res, 200, {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: 'claude-sonnet-4-5',
        content: [{ type: 'text', text: 'read' }],
        stop_reason: 'end_turn',
        usage: { input_tokens: 25_000, output_tokens: 1 },
      }),
    );
    const translated = await postJson(`${gw.url}/v1/chat/completions`, {
      ...JSON.parse(body),
      model: 'anthropic/claude-sonnet-4-5',
    });
    expect([translated.status, translated.text]).toEqual([200, expect.stringContaining('read')]);
    expect(upstream.last.url).toBe('/anthropic/v1/messages');
    const sent = JSON.parse(upstream.last.body);
    expect(sent.messages).toHaveLength(80);
    expect(sent.messages[79].content).toEqual([{ type: 'text', text: `79: ${turn}` }]);
  });

  it('refuses a large body whose conversation is not JSON with 400 invalid_json when it must read it', async () => {
    const content = 'x'.repeat(20_000);
    const broken = `{"model":"anthropic/claude-sonnet-4-5","messages":[{"role":"user","content":"${content}"},,]}`;
    const before = upstream.received.length;
    const refused = await postJson(`${gw.url}/v1/chat/completions`, broken);
    expect(refused.status).toBe(400);
    expect(refused.json.error).toMatchObject({ code: 'invalid_json', type: 'invalid_request_error' });
    expect(upstream.received.length).toBe(before);
    // Passed through untranslated, it is the provider's to answer, as it would be without the gateway.
    const passed = await postJson(
      `${gw.url}/v1/chat/completions`,
      broken.replace('anthropic/claude-sonnet-4-5', 'gpt-4o'),
    );
    expect(upstream.last.body).toBe(broken.replace('anthropic/claude-sonnet-4-5', 'gpt-4o'));
    expect(passed.status).toBe(200);
  });

  it('echoes the client request id', async () => {
    const result = await postJson(
      `${gw.url}/v1/chat/completions`,
      { model: 'gpt-4o', messages: [] },
      { 'x-request-id': 'trace-abc-123' },
    );
    expect(result.headers.get('x-request-id')).toBe('trace-abc-123');
  });

  it('gives a request without an id a UUIDv7: its time first, so ids sort by arrival', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const before = Date.now();
      const result = await postJson(`${gw.url}/v1/chat/completions`, { model: 'gpt-4o', messages: [] });
      const id = result.headers.get('x-request-id') ?? '';
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      const ms = Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16);
      expect(ms).toBeGreaterThanOrEqual(before);
      expect(ms).toBeLessThanOrEqual(Date.now());
      ids.push(id);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(3);
  });

  it('passes other /v1 paths through unchanged to the selected provider', async () => {
    upstream.handle((_req, res) => json(res, 200, { object: 'list', data: [] }));
    const response = await fetch(`${gw.url}/v1/files?purpose=batch`, {
      headers: { 'x-provider': 'openai', authorization: 'Bearer client-secret' },
    });
    expect(response.status).toBe(200);
    expect(upstream.last).toMatchObject({ method: 'GET', url: '/openai/v1/files?purpose=batch' });
    expect(upstream.last.headers.authorization).toBe('Bearer sk-openai');

    await postJson(`${gw.url}/v1/moderations`, { model: 'groq:llama-guard', input: 'x' });
    expect(upstream.last).toMatchObject({ method: 'POST', url: '/groq/openai/v1/moderations' });
    expect(upstream.last.json.model).toBe('llama-guard');
  });

  it('refuses dot segments in pass-through paths', async () => {
    const before = upstream.received.length;
    for (const path of ['/v1/../admin', '/v1/%2e%2e/admin', '/v1/files/./x']) {
      const result = await rawRequest(gw.url, { path, headers: { 'x-provider': 'openai' } });
      expect(result.status).toBe(400);
    }
    expect(upstream.received.length).toBe(before);
  });

  it("answers an endpoint the gateway does not translate into the provider's format with a clear 400 (never a retried 5xx)", async () => {
    const before = upstream.received.length;
    const result = await postJson(`${gw.url}/v1/completions`, { model: 'anthropic/claude-sonnet-4-5', prompt: 'Hi' });
    expect(result.status).toBe(400);
    expect(result.json.error.code).toBe('format_not_supported');
    expect(result.json.error.message).toContain("'anthropic'");
    expect(result.json.error.message).toContain('/completions');
    expect(upstream.received.length).toBe(before);
  });
});
