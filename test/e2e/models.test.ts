import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBuiltinCatalog } from '../../src/catalog/catalog.ts';
import { postJson, startGateway, type TestGateway } from '../helpers/gateway.ts';
import { chatCompletion, json, MockUpstream } from '../helpers/mock-upstream.ts';

const catalog = loadBuiltinCatalog();
const count = (provider: string) => [...catalog.entriesOf(provider)].length;

async function listIds(gw: TestGateway, query = '') {
  const response = await fetch(`${gw.url}/v1/models${query}`);
  expect(response.status).toBe(200);
  const body = await response.json();
  expect(body.object).toBe('list');
  return body.data as { id: string; owned_by: string; mode: string; pricing: Record<string, number> }[];
}

describe('GET /v1/models', () => {
  let ollama: MockUpstream;
  beforeAll(async () => {
    ollama = await new MockUpstream().start();
    ollama.handle((req, res) => {
      if (req.url === '/api/tags')
        return json(res, 200, { models: [{ name: 'llama3:8b', model: 'llama3:8b' }, { name: 'qwen2.5-coder:7b' }] });
      json(res, 404, {});
    });
  });
  afterAll(() => ollama.close());

  it('lists exactly the models of the active providers', async () => {
    const gw = await startGateway({ OPENAI_API_KEY: 'k', GROQ_API_KEY: 'k' });
    try {
      const models = await listIds(gw);
      expect(new Set(models.map((m) => m.owned_by))).toEqual(new Set(['openai', 'groq']));
      expect(models).toHaveLength(count('openai') + count('groq'));
      const gpt4o = models.find((m) => m.id === 'openai/gpt-4o')!;
      expect(gpt4o).toMatchObject({
        object: 'model',
        owned_by: 'openai',
        mode: 'chat',
        context_window: 128000,
        max_output_tokens: 16384,
        pricing: { input: 2.5, output: 10, cached_input: 1.25 },
        capabilities: { tools: true, vision: true },
      });
    } finally {
      await gw.close();
    }
    const other = await startGateway({ MISTRAL_API_KEY: 'k' });
    try {
      const models = await listIds(other);
      expect(new Set(models.map((m) => m.owned_by))).toEqual(new Set(['mistral']));
    } finally {
      await other.close();
    }
  });

  it('filters by provider and mode', async () => {
    const gw = await startGateway({ OPENAI_API_KEY: 'k', GROQ_API_KEY: 'k' });
    try {
      const groq = await listIds(gw, '?provider=groq');
      expect(groq.length).toBe(count('groq'));
      expect(groq.every((m) => m.owned_by === 'groq')).toBe(true);
      const embeddings = await listIds(gw, '?mode=embedding');
      expect(embeddings.length).toBeGreaterThan(0);
      expect(embeddings.every((m) => m.mode === 'embedding')).toBe(true);
      expect(embeddings.map((m) => m.id)).toContain('openai/text-embedding-3-small');
    } finally {
      await gw.close();
    }
  });

  it('returns one model by an id containing / and :, encoded or not', async () => {
    const gw = await startGateway({ AWS_REGION: 'us-east-1', OLLAMA_HOST: `127.0.0.1:${ollama.port}` });
    try {
      for (const path of [
        'bedrock/anthropic.claude-sonnet-4-5-20250929-v1:0',
        encodeURIComponent('bedrock/anthropic.claude-sonnet-4-5-20250929-v1:0'),
      ]) {
        const response = await fetch(`${gw.url}/v1/models/${path}`);
        expect(response.status).toBe(200);
        expect(await response.json()).toMatchObject({
          id: 'bedrock/anthropic.claude-sonnet-4-5-20250929-v1:0',
          pricing: { input: 3, output: 15 },
        });
      }
      const live = await fetch(`${gw.url}/v1/models/ollama/llama3:8b`);
      expect(await live.json()).toMatchObject({ id: 'ollama/llama3:8b', owned_by: 'ollama' });
      const missing = await fetch(`${gw.url}/v1/models/openai/gpt-4o`);
      expect(missing.status).toBe(404);
      expect((await missing.json()).error.code).toBe('model_not_found');
    } finally {
      await gw.close();
    }
  });

  it('lists what an Ollama server has pulled (from /api/tags), or OLLAMA_MODELS', async () => {
    const live = await startGateway({ OLLAMA_HOST: `127.0.0.1:${ollama.port}` });
    try {
      const ids = (await listIds(live)).map((m) => m.id);
      expect(ids).toContain('ollama/llama3:8b');
      expect(ids).toContain('ollama/qwen2.5-coder:7b');
    } finally {
      await live.close();
    }
    const listed = await startGateway({ OLLAMA_HOST: '127.0.0.1:1', OLLAMA_MODELS: 'phi4:14b, gemma3:4b' });
    try {
      const ids = (await listIds(listed)).map((m) => m.id);
      expect(ids).toContain('ollama/phi4:14b');
      expect(ids).toContain('ollama/gemma3:4b');
    } finally {
      await listed.close();
    }
  });

  it('still answers when the Ollama server is down', async () => {
    const gw = await startGateway({ OLLAMA_HOST: '127.0.0.1:1', OPENAI_API_KEY: 'k' });
    try {
      const models = await listIds(gw);
      expect(models.length).toBe(count('openai') + count('ollama'));
    } finally {
      await gw.close();
    }
  });

  it("the openai SDK's models.list() iterates them and retrieve() finds one", async () => {
    const gw = await startGateway({ GROQ_API_KEY: 'k' });
    try {
      const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'k' });
      const ids: string[] = [];
      for await (const model of client.models.list()) ids.push(model.id);
      expect(ids.length).toBe(count('groq'));
      expect(ids).toContain('groq/llama-3.3-70b-versatile');
      const one = await client.models.retrieve('groq/llama-3.3-70b-versatile');
      expect(one.owned_by).toBe('groq');
    } finally {
      await gw.close();
    }
  });
});

describe('selection by catalog', () => {
  it('a bare model goes to the active provider that serves it, in registry order', async () => {
    const upstream = await new MockUpstream().start();
    upstream.handle((req, res) => json(res, 200, chatCompletion('ok', req.json.model)));
    const gw = await startGateway({
      OPENAI_API_KEY: 'k',
      OPENAI_BASE_URL: `${upstream.url}/openai`,
      GROQ_API_KEY: 'k',
      GROQ_BASE_URL: `${upstream.url}/groq`,
      TOGETHER_API_KEY: 'k',
      TOGETHER_BASE_URL: `${upstream.url}/together`,
    });
    try {
      const groq = await postJson(`${gw.url}/v1/chat/completions`, { model: 'llama-3.3-70b-versatile', messages: [] });
      expect(groq.headers.get('x-gateway-provider')).toBe('groq');
      expect(upstream.last.url).toBe('/groq/chat/completions');
      const together = await postJson(`${gw.url}/v1/chat/completions`, {
        model: 'meta-llama/Llama-3.3-70B-Instruct-Turbo',
        messages: [],
      });
      expect(together.headers.get('x-gateway-provider')).toBe('together');
      expect(upstream.last.json.model).toBe('meta-llama/Llama-3.3-70B-Instruct-Turbo');
    } finally {
      await gw.close();
      await upstream.close();
    }
  });
});
