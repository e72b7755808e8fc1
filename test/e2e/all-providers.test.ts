/**
 * One gateway with all 25 built-in providers active at once, each pointed at its own mock upstream
 * on 127.0.0.1 that speaks the provider's real native wire format (OpenAI chat completions,
 * Anthropic Messages, Gemini generateContent, Cohere v2, Bedrock Converse with AWS event streams,
 * Replicate predictions). Every provider must answer a chat completion from the OpenAI SDK and a
 * message from the Anthropic SDK, streamed and not; each request must reach only that provider's
 * mock, at its native chat path, with its own credential.
 */

import type { ServerResponse } from 'node:http';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROVIDER_IDS } from '../../src/providers/registry.ts';
import type { Env } from '../../src/providers/types.ts';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import { geminiSse, textAnswer, textStreamEvents } from '../helpers/gemini-samples.ts';
import { MockTokenEndpoint, makeServiceAccount } from '../helpers/google-token-endpoint.ts';
import {
  chatCompletion,
  chatCompletionChunks,
  json,
  MockUpstream,
  type ReceivedRequest,
  streamEvents,
} from '../helpers/mock-upstream.ts';
import {
  anthropicMessage,
  anthropicTextStream,
  cohereAnswer,
  cohereTextStream,
  converseAnswer,
  converseTextStream,
  REPLICATE_PREDICTION_ID,
  replicatePrediction,
  replicateStreamEvents,
  sendEventStream,
} from '../helpers/native-mocks.ts';

type Wire = 'openai' | 'anthropic' | 'gemini' | 'cohere' | 'bedrock' | 'replicate';

interface Row {
  /** Provider id (X-Provider value, model prefix, `x-gateway-provider`). */
  id: string;
  /** The model the clients ask for: always `<id>/<model>`. */
  model: string;
  /** The native format the mock answers in. */
  wire: Wire;
  /** The variables pointing the provider at its mock (`origin` is `http://127.0.0.1:<port>`). */
  env(origin: string): Env;
  /** `METHOD path?query` of the upstream request of a non-streamed chat. */
  chat: string;
  /** `METHOD path?query` of each upstream request of a streamed chat, in order. */
  stream: string[];
  /** The credential header the mock must receive, and its expected value. */
  auth: [header: string, expected: string | RegExp | undefined];
  /** The model named in the upstream body, for formats that carry it there. */
  bodyModel?: string;
}

const PROJECT = 'switchyard-e2e';
const VERTEX_ROOT = `/v1/projects/${PROJECT}/locations/us-central1/publishers/google/models`;
const BEDROCK_MODEL = 'anthropic.claude-3-5-haiku-20241022-v1:0';
const bearer = (key: string): Row['auth'] => ['authorization', `Bearer ${key}`];

/** An OpenAI-compatible provider whose base URL is `<origin><basePath>` through `<PREFIX>_BASE_URL`. */
function openaiRow(id: string, prefix: string, basePath: string, model: string): Row {
  const key = `sk-${id}-e2e-SECRET`;
  const path = `${basePath}/chat/completions`;
  return {
    id,
    model: `${id}/${model}`,
    wire: 'openai',
    env: (origin) => ({ [`${prefix}_API_KEY`]: key, [`${prefix}_BASE_URL`]: `${origin}${basePath}` }),
    chat: `POST ${path}`,
    stream: [`POST ${path}`],
    auth: bearer(key),
    bodyModel: model,
  };
}

