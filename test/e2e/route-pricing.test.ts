import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBuiltinCatalog } from '../../src/catalog/catalog.ts';
import { postJson, startGateway, type TestGateway, waitForLog } from '../helpers/gateway.ts';
import { json, MockUpstream, sleep } from '../helpers/mock-upstream.ts';
import { anthropicMessage } from '../helpers/native-mocks.ts';

// The figures every expectation is computed from: the built-in catalog, not constants typed here.
const catalog = loadBuiltinCatalog();
const price = (provider: string, model: string) => {
  const entry = catalog.find(provider, model);
  if (!entry) throw new Error(`${provider}/${model} is not in the catalog`);
  return entry.pricing;
};

const costLine = (gw: TestGateway, path: string) =>
  waitForLog(gw, (line) => line.msg === 'request' && line.path === path && line.costUsd !== undefined);

describe('every metered route is priced from the catalog', () => {
  let upstream: MockUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    upstream = await new MockUpstream().start();
    upstream.handle((req, res) => {
      if (req.url.startsWith('/v1/images/generations')) {
        if (req.json.model === 'gpt-image-1')
          return json(res, 200, {
            created: 1,
            data: [{ b64_json: 'aW1n' }],
            usage: {
              input_tokens: 50,
              input_tokens_details: { text_tokens: 40, image_tokens: 10 },
              output_tokens: 4160,
              total_tokens: 4210,
            },
          });
        return json(res, 200, {
          created: 1,
          data: Array.from({ length: req.json.n ?? 1 }, () => ({ url: 'https://img.example/1.png' })),
        });
      }
      if (req.url.startsWith('/v1/audio/speech')) {
        res.writeHead(200, { 'content-type': 'audio/mpeg' });
        res.end(Buffer.alloc(2048, 1));
        return;
      }
      if (req.url.startsWith('/v1/audio/transcriptions')) {
        if (req.body.includes('gpt-4o-transcribe'))
          return json(res, 200, {
            text: 'Hello.',
            usage: { type: 'tokens', input_tokens: 100, output_tokens: 20, total_tokens: 120 },
          });
        return json(res, 200, { text: 'Hello.', usage: { type: 'duration', seconds: 9 } });
      }
      if (req.url.startsWith('/v1/embeddings'))
        return json(res, 200, {
          object: 'list',
          data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2] }],
          model: 'text-embedding-3-small',
          usage: { prompt_tokens: 1000, total_tokens: 1000 },
        });
      json(res, 404, { error: { message: 'no such route' } });
    });
    gw = await startGateway({ OPENAI_API_KEY: 'sk-pricing-test', OPENAI_BASE_URL: `${upstream.url}/v1` });
  });
  afterAll(async () => {
    await gw.close();
    await upstream.close();
  });

  it('DALL-E: per image by size and quality (per-pixel variants), n images', async () => {
    const hd = await postJson(`${gw.url}/v1/images/generations`, {
      model: 'dall-e-3',
      prompt: 'a lighthouse',
      size: '1024x1792',
      quality: 'hd',
    });
    expect(hd.status).toBe(200);
    expect(Number(hd.headers.get('x-gateway-cost-usd'))).toBe(
      price('openai', 'dall-e-3').imageVariants?.['hd/1024x1792'],
    );
    expect(Number(hd.headers.get('x-gateway-cost-usd'))).toBeCloseTo(0.12, 6);

    const standard = await postJson(`${gw.url}/v1/images/generations`, { model: 'dall-e-3', prompt: 'a lighthouse' });
    expect(Number(standard.headers.get('x-gateway-cost-usd'))).toBeCloseTo(0.04, 6);

    const small = await postJson(`${gw.url}/v1/images/generations`, {
      model: 'dall-e-2',
      prompt: 'a lighthouse',
      size: '256x256',
      n: 3,
    });
    const perImage = price('openai', 'dall-e-2').imageVariants?.['256x256'] as number;
    expect(Number(small.headers.get('x-gateway-cost-usd'))).toBeCloseTo(3 * perImage, 10);
  });

  it('gpt-image-1: text and image input tokens and image output tokens at their own prices', async () => {
    const answer = await postJson(`${gw.url}/v1/images/generations`, { model: 'gpt-image-1', prompt: 'a lighthouse' });
    const p = price('openai', 'gpt-image-1');
    const expected = (40 * p.input! + 10 * p.imageInput! + 4160 * p.imageOutput!) / 1e6;
    expect(Number(answer.headers.get('x-gateway-cost-usd'))).toBeCloseTo(expected, 10);
    expect(expected).toBeCloseTo(0.1667, 6);
  });

  it('speech: per character of input (binary answer: cost in the log line)', async () => {
    const input = 'Hello, world. This is a test.';
    const response = await fetch(`${gw.url}/v1/audio/speech`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'tts-1', input, voice: 'alloy' }),
    });
    expect(response.status).toBe(200);
    expect((await response.arrayBuffer()).byteLength).toBe(2048);
    const line = await costLine(gw, '/v1/audio/speech');
    expect(line.costUsd).toBeCloseTo(input.length * price('openai', 'tts-1').perCharacter!, 12);
    expect(line.usage).toMatchObject({ characters: input.length });
  });

  it('transcription: per second (whisper-1) or per token (gpt-4o-transcribe), model read from the upload', async () => {
    for (const model of ['whisper-1', 'gpt-4o-transcribe']) {
      const form = new FormData();
      form.set('model', model);
      form.set('file', new Blob([Buffer.alloc(16_000, 7)], { type: 'audio/wav' }), 'hello.wav');
      const response = await fetch(`${gw.url}/v1/audio/transcriptions`, { method: 'POST', body: form });
      expect(response.status).toBe(200);
      const cost = Number(response.headers.get('x-gateway-cost-usd'));
      const p = price('openai', model);
      expect(cost).toBeCloseTo(model === 'whisper-1' ? 9 * p.perSecond! : (100 * p.input! + 20 * p.output!) / 1e6, 12);
      expect(upstream.last.body).toContain('hello.wav'); // the upload went through untouched
    }
  });

  it('embeddings: per input token', async () => {
    const answer = await postJson(`${gw.url}/v1/embeddings`, { model: 'text-embedding-3-small', input: 'hello' });
    expect(Number(answer.headers.get('x-gateway-cost-usd'))).toBeCloseTo(
      (1000 * price('openai', 'text-embedding-3-small').input!) / 1e6,
      12,
    );
  });

  it('images count against BUDGET_USD_DAILY: four DALL-E 3 calls under $0.05 are not all served', async () => {
    const limited = await startGateway({
      BUDGET_USD_DAILY: '0.05',
      OPENAI_API_KEY: 'sk-pricing-test',
      OPENAI_BASE_URL: `${upstream.url}/v1`,
    });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        statuses.push(
          (await postJson(`${limited.url}/v1/images/generations`, { model: 'dall-e-3', prompt: 'x' })).status,
        );
        await sleep(20);
      }
      expect(statuses).toEqual([200, 429, 429, 429]);
    } finally {
      await limited.close();
    }
  });
});

