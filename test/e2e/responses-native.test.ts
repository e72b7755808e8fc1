/**
 * `/v1/responses` to providers with a Responses API of their own (OpenAI, Azure OpenAI): the
 * request goes through untranslated, server-side features included, and the answer is metered
 * from its `usage` (whole) or from `response.completed` (streamed), priced and counted against
 * RATE_LIMIT_TPM like chat. No `stream_options` is added: the Responses API does not define it.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startGateway, type TestGateway, waitForLog } from '../helpers/gateway.ts';
import { json, MockUpstream, sleep, streamEvents } from '../helpers/mock-upstream.ts';

const USAGE = {
  input_tokens: 1000,
  input_tokens_details: { cached_tokens: 200 },
  output_tokens: 500,
  output_tokens_details: { reasoning_tokens: 100 },
  total_tokens: 1500,
};

/** A response object shaped after the API reference's example. */
function responseObject(status: 'in_progress' | 'completed', output: unknown[], usage: unknown) {
  return {
    id: 'resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b',
    object: 'response',
    created_at: 1741476542,
    status,
    error: null,
    incomplete_details: null,
    instructions: null,
    max_output_tokens: null,
    model: 'gpt-4.1-mini-2025-04-14',
    output,
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    store: true,
    temperature: 1,
    text: { format: { type: 'text' } },
    tool_choice: 'auto',
    tools: [],
    top_p: 1,
    truncation: 'disabled',
    usage,
    user: null,
    metadata: {},
  };
}

const MESSAGE = {
  type: 'message',
  id: 'msg_67ccd2bf17f0819081ff3bb2cf6508e60bb6a6b452d3795b',
  status: 'completed',
  role: 'assistant',
  content: [{ type: 'output_text', text: 'Hi there.', annotations: [] }],
};

function streamOf(): string[] {
  const event = (type: string, fields: object, n: number) =>
    `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: n, ...fields })}\n\n`;
  const at = { item_id: MESSAGE.id, output_index: 0, content_index: 0 };
  return [
    event('response.created', { response: responseObject('in_progress', [], null) }, 0),
    event('response.in_progress', { response: responseObject('in_progress', [], null) }, 1),
    event(
      'response.output_item.added',
      { output_index: 0, item: { ...MESSAGE, status: 'in_progress', content: [] } },
      2,
    ),
    event('response.content_part.added', { ...at, part: { type: 'output_text', text: '', annotations: [] } }, 3),
    event('response.output_text.delta', { ...at, delta: 'Hi ' }, 4),
    event('response.output_text.delta', { ...at, delta: 'there.' }, 5),
    event('response.output_text.done', { ...at, text: 'Hi there.' }, 6),
    event('response.content_part.done', { ...at, part: MESSAGE.content[0] }, 7),
    event('response.output_item.done', { output_index: 0, item: MESSAGE }, 8),
    event('response.completed', { response: responseObject('completed', [MESSAGE], USAGE) }, 9),
  ];
}

// gpt-4.1-mini: $0.4 input, $0.1 cached input, $1.6 output per million tokens.
const COST = (800 * 0.4 + 200 * 0.1 + 500 * 1.6) / 1e6;

