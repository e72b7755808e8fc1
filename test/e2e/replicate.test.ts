import type { ServerResponse } from 'node:http';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { StreamEvent } from '../../src/formats/ir.ts';
import { followStream } from '../../src/formats/replicate/stream.ts';
import { chatRequest } from '../helpers/formats.ts';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import { json, MockUpstream, type ReceivedRequest, sleep } from '../helpers/mock-upstream.ts';

const TOKEN = 'r8_test-token-SECRET-42';

/** A prediction as Replicate's API reference shows one. */
const prediction = (fields: object, base = 'http://replicate.invalid') => ({
  id: 'ufawqhfynnddngldkgtslldrkq',
  model: 'meta/meta-llama-3-8b-instruct',
  version: 'dp-4d0d6bd1e5d1ba6bd4ce8f6c2ee4cd3b',
  input: {},
  logs: '',
  output: null,
  error: null,
  status: 'starting',
  created_at: '2024-05-09T15:52:21.283Z',
  urls: {
    get: `${base}/v1/predictions/ufawqhfynnddngldkgtslldrkq`,
    cancel: `${base}/v1/predictions/ufawqhfynnddngldkgtslldrkq/cancel`,
    stream: `${base}/stream/ufawqhfynnddngldkgtslldrkq`,
  },
  ...fields,
});

describe('OpenAI clients reaching Replicate (predictions)', () => {
  let upstream: MockUpstream;
  let gw: TestGateway;
  let openai: OpenAI;
  let answer: (req: ReceivedRequest, res: ServerResponse) => void | Promise<void>;

  beforeAll(async () => {
    upstream = await new MockUpstream().start();
    upstream.handle((req, res) => answer(req, res));
    gw = await startGateway({ REPLICATE_API_TOKEN: TOKEN, REPLICATE_BASE_URL: `${upstream.url}/v1` });
    openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'client-key', maxRetries: 0, timeout: 10_000 });
  });
  afterAll(async () => {
    await gw.close();
    await upstream.close();
  });
  beforeEach(() => {
    answer = (_req, res) =>
      json(
        res,
        201,
        prediction({
          status: 'succeeded',
          output: ['Llamas', ' hum', ' softly'],
          metrics: { predict_time: 0.8, input_token_count: 21, output_token_count: 3 },
        }),
      );
  });

  it('plain: a waiting prediction built from the messages, answered in OpenAI shape with usage', async () => {
    const { data, response } = await openai.chat.completions
      .create({
        model: 'replicate/meta/meta-llama-3-8b-instruct',
        messages: [
          { role: 'system', content: 'You are a poet.' },
          { role: 'user', content: 'A haiku about llamas' },
        ],
        max_tokens: 64,
      })
      .withResponse();
    expect(upstream.last.url).toBe('/v1/models/meta/meta-llama-3-8b-instruct/predictions');
    expect(upstream.last.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(upstream.last.headers.prefer).toBe('wait');
    expect(upstream.last.json).toEqual({
      input: { prompt: 'A haiku about llamas', system_prompt: 'You are a poet.', max_tokens: 64, max_new_tokens: 64 },
    });
    expect(response.headers.get('x-gateway-provider')).toBe('replicate');
    expect(data.choices[0]?.message.content).toBe('Llamas hum softly');
    expect(data.usage).toMatchObject({ prompt_tokens: 21, completion_tokens: 3 });
  });

  it('a failed prediction becomes a clear 502 naming the model error', async () => {
    answer = (_req, res) => json(res, 201, prediction({ status: 'failed', error: 'CUDA out of memory' }));
    await expect(
      openai.chat.completions.create({
        model: 'replicate/meta/meta-llama-3-8b-instruct',
        messages: [{ role: 'user', content: 'Hi' }],
      }),
    ).rejects.toMatchObject({
      status: 502,
      message: expect.stringContaining('failed: CUDA out of memory'),
    });
  });

  it("Replicate's problem-details errors reach the client with their status and detail", async () => {
    answer = (_req, res) =>
      json(res, 422, {
        title: 'Input validation failed',
        detail: '- input.max_tokens: Must be greater than or equal to 1',
        status: 422,
      });
    await expect(
      openai.chat.completions.create({
        model: 'replicate/meta/meta-llama-3-8b-instruct',
        max_tokens: 0,
        messages: [{ role: 'user', content: 'Hi' }],
      }),
    ).rejects.toMatchObject({
      status: 422,
      message: expect.stringContaining('Must be greater than or equal to 1'),
    });
  });

  it('tools are refused with a 400 before anything is sent', async () => {
    const sent = upstream.received.length;
    await expect(
      openai.chat.completions.create({
        model: 'replicate/meta/meta-llama-3-8b-instruct',
        messages: [{ role: 'user', content: 'Hi' }],
        tools: [{ type: 'function', function: { name: 'f', parameters: {} } }],
      }),
    ).rejects.toMatchObject({ status: 400, message: expect.stringContaining("'tools'") });
    expect(upstream.received.length).toBe(sent);
  });

  it('images: an image model prediction answered in OpenAI image shape', async () => {
    answer = (_req, res) =>
      json(
        res,
        201,
        prediction({
          model: 'black-forest-labs/flux-schnell',
          status: 'succeeded',
          output: ['https://replicate.delivery/xezq/out-0.webp', 'https://replicate.delivery/xezq/out-1.webp'],
        }),
      );
    const data = await openai.images.generate({
      model: 'replicate/black-forest-labs/flux-schnell',
      prompt: 'A llama in a field of flowers',
      n: 2,
      size: '1024x1024',
    });
    expect(upstream.last.url).toBe('/v1/models/black-forest-labs/flux-schnell/predictions');
    expect(upstream.last.headers.prefer).toBe('wait');
    expect(upstream.last.json).toEqual({
      input: {
        prompt: 'A llama in a field of flowers',
        num_outputs: 2,
        width: 1024,
        height: 1024,
        aspect_ratio: '1:1',
      },
    });
    expect(data.data?.map((image) => image.url)).toEqual([
      'https://replicate.delivery/xezq/out-0.webp',
      'https://replicate.delivery/xezq/out-1.webp',
    ]);
    expect(data.created).toBe(Math.floor(Date.parse('2024-05-09T15:52:21.283Z') / 1000));
  });

  it('images: b64_json is refused with a 400 (Replicate answers with URLs)', async () => {
    await expect(
      openai.images.generate({
        model: 'replicate/black-forest-labs/flux-schnell',
        prompt: 'x',
        response_format: 'b64_json',
      }),
    ).rejects.toMatchObject({ status: 400 });
  });
});