const ROWS: Row[] = [
  openaiRow('openai', 'OPENAI', '/v1', 'gpt-4o-mini'),
  {
    id: 'anthropic',
    model: 'anthropic/claude-sonnet-4-5',
    wire: 'anthropic',
    env: (origin) => ({ ANTHROPIC_API_KEY: 'sk-ant-e2e-SECRET', ANTHROPIC_BASE_URL: origin }),
    chat: 'POST /v1/messages',
    stream: ['POST /v1/messages'],
    auth: ['x-api-key', 'sk-ant-e2e-SECRET'],
    bodyModel: 'claude-sonnet-4-5',
  },
  {
    id: 'gemini',
    model: 'gemini/gemini-2.5-flash',
    wire: 'gemini',
    env: (origin) => ({ GEMINI_API_KEY: 'AIzaSy-e2e-SECRET', GEMINI_BASE_URL: origin }),
    chat: 'POST /v1beta/models/gemini-2.5-flash:generateContent',
    stream: ['POST /v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse'],
    auth: ['x-goog-api-key', 'AIzaSy-e2e-SECRET'],
  },
  openaiRow('mistral', 'MISTRAL', '/v1', 'mistral-large-latest'),
  openaiRow('groq', 'GROQ', '/openai/v1', 'llama-3.3-70b-versatile'),
  {
    id: 'cohere',
    model: 'cohere/command-a-03-2025',
    wire: 'cohere',
    env: (origin) => ({ COHERE_API_KEY: 'co-e2e-SECRET', COHERE_BASE_URL: origin }),
    chat: 'POST /v2/chat',
    stream: ['POST /v2/chat'],
    auth: bearer('co-e2e-SECRET'),
    bodyModel: 'command-a-03-2025',
  },
  openaiRow('deepseek', 'DEEPSEEK', '', 'deepseek-chat'),
  openaiRow('together', 'TOGETHER', '/v1', 'meta-llama/Llama-3.3-70B-Instruct-Turbo'),
  openaiRow('perplexity', 'PERPLEXITY', '', 'sonar'),
  openaiRow('fireworks', 'FIREWORKS', '/inference/v1', 'accounts/fireworks/models/llama-v3p1-8b-instruct'),
  openaiRow('ai21', 'AI21', '/studio/v1', 'jamba-mini'),
  openaiRow('xai', 'XAI', '/v1', 'grok-3-mini'),
  {
    id: 'azure-openai',
    model: 'azure-openai/my-gpt-4o',
    wire: 'openai',
    // The resource endpoint, as the portal shows it; the SDK base URL `<endpoint>/openai` is derived.
    env: (origin) => ({ AZURE_OPENAI_API_KEY: 'azure-openai-e2e-SECRET', AZURE_OPENAI_ENDPOINT: origin }),
    chat: 'POST /openai/deployments/my-gpt-4o/chat/completions?api-version=2024-10-21',
    stream: ['POST /openai/deployments/my-gpt-4o/chat/completions?api-version=2024-10-21'],
    auth: ['api-key', 'azure-openai-e2e-SECRET'],
  },
  {
    id: 'azure-foundry',
    model: 'azure-foundry/Phi-4',
    wire: 'openai',
    env: (origin) => ({
      AZURE_FOUNDRY_API_KEY: 'azure-foundry-e2e-SECRET',
      AZURE_FOUNDRY_ENDPOINT: `${origin}/models`,
    }),
    chat: 'POST /models/chat/completions?api-version=2024-05-01-preview',
    stream: ['POST /models/chat/completions?api-version=2024-05-01-preview'],
    auth: ['api-key', 'azure-foundry-e2e-SECRET'],
    bodyModel: 'Phi-4',
  },
  {
    id: 'ollama',
    model: 'ollama/llama3.2:3b',
    wire: 'openai',
    // Ollama's own convention: host and port, no scheme.
    env: (origin) => ({ OLLAMA_HOST: origin.replace(/^http:\/\//, '') }),
    chat: 'POST /v1/chat/completions',
    stream: ['POST /v1/chat/completions'],
    auth: ['authorization', undefined],
    bodyModel: 'llama3.2:3b',
  },
  {
    id: 'bedrock',
    model: `bedrock/${BEDROCK_MODEL}`,
    wire: 'bedrock',
    env: (origin) => ({
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'AKIAE2EEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'e2e/SECRET/ACCESS/KEY/EXAMPLE',
      BEDROCK_BASE_URL: origin,
    }),
    chat: `POST /model/${encodeURIComponent(BEDROCK_MODEL)}/converse`,
    stream: [`POST /model/${encodeURIComponent(BEDROCK_MODEL)}/converse-stream`],
    // SigV4 itself is verified by test/e2e/bedrock.test.ts; here: signed for this key and region.
    auth: [
      'authorization',
      /^AWS4-HMAC-SHA256 Credential=AKIAE2EEXAMPLE\/\d{8}\/eu-west-1\/bedrock\/aws4_request, SignedHeaders=[^,]+, Signature=[0-9a-f]{64}$/,
    ],
  },
  {
    id: 'replicate',
    model: 'replicate/meta/meta-llama-3-8b-instruct',
    wire: 'replicate',
    env: (origin) => ({ REPLICATE_API_TOKEN: 'r8_e2e-SECRET', REPLICATE_BASE_URL: `${origin}/v1` }),
    chat: 'POST /v1/models/meta/meta-llama-3-8b-instruct/predictions',
    // Create the prediction, then follow its urls.stream.
    stream: ['POST /v1/models/meta/meta-llama-3-8b-instruct/predictions', `GET /stream/${REPLICATE_PREDICTION_ID}`],
    auth: bearer('r8_e2e-SECRET'),
  },
  {
    id: 'vertex-ai',
    model: 'vertex-ai/gemini-2.5-flash',
    wire: 'gemini',
    // VERTEX_AI_SERVICE_ACCOUNT_JSON and VERTEX_AI_TOKEN_URL are added in beforeAll (the mock token endpoint).
    env: (origin) => ({ VERTEX_AI_PROJECT_ID: PROJECT, VERTEX_AI_BASE_URL: origin }),
    chat: `POST ${VERTEX_ROOT}/gemini-2.5-flash:generateContent`,
    stream: [`POST ${VERTEX_ROOT}/gemini-2.5-flash:streamGenerateContent?alt=sse`],
    // Minted once from the service account by the mock token endpoint, then reused: never a second token.
    auth: ['authorization', 'Bearer ya29.test-token-1'],
  },
  openaiRow('hugging-face', 'HUGGING_FACE', '/v1', 'meta-llama/Llama-3.1-8B-Instruct'),
  // OpenRouter's ids name a provider themselves: only the first segment selects the gateway's.
  openaiRow('openrouter', 'OPENROUTER', '/api/v1', 'anthropic/claude-sonnet-4.5'),
  openaiRow('hyperbolic', 'HYPERBOLIC', '/v1', 'meta-llama/Llama-3.3-70B-Instruct'),
  openaiRow('inception', 'INCEPTION', '/v1', 'mercury-coder'),
  openaiRow('inference-net', 'INFERENCE_NET', '/v1', 'meta-llama/llama-3.2-3b-instruct/fp-16'),
  openaiRow('vllm', 'VLLM', '/v1', 'Qwen/Qwen2.5-7B-Instruct'),
  openaiRow('lm-studio', 'LM_STUDIO', '/v1', 'qwen2.5-7b-instruct'),
];

/** Each provider answers with its own words, so an answer proves which mock produced it. */
const partsOf = (row: Row) => ['Hello', ' from ', `${row.id}.`, '\n\nÇa va', ' 👋'];
const textOf = (row: Row) => partsOf(row).join('');
const promptOf = (row: Row) => `Ping ${row.id}`;

const USAGE = { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 };
const sseData = (chunk: object) => `data: ${JSON.stringify(chunk)}\n\n`;

/**
 * A streamed chat completion as each OpenAI-compatible API sends it, with the quirks of the real
 * ones: the usage-only chunk (`choices: []`) OpenAI sends last when asked for usage; Mistral's and
 * Perplexity's usage in the last chunk, unasked; Perplexity's aggregated `message` beside each
 * `delta` and its citations; Azure's first chunk with no choices but `prompt_filter_results`;
 * DeepSeek's `: keep-alive` SSE comments.
 */
function openaiStream(row: Row, req: ReceivedRequest): string[] {
  const model = req.json.model;
  const parts = partsOf(row);
  const events = chatCompletionChunks(parts, model);
  const done = events.pop()!;
  if (row.id === 'perplexity') {
    let sofar = '';
    const chunk = (delta: { role?: string; content: string }, finish: string | null, last = false) => {
      sofar += delta.content;
      return sseData({
        id: 'ppl-1',
        model,
        created: 1724369245,
        object: 'chat.completion.chunk',
        ...(last ? { usage: USAGE, citations: ['https://example.com/a'] } : {}),
        choices: [{ index: 0, finish_reason: finish, message: { role: 'assistant', content: sofar }, delta }],
      });
    };
    return [
      chunk({ role: 'assistant', content: '' }, null),
      ...parts.map((content) => chunk({ content }, null)),
      chunk({ content: '' }, 'stop', true),
      done,
    ];
  }
  if (row.id === 'mistral') {
    const finish = JSON.parse(events.pop()!.slice('data: '.length));
    events.push(sseData({ ...finish, usage: USAGE }));
  }
  if (row.id === 'azure-openai') {
    events.unshift(
      sseData({
        choices: [],
        created: 0,
        id: '',
        model: '',
        object: '',
        prompt_filter_results: [{ prompt_index: 0, content_filter_results: {} }],
      }),
    );
  }
  if (row.id === 'deepseek') events.unshift(': keep-alive\n\n');
  if (req.json.stream_options?.include_usage === true) {
    events.push(
      sseData({
        id: 'chatcmpl-123',
        object: 'chat.completion.chunk',
        created: 1694268190,
        model,
        choices: [],
        usage: USAGE,
      }),
    );
  }
  return [...events, done];
}

/** The mock's native answer to one request, streamed or not as the request asks. */
function answerNatively(row: Row, mock: MockUpstream, req: ReceivedRequest, res: ServerResponse): void | Promise<void> {
  const text = textOf(row);
  const parts = partsOf(row);
  switch (row.wire) {
    case 'openai':
      if (req.json?.stream === true) return streamEvents(res, openaiStream(row, req));
      if (row.id === 'azure-openai') {
        const answer = chatCompletion(text, req.json.model);
        const choices = answer.choices.map((choice) => ({
          ...choice,
          content_filter_results: { hate: { filtered: false, severity: 'safe' } },
        }));
        return json(res, 200, {
          ...answer,
          choices,
          prompt_filter_results: [{ prompt_index: 0, content_filter_results: {} }],
        });
      }
      if (row.id === 'deepseek') {
        // DeepSeek writes blank lines while a non-streamed answer is being generated, then the JSON.
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('\n\n');
        return void res.end(JSON.stringify(chatCompletion(text, req.json.model)));
      }
      return json(res, 200, chatCompletion(text, req.json?.model));
    case 'anthropic':
      return req.json?.stream === true
        ? streamEvents(res, anthropicTextStream(parts))
        : json(res, 200, anthropicMessage(text));
    case 'gemini':
      return req.url.includes(':streamGenerateContent')
        ? streamEvents(res, [geminiSse(textStreamEvents(parts))])
        : json(res, 200, textAnswer(text));
    case 'cohere':
      return req.json?.stream === true
        ? streamEvents(res, cohereTextStream(parts))
        : json(res, 200, cohereAnswer(text));
    case 'bedrock':
      return req.url.endsWith('/converse-stream')
        ? sendEventStream(res, converseTextStream(parts))
        : json(res, 200, converseAnswer(text));
    case 'replicate':
      if (req.method === 'GET' && req.url === `/stream/${REPLICATE_PREDICTION_ID}`)
        return streamEvents(res, replicateStreamEvents(parts));
      if (req.json?.stream === true) return json(res, 201, replicatePrediction({ input: req.json.input }, mock.url));
      return json(
        res,
        201,
        replicatePrediction(
          {
            status: 'succeeded',
            output: parts,
            metrics: { predict_time: 0.1, input_token_count: 5, output_token_count: parts.length },
          },
          mock.url,
        ),
      );
  }
}

/** [input, output] tokens each native non-streamed answer above reports. */
const USAGE_OF: Record<Wire, [number, number]> = {
  openai: [19, 10],
  anthropic: [25, 12],
  gemini: [9, 12],
  cohere: [12, 7],
  bedrock: [30, 12],
  replicate: [5, 5],
};

const callsOf = (requests: readonly ReceivedRequest[]) => requests.map((r) => `${r.method} ${r.url}`);

describe('all 25 built-in providers behind one gateway, each reached in its native wire format', () => {
  const account = makeServiceAccount();
  const mocks = new Map<string, MockUpstream>();
  let tokens: MockTokenEndpoint;
  let gw: TestGateway;
  let openai: OpenAI;
  let anthropic: Anthropic;

  /** Runs `call` and returns what each mock received meanwhile. */
  async function observe<T>(call: () => Promise<T>): Promise<{ result: T; received: Map<string, ReceivedRequest[]> }> {
    const before = new Map([...mocks].map(([id, mock]) => [id, mock.received.length]));
    const result = await call();
    const received = new Map([...mocks].map(([id, mock]) => [id, mock.received.slice(before.get(id))]));
    return { result, received };
  }

  /** Only `row`'s mock was called; returns its requests. */
  function onlyCalled(row: Row, received: Map<string, ReceivedRequest[]>): ReceivedRequest[] {
    const others = [...received].filter(([id, requests]) => id !== row.id && requests.length > 0).map(([id]) => id);
    expect(others, 'mocks of other providers that were called').toEqual([]);
    return received.get(row.id)!;
  }

  function expectNativeRequest(row: Row, request: ReceivedRequest): void {
    const [header, expected] = row.auth;
    if (expected instanceof RegExp) expect(request.headers[header]).toMatch(expected);
    else expect(request.headers[header]).toBe(expected);
    // The client's own key never travels upstream.
    expect(JSON.stringify(request.headers)).not.toContain('client-key');
    expect(request.body).toContain(promptOf(row));
    if (row.bodyModel !== undefined) expect(request.json.model).toBe(row.bodyModel);
  }

  beforeAll(async () => {
    tokens = await new MockTokenEndpoint(account).start();
    const env: Record<string, string | undefined> = {
      MAX_RETRIES: '0',
      REQUEST_TIMEOUT_MS: '5000',
      VERTEX_AI_SERVICE_ACCOUNT_JSON: account.json,
      VERTEX_AI_TOKEN_URL: tokens.url,
    };
    for (const row of ROWS) {
      const mock = await new MockUpstream().start();
      mock.handle((req, res) => answerNatively(row, mock, req, res));
      mocks.set(row.id, mock);
      Object.assign(env, row.env(mock.url));
    }
    gw = await startGateway(env);
    openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'client-key', maxRetries: 0, timeout: 5_000 });
    anthropic = new Anthropic({ baseURL: gw.url, apiKey: 'client-key', maxRetries: 0, timeout: 5_000 });
  });
  afterAll(async () => {
    await gw?.close();
    await Promise.all([...mocks.values()].map((mock) => mock.close()));
    await tokens?.close();
  });

  it('the table covers every built-in provider, and the gateway has them all active', async () => {
    // The demo answers in-process: it has no upstream to mock (test/providers/demo covers it).
    const upstreamIds = PROVIDER_IDS.filter((id) => id !== 'demo');
    expect(ROWS.map((row) => row.id).sort()).toEqual([...upstreamIds].sort());
    expect(upstreamIds).toHaveLength(25);
    const health = (await (await fetch(`${gw.url}/health`)).json()) as { providers: string[] };
    expect([...health.providers].sort()).toEqual([...upstreamIds].sort());
  });

  describe('OpenAI SDK, chat.completions.create', () => {
    it.each(ROWS)('$id: non-streamed', async (row) => {
      const { result, received } = await observe(() =>
        openai.chat.completions
          .create({ model: row.model, messages: [{ role: 'user', content: promptOf(row) }] })
          .withResponse(),
      );
      const requests = onlyCalled(row, received);
      expect(callsOf(requests)).toEqual([row.chat]);
      expectNativeRequest(row, requests[0]!);
      expect(result.response.headers.get('x-gateway-provider')).toBe(row.id);
      expect(result.data.object).toBe('chat.completion');
      expect(result.data.choices[0]?.message).toMatchObject({ role: 'assistant', content: textOf(row) });
      expect(result.data.choices[0]?.finish_reason).toBe('stop');
      const [input, output] = USAGE_OF[row.wire];
      expect(result.data.usage).toMatchObject({ prompt_tokens: input, completion_tokens: output });
    });

    it.each(ROWS)('$id: streamed', async (row) => {
      const { result, received } = await observe(async () => {
        const { data: stream, response } = await openai.chat.completions
          .create({ model: row.model, messages: [{ role: 'user', content: promptOf(row) }], stream: true })
          .withResponse();
        const chunks: OpenAI.ChatCompletionChunk[] = [];
        for await (const chunk of stream) chunks.push(chunk);
        return { chunks, response };
      });
      const requests = onlyCalled(row, received);
      expect(callsOf(requests)).toEqual(row.stream);
      expectNativeRequest(row, requests[0]!);
      const { chunks, response } = result;
      expect(response.headers.get('x-gateway-provider')).toBe(row.id);
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      // The first chunk with a choice (Azure's first chunk has none: only prompt_filter_results).
      expect(chunks.find((chunk) => chunk.choices.length > 0)?.choices[0]?.delta.role).toBe('assistant');
      if (row.id !== 'azure-openai') expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant');
      // The usage chunk the gateway asked for on the client's behalf is not passed on.
      expect(chunks.filter((chunk) => chunk.choices.length === 0 && chunk.usage)).toEqual([]);
      const deltas = chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? '').filter(Boolean);
      // One chunk per upstream delta: streamed through, not gathered into one answer.
      expect(deltas).toEqual(partsOf(row));
      expect(deltas.join('')).toBe(textOf(row));
      expect(chunks.map((chunk) => chunk.choices[0]?.finish_reason).filter(Boolean)).toEqual(['stop']);
    });
  });

  describe('Anthropic SDK, messages.create', () => {
    it.each(ROWS)('$id: non-streamed', async (row) => {
      const { result, received } = await observe(() =>
        anthropic.messages
          .create({ model: row.model, max_tokens: 256, messages: [{ role: 'user', content: promptOf(row) }] })
          .withResponse(),
      );
      const requests = onlyCalled(row, received);
      expect(callsOf(requests)).toEqual([row.chat]);
      expectNativeRequest(row, requests[0]!);
      expect(result.response.headers.get('x-gateway-provider')).toBe(row.id);
      expect(result.data.type).toBe('message');
      expect(result.data.role).toBe('assistant');
      expect(result.data.content).toEqual([expect.objectContaining({ type: 'text', text: textOf(row) })]);
      expect(result.data.stop_reason).toBe('end_turn');
      const [input, output] = USAGE_OF[row.wire];
      expect(result.data.usage).toMatchObject({ input_tokens: input, output_tokens: output });
    });

    it.each(ROWS)('$id: streamed', async (row) => {
      const { result, received } = await observe(async () => {
        const { data: stream, response } = await anthropic.messages
          .create({
            model: row.model,
            max_tokens: 256,
            messages: [{ role: 'user', content: promptOf(row) }],
            stream: true,
          })
          .withResponse();
        const events: Anthropic.RawMessageStreamEvent[] = [];
        for await (const event of stream) events.push(event);
        return { events, response };
      });
      const requests = onlyCalled(row, received);
      expect(callsOf(requests)).toEqual(row.stream);
      expectNativeRequest(row, requests[0]!);
      const { events, response } = result;
      expect(response.headers.get('x-gateway-provider')).toBe(row.id);
      expect(events[0]).toMatchObject({ type: 'message_start', message: { role: 'assistant' } });
      expect(events.at(-1)?.type).toBe('message_stop');
      const deltas = events.flatMap((event) =>
        event.type === 'content_block_delta' && event.delta.type === 'text_delta' ? [event.delta.text] : [],
      );
      expect(deltas.join('')).toBe(textOf(row));
      expect(deltas.length).toBeGreaterThan(1);
      expect(events.flatMap((event) => (event.type === 'message_delta' ? [event.delta.stop_reason] : []))).toEqual([
        'end_turn',
      ]);
    });
  });

  it("Vertex AI's access token came from a JWT grant the token endpoint verified against the service account", () => {
    expect(tokens.refusals).toEqual([]);
    expect(tokens.issued).toBeLessThanOrEqual(1);
    for (const grant of tokens.grants)
      expect(grant.claims).toMatchObject({
        iss: account.clientEmail,
        aud: tokens.url,
        scope: 'https://www.googleapis.com/auth/cloud-platform',
      });
  });
});
