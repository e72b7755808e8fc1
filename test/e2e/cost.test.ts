import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBuiltinCatalog } from '../../src/catalog/catalog.ts';
import { postJson, startGateway, type TestGateway, waitForLog } from '../helpers/gateway.ts';
import {
  chatCompletion,
  chatCompletionChunks,
  json,
  MockUpstream,
  sleep,
  streamEvents,
} from '../helpers/mock-upstream.ts';

const catalog = loadBuiltinCatalog();
const price = (provider: string, model: string) => catalog.find(provider, model)!.pricing;

const usage = (prompt: number, completion: number, cached = 0, reasoning = 0) => ({
  prompt_tokens: prompt,
  completion_tokens: completion,
  total_tokens: prompt + completion,
  prompt_tokens_details: { cached_tokens: cached },
  completion_tokens_details: { reasoning_tokens: reasoning },
});

/** A usage-only chunk, as OpenAI sends it last when asked for `include_usage`. */
const usageChunk = (u: object) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-123', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-2024-08-06', choices: [], usage: u })}\n\n`;

describe('cost and usage', () => {
  let upstream: MockUpstream;
  let gw: TestGateway;
  let answerUsage: object = usage(1000, 500);
  let streamed: string[] = [];

  beforeAll(async () => {
    upstream = await new MockUpstream().start();
    upstream.handle(async (req, res) => {
      if (!req.json.stream) return json(res, 200, { ...chatCompletion('ok', req.json.model), usage: answerUsage });
      const events = chatCompletionChunks(['Hel', 'lo']);
      streamed = req.json.stream_options?.include_usage
        ? [...events.slice(0, -1), usageChunk(answerUsage), events.at(-1)!]
        : events;
      await streamEvents(res, streamed);
    });
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-catalog-'));
    const catalogFile = join(dir, 'prices.json');
    writeFileSync(
      catalogFile,
      JSON.stringify({
        'my-finetune': {
          litellm_provider: 'openai',
          mode: 'chat',
          input_cost_per_token: 0.000004,
          output_cost_per_token: 0.000016,
        },
        'gpt-4o-mini': {
          litellm_provider: 'openai',
          mode: 'chat',
          input_cost_per_token: 0.000001,
          output_cost_per_token: 0.000002,
        },
      }),
    );
    gw = await startGateway({
      OPENAI_API_KEY: 'k',
      OPENAI_BASE_URL: `${upstream.url}/v1`,
      MISTRAL_API_KEY: 'k',
      MISTRAL_BASE_URL: `${upstream.url}/mistral`,
      CATALOG_FILE: catalogFile,
    });
  });
  afterAll(async () => {
    await gw.close();
    await upstream.close();
  });

  const chat = (model: string, extra: object = {}) =>
    postJson(`${gw.url}/v1/chat/completions`, { model, messages: [{ role: 'user', content: 'Hi' }], ...extra });
  const logOf = (id: string | null) =>
    waitForLog(gw, (l) => l.requestId === id && l.msg !== undefined && 'status' in l);

  it('prices a plain answer: header, usage header and log line', async () => {
    answerUsage = usage(1000, 500);
    const result = await chat('gpt-4o');
    const p = price('openai', 'gpt-4o');
    const expected = (1000 * p.input! + 500 * p.output!) / 1e6;
    expect(Number(result.headers.get('x-gateway-cost-usd'))).toBeCloseTo(expected, 12);
    expect(result.headers.get('x-gateway-usage')).toBe(
      'input=1000; cached_input=0; cache_write=0; output=500; reasoning=0',
    );
    const line = await logOf(result.headers.get('x-request-id'));
    expect(line.costUsd).toBeCloseTo(expected, 12);
    expect(line.usage).toEqual({ inputTokens: 1000, cachedInputTokens: 0, outputTokens: 500, reasoningTokens: 0 });
    expect(result.json.usage).toEqual(answerUsage); // the body itself is untouched
  });

  it('prices cached input tokens at the cached price', async () => {
    answerUsage = usage(1000, 500, 600);
    const result = await chat('gpt-4o');
    const p = price('openai', 'gpt-4o');
    const expected = (400 * p.input! + 600 * p.cachedInput! + 500 * p.output!) / 1e6;
    expect(p.cachedInput).toBeLessThan(p.input!);
    expect(Number(result.headers.get('x-gateway-cost-usd'))).toBeCloseTo(expected, 12);
  });

  it('prices reasoning tokens as output unless the model has a reasoning price', async () => {
    answerUsage = usage(200, 900, 0, 700);
    const result = await chat('o3-mini');
    const p = price('openai', 'o3-mini');
    const expected = (200 * p.input! + 200 * p.output! + 700 * (p.reasoning ?? p.output!)) / 1e6;
    expect(Number(result.headers.get('x-gateway-cost-usd'))).toBeCloseTo(expected, 12);
    expect(result.headers.get('x-gateway-usage')).toContain('reasoning=700');
  });

  it('asks a stream for its usage, prices it, and strips the usage chunk the client did not ask for', async () => {
    answerUsage = usage(40, 2);
    const response = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o', stream: true, messages: [] }),
    });
    const text = await response.text();
    expect(upstream.last.json.stream_options).toEqual({ include_usage: true });
    expect(streamed.join('')).toContain('"usage":{');
    expect(text).toBe(streamed.filter((event) => !event.includes('"choices":[]')).join(''));
    const line = await logOf(response.headers.get('x-request-id'));
    const p = price('openai', 'gpt-4o');
    expect(line.costUsd).toBeCloseTo((40 * p.input! + 2 * p.output!) / 1e6, 12);
  });

  it('keeps the usage chunk, and the body byte for byte, when the client asked for it', async () => {
    answerUsage = usage(40, 2);
    const body = '{"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true},"messages":[]}';
    const response = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(await response.text()).toBe(streamed.join(''));
    expect(upstream.last.body).toBe(body);
    const line = await logOf(response.headers.get('x-request-id'));
    expect(line.costUsd).toBeGreaterThan(0);
  });

  it('does not send stream_options to providers that always report usage', async () => {
    const body = '{"model":"mistral-small-latest","stream":true,"messages":[]}';
    await (
      await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      })
    ).text();
    expect(upstream.last.body).toBe(body);
  });

  it('an unpriced model costs null, never 0, and warns once', async () => {
    answerUsage = usage(10, 10);
    const first = await chat('openai/my-unknown-model');
    const second = await chat('openai/my-unknown-model');
    expect(first.headers.get('x-gateway-cost-usd')).toBeNull();
    expect(first.headers.get('x-gateway-usage')).toContain('input=10');
    const line = await logOf(second.headers.get('x-request-id'));
    expect(line.costUsd).toBeNull();
    await sleep(20);
    const warnings = gw.logs.filter((l) => l.model === 'my-unknown-model' && String(l.msg).includes('no price'));
    expect(warnings).toHaveLength(1);
  });

  it('CATALOG_FILE adds a model and changes a price', async () => {
    answerUsage = usage(1000, 1000);
    const added = await chat('openai/my-finetune');
    expect(Number(added.headers.get('x-gateway-cost-usd'))).toBeCloseTo((1000 * 4 + 1000 * 16) / 1e6, 12);
    const changed = await chat('gpt-4o-mini');
    expect(Number(changed.headers.get('x-gateway-cost-usd'))).toBeCloseTo((1000 * 1 + 1000 * 2) / 1e6, 12);
    const listed = await (await fetch(`${gw.url}/v1/models/openai/my-finetune`)).json();
    expect(listed.pricing).toEqual({ input: 4, output: 16 });
  });
});