describe('Replicate streamed chat, both steps against a mock Replicate (the pieces the proxy hook wires)', () => {
  let upstream: MockUpstream;

  beforeAll(async () => {
    upstream = await new MockUpstream().start();
    upstream.handle(async (req, res) => {
      if (req.method === 'POST') return json(res, 201, prediction({ input: req.json.input }, upstream.url));
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return json(res, 401, { detail: 'Unauthenticated' });
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
      for (const event of [
        'event: output\nid: 1:0\ndata: Llamas\n\n',
        'event: output\nid: 1:1\ndata:  hum\n\n',
        'event: output\nid: 1:2\ndata:  softly\n\n',
        'event: done\ndata: {}\n\n',
      ]) {
        res.write(event);
        await sleep(2);
      }
      res.end();
    });
  });
  afterAll(() => upstream.close());

  it('through the gateway: the OpenAI SDK streams a prediction, which the gateway creates and then follows', async () => {
    const gw = await startGateway({ REPLICATE_API_TOKEN: TOKEN, REPLICATE_BASE_URL: `${upstream.url}/v1` });
    try {
      const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'client-key', maxRetries: 0, timeout: 10_000 });
      const before = upstream.received.length;
      const stream = await client.chat.completions.create({
        model: 'replicate/meta/meta-llama-3-8b-instruct',
        stream: true,
        messages: [{ role: 'user', content: 'A haiku' }],
      });
      const chunks = [];
      for await (const chunk of stream) chunks.push(chunk);
      const [create, follow] = upstream.received.slice(before);
      expect(create).toMatchObject({ method: 'POST', url: '/v1/models/meta/meta-llama-3-8b-instruct/predictions' });
      expect(create!.json.stream).toBe(true);
      expect(create!.headers.prefer).toBeUndefined();
      expect(follow).toMatchObject({ method: 'GET', url: '/stream/ufawqhfynnddngldkgtslldrkq' });
      expect(follow!.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(chunks[0]?.choices[0]?.delta).toMatchObject({ role: 'assistant' });
      expect(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')).toBe('Llamas hum softly');
      expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop');
    } finally {
      await gw.close();
    }
  });

  it('creates with stream: true, follows urls.stream with the token, and decodes output/done into IR events', async () => {
    const request = chatRequest({
      model: 'llama',
      stream: true,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'A haiku' }] }],
    });
    const baseUrl = `${upstream.url}/v1`;
    const created = await fetch(`${baseUrl}/models/meta/meta-llama-3-8b-instruct/predictions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ input: { prompt: 'A haiku' }, stream: true }),
    });
    const next = followStream(Buffer.from(await created.arrayBuffer()), baseUrl, request);
    expect(next.url).toBe(`${upstream.url}/stream/ufawqhfynnddngldkgtslldrkq`);
    const streamed = await fetch(next.url, { headers: { authorization: `Bearer ${TOKEN}`, ...next.headers } });
    expect(upstream.last.headers.accept).toBe('text/event-stream');
    const events: StreamEvent[] = [];
    for await (const chunk of streamed.body!) events.push(...next.decoder.push(chunk));
    events.push(...next.decoder.end());
    expect(events).toEqual([
      { type: 'start', id: 'ufawqhfynnddngldkgtslldrkq', model: 'llama' },
      { type: 'text-delta', text: 'Llamas' },
      { type: 'text-delta', text: ' hum' },
      { type: 'text-delta', text: ' softly' },
      { type: 'finish', reason: 'stop' },
      { type: 'end' },
    ]);
  });
});