describe('rerank is priced per search unit', () => {
  it('Cohere rerank on Azure AI Foundry: billed search units × the catalog price per query', async () => {
    const upstream = await new MockUpstream().start();
    upstream.handle((_req, res) =>
      json(res, 200, {
        id: 'r1',
        results: [{ index: 0, relevance_score: 0.9 }],
        meta: { api_version: { version: '2' }, billed_units: { search_units: 2 } },
      }),
    );
    const gw = await startGateway({
      AZURE_FOUNDRY_API_KEY: 'azure-rerank-SECRET',
      AZURE_FOUNDRY_ENDPOINT: `${upstream.url}/models`,
    });
    try {
      const answer = await postJson(`${gw.url}/v1/rerank`, {
        model: 'cohere-rerank-v3.5',
        query: 'capital of France',
        documents: ['Paris', 'Berlin'],
      });
      expect(answer.status).toBe(200);
      expect(upstream.last.url).toMatch(/^\/models\/rerank\?/);
      expect(Number(answer.headers.get('x-gateway-cost-usd'))).toBeCloseTo(
        2 * price('azure-foundry', 'cohere-rerank-v3.5').perQuery!,
        12,
      );
    } finally {
      await gw.close();
      await upstream.close();
    }
  });
});

describe('unknown prices', () => {
  it('cost is null (never 0) and one warning per model is logged', async () => {
    const upstream = await new MockUpstream().start();
    upstream.handle((_req, res) =>
      json(res, 200, {
        id: 'x',
        object: 'chat.completion',
        created: 1,
        model: 'brand-new-model',
        choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
      }),
    );
    const gw = await startGateway({ OPENAI_API_KEY: 'sk-pricing-test', OPENAI_BASE_URL: `${upstream.url}/v1` });
    try {
      for (let i = 0; i < 3; i++) {
        const answer = await postJson(`${gw.url}/v1/chat/completions`, {
          model: 'openai/brand-new-model',
          messages: [{ role: 'user', content: 'hi' }],
        });
        expect(answer.status).toBe(200);
        expect(answer.headers.get('x-gateway-cost-usd')).toBeNull();
      }
      await sleep(30);
      const lines = gw.logs.filter((l) => l.msg === 'request' && l.path === '/v1/chat/completions');
      expect(lines.map((l) => l.costUsd)).toEqual([null, null, null]);
      const warnings = gw.logs.filter((l) => String(l.msg).startsWith('no price in the catalog'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatchObject({ provider: 'openai', model: 'brand-new-model' });
    } finally {
      await gw.close();
      await upstream.close();
    }
  });
});

describe('prices that match the bill, end to end', () => {
  it('Claude past 200k input tokens at the long-context price; OpenAI flex at the flex price', async () => {
    const upstream = await new MockUpstream().start();
    upstream.handle((req, res) => {
      if (req.url.startsWith('/v1/messages'))
        return json(res, 200, {
          ...anthropicMessage('hi', 'claude-sonnet-4-5'),
          usage: { input_tokens: 250_000, output_tokens: 1000 },
        });
      json(res, 200, {
        id: 'c',
        object: 'chat.completion',
        created: 1,
        model: 'gpt-5',
        service_tier: req.json.service_tier,
        choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 1_000_000, completion_tokens: 100_000, total_tokens: 1_100_000 },
      });
    });
    const gw = await startGateway({
      OPENAI_API_KEY: 'sk-pricing-test',
      OPENAI_BASE_URL: `${upstream.url}/v1`,
      ANTHROPIC_API_KEY: 'sk-ant-pricing-test',
      ANTHROPIC_BASE_URL: upstream.url,
    });
    try {
      const long = await postJson(`${gw.url}/v1/messages`, {
        model: 'claude-sonnet-4-5',
        max_tokens: 1000,
        messages: [{ role: 'user', content: 'a very long prompt' }],
      });
      const tier = price('anthropic', 'claude-sonnet-4-5').longContext![0]!;
      expect(Number(long.headers.get('x-gateway-cost-usd'))).toBeCloseTo(
        (250_000 * tier.input! + 1000 * tier.output!) / 1e6,
        10,
      );

      const chat = { model: 'gpt-5', messages: [{ role: 'user', content: 'hi' }] };
      const flex = await postJson(`${gw.url}/v1/chat/completions`, { ...chat, service_tier: 'flex' });
      const f = price('openai', 'gpt-5').serviceTiers!.flex!;
      expect(Number(flex.headers.get('x-gateway-cost-usd'))).toBeCloseTo(f.input! + 0.1 * f.output!, 10);
      const standard = await postJson(`${gw.url}/v1/chat/completions`, chat);
      const p = price('openai', 'gpt-5');
      expect(Number(standard.headers.get('x-gateway-cost-usd'))).toBeCloseTo(p.input! + 0.1 * p.output!, 10);
    } finally {
      await gw.close();
      await upstream.close();
    }
  });
});