describe('/v1/responses to a provider with the Responses API', () => {
  let upstream: MockUpstream;
  let gw: TestGateway;
  let client: OpenAI;

  beforeAll(async () => {
    upstream = await new MockUpstream().start();
    upstream.handle((req, res) => {
      if (req.json?.stream) return streamEvents(res, streamOf());
      return json(res, 200, responseObject('completed', [MESSAGE], USAGE));
    });
    gw = await startGateway({
      OPENAI_API_KEY: 'sk-openai-native-SECRET',
      OPENAI_BASE_URL: `${upstream.url}/v1`,
      AZURE_OPENAI_API_KEY: 'azure-native-SECRET',
      AZURE_OPENAI_ENDPOINT: upstream.url,
    });
    client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'client-key', maxRetries: 0 });
  });
  afterAll(async () => {
    await gw.close();
    await upstream.close();
  });

  it('passes the request through byte for byte, server-side features included, and prices the answer', async () => {
    const body =
      '{"model":"gpt-4.1-mini","input":"Hi","previous_response_id":"resp_1","tools":[{"type":"web_search"}],"store":true}';
    const response = await postJson(`${gw.url}/v1/responses`, body, { 'x-request-id': 'native-json' });
    expect(response.status).toBe(200);
    expect(upstream.last.url).toBe('/v1/responses');
    expect(upstream.last.body).toBe(body);
    expect(upstream.last.headers.authorization).toBe('Bearer sk-openai-native-SECRET');
    expect(response.json.output[0].content[0].text).toBe('Hi there.');
    expect(response.headers.get('x-gateway-usage')).toBe(
      'input=1000; cached_input=200; cache_write=0; output=500; reasoning=100',
    );
    expect(Number(response.headers.get('x-gateway-cost-usd'))).toBeCloseTo(COST, 10);
    expect(response.headers.get('x-gateway-dropped-params')).toBeNull();
    const line = await waitForLog(gw, (l) => l.requestId === 'native-json');
    expect(line.usage).toEqual({ inputTokens: 1000, cachedInputTokens: 200, outputTokens: 500, reasoningTokens: 100 });
    expect(line.costUsd).toBeCloseTo(COST, 10);
  });

  it('streams without stream_options added, the events unchanged, usage from response.completed', async () => {
    const stream = client.responses.stream(
      { model: 'gpt-4.1-mini', input: 'Hi' },
      { headers: { 'x-request-id': 'native-stream' } },
    );
    const final = await stream.finalResponse();
    expect(final.output_text).toBe('Hi there.');
    expect(upstream.last.json).toEqual({ model: 'gpt-4.1-mini', input: 'Hi', stream: true });
    const line = await waitForLog(gw, (l) => l.requestId === 'native-stream');
    expect(line.usage).toMatchObject({ inputTokens: 1000, outputTokens: 500, reasoningTokens: 100 });
    expect(line.costUsd).toBeCloseTo(COST, 10);
  });

  it('reading a stored response back (GET /v1/responses/{id}) passes through and is not metered again', async () => {
    const response = await fetch(`${gw.url}/v1/responses/resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b`, {
      headers: { 'x-request-id': 'native-get', 'x-provider': 'openai' },
    });
    expect(response.status).toBe(200);
    expect(upstream.last).toMatchObject({
      method: 'GET',
      url: '/v1/responses/resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b',
    });
    expect(((await response.json()) as { usage: unknown }).usage).toEqual(USAGE);
    expect(response.headers.get('x-gateway-usage')).toBeNull();
    const line = await waitForLog(gw, (l) => l.requestId === 'native-get');
    expect(line.usage).toBeUndefined();
  });

  it('Azure OpenAI: its v1 Responses endpoint, with the api-key header', async () => {
    const response = await postJson(`${gw.url}/v1/responses`, { model: 'azure-openai/my-gpt-41-mini', input: 'Hi' });
    expect(response.status).toBe(200);
    expect(upstream.last.url).toBe('/openai/v1/responses');
    expect(upstream.last.headers['api-key']).toBe('azure-native-SECRET');
    expect(upstream.last.json.model).toBe('my-gpt-41-mini');
  });
});

describe('Responses traffic counts against RATE_LIMIT_TPM and BUDGET_USD_DAILY', () => {
  let upstream: MockUpstream;
  beforeAll(async () => {
    upstream = await new MockUpstream().start();
    upstream.handle((req, res) =>
      req.json?.stream ? streamEvents(res, streamOf()) : json(res, 200, responseObject('completed', [MESSAGE], USAGE)),
    );
  });
  afterAll(() => upstream.close());

  it.each([false, true])('stream: %s — the tokens of one answer use up a 1500-token minute', async (stream) => {
    const second = new Date().getUTCSeconds();
    if (second >= 55) await sleep((61 - second) * 1000);
    const gw = await startGateway({
      RATE_LIMIT_TPM: '1500',
      OPENAI_API_KEY: 'sk-openai-tpm-SECRET',
      OPENAI_BASE_URL: `${upstream.url}/v1`,
    });
    try {
      const request = { model: 'gpt-4.1-mini', input: 'Hi', stream };
      expect((await postJson(`${gw.url}/v1/responses`, request)).status).toBe(200);
      await sleep(20); // usage is recorded when the response completes
      const refused = await postJson(`${gw.url}/v1/responses`, request);
      expect(refused.status).toBe(429);
      expect(refused.json.error.message).toContain('RATE_LIMIT_TPM');
    } finally {
      await gw.close();
    }
  });

  it.each([false, true])('stream: %s — the price of one answer uses up the day’s budget', async (stream) => {
    // gpt-4.1-mini: 800 × $0.4/M + 200 cached × $0.1/M + 500 × $1.6/M = $0.00114, over $0.001.
    const gw = await startGateway({
      BUDGET_USD_DAILY: '0.001',
      OPENAI_API_KEY: 'sk-openai-budget-SECRET',
      OPENAI_BASE_URL: `${upstream.url}/v1`,
    });
    try {
      const request = { model: 'gpt-4.1-mini', input: 'Hi', stream };
      expect((await postJson(`${gw.url}/v1/responses`, request)).status).toBe(200);
      await sleep(20); // spend is recorded when the response completes
      const refused = await postJson(`${gw.url}/v1/responses`, request);
      expect(refused.status).toBe(429);
      expect(refused.json.error.message).toContain('BUDGET_USD_DAILY');
    } finally {
      await gw.close();
    }
  });
});

describe('Chat Completions and Messages clients reaching a Responses-only model (catalog mode "responses")', () => {
  let upstream: MockUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    upstream = await new MockUpstream().start();
    upstream.handle((req, res) => {
      if (req.url !== '/v1/responses') return json(res, 404, { error: { message: 'only /v1/responses' } });
      return req.json?.stream
        ? streamEvents(res, streamOf())
        : json(res, 200, responseObject('completed', [MESSAGE], USAGE));
    });
    gw = await startGateway({ OPENAI_API_KEY: 'sk-openai-codex-SECRET', OPENAI_BASE_URL: `${upstream.url}/v1` });
  });
  afterAll(async () => {
    await gw.close();
    await upstream.close();
  });

  it('chat.completions.create to gpt-5-codex goes to /v1/responses, translated both ways and priced', async () => {
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'client-key', maxRetries: 0 });
    const { data, response } = await client.chat.completions
      .create({
        model: 'gpt-5-codex',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Hi' },
        ],
        max_completion_tokens: 200,
      })
      .withResponse();
    expect(upstream.last.url).toBe('/v1/responses');
    expect(upstream.last.json).toEqual({
      model: 'gpt-5-codex',
      instructions: 'Be brief.',
      input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Hi' }] }],
      max_output_tokens: 200,
      store: false,
    });
    expect(data.choices[0]?.message.content).toBe('Hi there.');
    expect(data.usage).toMatchObject({ prompt_tokens: 1000, completion_tokens: 500 });
    // gpt-5-codex: $1.25 input, $0.125 cached, $10 output per million.
    const cost = (800 * 1.25 + 200 * 0.125 + 500 * 10) / 1e6;
    expect(Number(response.headers.get('x-gateway-cost-usd'))).toBeCloseTo(cost, 10);
  });

  it('a streamed chat completion to gpt-5-codex: the Responses events become chunks, with the usage asked for', async () => {
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'client-key', maxRetries: 0 });
    const stream = await client.chat.completions.create({
      model: 'openai/gpt-5-codex',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: unknown;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('Hi there.');
    expect(usage).toMatchObject({ prompt_tokens: 1000, completion_tokens: 500 });
    expect(upstream.last.json).toMatchObject({ stream: true });
    expect(upstream.last.json).not.toHaveProperty('stream_options');
  });

  it('an Anthropic Messages client reaches gpt-5-codex through the Responses API', async () => {
    const response = await postJson(`${gw.url}/v1/messages`, {
      model: 'gpt-5-codex',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(response.status).toBe(200);
    expect(upstream.last.url).toBe('/v1/responses');
    expect(response.json).toMatchObject({ type: 'message', content: [{ type: 'text', text: 'Hi there.' }] });
  });
});
