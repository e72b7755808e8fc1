import { describe, expect, it } from 'vitest';
import type { ChatRequest, ImagesRequest } from '../../../src/formats/ir.ts';
import { sizeInputs } from '../../../src/formats/replicate/images.ts';
import { replicateFormat } from '../../../src/formats/replicate/index.ts';
import { promptOf } from '../../../src/formats/replicate/request.ts';
import { streamUrlOf } from '../../../src/formats/replicate/stream.ts';
import { chatRequest, decodeAll, splitAt } from '../../helpers/formats.ts';

const build = (fields: Partial<ChatRequest>, model = 'meta/meta-llama-3-70b-instruct') =>
  replicateFormat.provider.chat.buildRequest(chatRequest(fields), model);
const body = (object: object) => Buffer.from(JSON.stringify(object));

/** A prediction as Replicate's "Get a prediction" reference shows one, with the given fields. */
const prediction = (fields: object) => ({
  id: 'gm3qorzdhgbfurvjtvhg6dckhu',
  model: 'meta/meta-llama-3-70b-instruct',
  version: 'fbfb20b472b2f3bdd101412a9f70a0ed4fc0ced78a77ff00970ee7a2383c575d',
  input: { prompt: 'Write a haiku about llamas' },
  logs: '',
  output: null,
  error: null,
  status: 'starting',
  created_at: '2023-09-08T16:19:34.765994657Z',
  urls: {
    cancel: 'https://api.replicate.com/v1/predictions/gm3qorzdhgbfurvjtvhg6dckhu/cancel',
    get: 'https://api.replicate.com/v1/predictions/gm3qorzdhgbfurvjtvhg6dckhu',
    stream: 'https://streaming-api.svc.rno2.c.replicate.net/v1/streams/gm3qorzdhgbfurvjtvhg6dckhu',
  },
  ...fields,
});

describe('Replicate chat request', () => {
  it('creates a prediction of an official model, waiting for it (Prefer: wait)', () => {
    expect(
      build({
        system: [{ type: 'text', text: 'You are a helpful assistant' }],
        messages: [{ role: 'user', content: [{ type: 'text', text: 'Write a haiku about llamas' }] }],
        maxTokens: 512,
        temperature: 0.6,
        topP: 0.9,
        topK: 50,
        stop: ['<|end_of_text|>', '<|eot_id|>'],
        seed: 7,
        presencePenalty: 1.15,
        frequencyPenalty: 0.2,
      }),
    ).toEqual({
      path: '/models/meta/meta-llama-3-70b-instruct/predictions',
      headers: { prefer: 'wait' },
      body: {
        input: {
          prompt: 'Write a haiku about llamas',
          system_prompt: 'You are a helpful assistant',
          max_tokens: 512,
          max_new_tokens: 512,
          temperature: 0.6,
          top_p: 0.9,
          top_k: 50,
          stop_sequences: '<|end_of_text|>,<|eot_id|>',
          seed: 7,
          presence_penalty: 1.15,
          frequency_penalty: 0.2,
        },
      },
    });
  });

  it('creates a streamed prediction without waiting', () => {
    expect(build({ stream: true })).toEqual({
      path: '/models/meta/meta-llama-3-70b-instruct/predictions',
      body: { input: { prompt: 'Hello' }, stream: true },
    });
  });

  it.each([
    [
      'replicate/llama-7b:ac808388e2e9d8ed35a5bf2eaa7d83f0ad53f9e3df31a42e4eb0a0c3249b3165',
      'replicate/llama-7b:ac808388e2e9d8ed35a5bf2eaa7d83f0ad53f9e3df31a42e4eb0a0c3249b3165',
    ],
    [
      'ac808388e2e9d8ed35a5bf2eaa7d83f0ad53f9e3df31a42e4eb0a0c3249b3165',
      'ac808388e2e9d8ed35a5bf2eaa7d83f0ad53f9e3df31a42e4eb0a0c3249b3165',
    ],
  ])('creates a prediction of a pinned version %s through /predictions', (model, version) => {
    const request = build({}, model);
    expect(request.path).toBe('/predictions');
    expect(request.body.version).toBe(version);
  });

  it('a reasoning effort only tuned the answer: Replicate has no such setting, so it is dropped and reported', () => {
    const built = build({ reasoning: { effort: 'low' } });
    expect(built.body.input).not.toHaveProperty('reasoning_effort');
    expect(built.dropped).toEqual(['reasoning_effort']);
  });

  it('refuses a model that is not owner/name', () => {
    expect(() => build({}, 'llama')).toThrow(expect.objectContaining({ status: 400, code: 'invalid_model' }));
  });

  it('writes a conversation out as a labelled transcript, and a single message as it is', () => {
    expect(promptOf([{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }])).toBe('Hi');
    expect(
      promptOf([
        { role: 'user', content: [{ type: 'text', text: 'My name is Ada.' }] },
        {
          role: 'assistant',
          content: [
            { type: 'reasoning', text: 'greet her' },
            { type: 'text', text: 'Hello Ada!' },
          ],
        },
        { role: 'user', content: [{ type: 'text', text: 'What is my name?' }] },
      ]),
    ).toBe('User: My name is Ada.\n\nAssistant: Hello Ada!\n\nUser: What is my name?');
  });

  it('passes one image as `image`', () => {
    const { body: request } = build({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBORw0KGgo=' } },
          ],
        },
      ],
    });
    expect(request.input).toEqual({ prompt: 'What is this?', image: 'data:image/png;base64,iVBORw0KGgo=' });
  });

  it.each([
    ['tools', { tools: [{ name: 'f', parameters: {} }] }, /tools/],
    [
      'tool results',
      { messages: [{ role: 'user', content: [{ type: 'tool-result', toolCallId: 'a', name: 'f', content: [] }] }] },
      /tool calls/,
    ],
    ['response_format', { responseFormat: { type: 'json' } }, /response_format/],
    ['n > 1', { n: 3 }, /'n'/],
    ['a stop sequence with a comma', { stop: ['a,b'] }, /comma/],
    [
      'two images',
      {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'image', source: { kind: 'url', url: 'https://a/1.png' } },
              { type: 'image', source: { kind: 'url', url: 'https://a/2.png' } },
            ],
          },
        ],
      },
      /single image/,
    ],
    ['an unmapped parameter', { unmapped: { logprobs: true } }, /'logprobs'/],
  ] as const)('refuses %s', (_name, fields, message) => {
    expect(() => build(fields as Partial<ChatRequest>)).toThrow(message);
  });
});

describe('Replicate chat answer', () => {
  it('joins the output tokens of a finished prediction and reads its token counts', () => {
    const answer = replicateFormat.provider.chat.decodeResponse(
      body(
        prediction({
          status: 'succeeded',
          output: ['Soft', ' and', ' fluffy'],
          metrics: { predict_time: 1.2, input_token_count: 13, output_token_count: 3 },
        }),
      ),
      chatRequest(),
    );
    expect(answer).toEqual({
      id: 'gm3qorzdhgbfurvjtvhg6dckhu',
      model: 'meta/meta-llama-3-70b-instruct',
      content: [{ type: 'text', text: 'Soft and fluffy' }],
      finishReason: 'stop',
      usage: { inputTokens: 13, outputTokens: 3 },
    });
  });

  it.each([
    [{ status: 'failed', error: 'CUDA out of memory' }, 502, 'prediction_failed', /failed: CUDA out of memory/],
    [{ status: 'canceled' }, 502, 'prediction_canceled', /canceled/],
    [{ status: 'processing' }, 504, 'prediction_unfinished', /still processing/],
  ])('turns a prediction with %o into a clear error', (fields, status, code, message) => {
    expect(() => replicateFormat.provider.chat.decodeResponse(body(prediction(fields)), chatRequest())).toThrow(
      expect.objectContaining({ status, code, message: expect.stringMatching(message) }),
    );
  });

  it.each([
    [
      401,
      { title: 'Unauthenticated', detail: 'You did not pass a valid authentication token', status: 401 },
      { message: 'You did not pass a valid authentication token', code: 'Unauthenticated' },
    ],
    [
      422,
      {
        title: 'Input validation failed',
        detail: '- input.prompt: Invalid type. Expected: string, given: null',
        status: 422,
      },
      { message: '- input.prompt: Invalid type. Expected: string, given: null', code: 'Input validation failed' },
    ],
    [404, { detail: 'Not found.' }, { message: 'Not found.' }],
  ])('reads a %i error body', (status, errorBody, expected) => {
    expect(replicateFormat.provider.chat.errorOf(status, body(errorBody))).toEqual(expected);
  });
});

describe('Replicate streamed chat', () => {
  const BASE = 'https://api.replicate.com/v1';

  it('finds the stream URL of a created prediction', () => {
    expect(streamUrlOf(body(prediction({})), BASE)).toEqual({
      url: 'https://streaming-api.svc.rno2.c.replicate.net/v1/streams/gm3qorzdhgbfurvjtvhg6dckhu',
      predictionId: 'gm3qorzdhgbfurvjtvhg6dckhu',
    });
  });

  it.each([
    [
      'a model that does not stream',
      prediction({ urls: { get: 'https://api.replicate.com/v1/predictions/x' } }),
      /does not stream/,
    ],
    ['a prediction that already failed', prediction({ status: 'failed', error: 'bad input' }), /bad input/],
    [
      'a stream URL outside Replicate (where the token must not go)',
      prediction({ urls: { stream: 'https://evil.example.com/steal' } }),
      /outside Replicate/,
    ],
    [
      'a plain-http Replicate URL',
      prediction({ urls: { stream: 'http://stream.replicate.com/x' } }),
      /outside Replicate/,
    ],
  ])('refuses %s', (_name, created, message) => {
    expect(() => streamUrlOf(body(created), BASE)).toThrow(message);
  });

  it("trusts a stream URL on the configured base URL's origin (a proxy or a mock)", () => {
    expect(
      streamUrlOf(body(prediction({ urls: { stream: 'http://127.0.0.1:4000/stream/1' } })), 'http://127.0.0.1:4000/v1')
        .url,
    ).toBe('http://127.0.0.1:4000/stream/1');
  });

  const decoder = () => replicateFormat.provider.chat.streamDecoder(chatRequest({ model: 'llama', stream: true }));
  const SSE =
    'event: output\nid: 1690212292:0\ndata: Once upon\n\nevent: output\nid: 1690212292:1\ndata:  a time\n\nevent: output\ndata: \ndata: \n\nevent: done\ndata: {}\n\n';

  it('translates output events into text and done into the finish', () => {
    const events = decodeAll(decoder(), [Buffer.from(SSE)]);
    expect(events.map((e) => e.type)).toEqual(['start', 'text-delta', 'text-delta', 'text-delta', 'finish', 'end']);
    expect(events.filter((e) => e.type === 'text-delta').map((e) => (e as { text: string }).text)).toEqual([
      'Once upon',
      ' a time',
      '\n',
    ]);
  });

  it('gives the same events whatever byte boundary the body is split at', () => {
    const bytes = Buffer.from(SSE);
    const whole = decodeAll(decoder(), [bytes]).slice(1);
    for (let cut = 1; cut < bytes.length; cut++)
      expect(decodeAll(decoder(), splitAt(bytes, [cut])).slice(1)).toEqual(whole);
  });

  it.each([
    [
      'an error event',
      'event: output\ndata: Hi\n\nevent: error\ndata: {"detail": "CUDA out of memory"}\n\n',
      { code: 'prediction_failed', message: expect.stringMatching(/CUDA out of memory/) },
    ],
    ['done with reason canceled', 'event: done\ndata: {"reason": "canceled"}\n\n', { code: 'prediction_canceled' }],
    ['done with reason error', 'event: done\ndata: {"reason": "error"}\n\n', { code: 'prediction_failed' }],
    ['a stream cut before done', 'event: output\ndata: Hi\n\n', { code: 'upstream_stream_incomplete' }],
  ])('ends with an error event after %s', (_name, sse, error) => {
    const events = decodeAll(decoder(), [Buffer.from(sse)]);
    expect(events.at(-1)).toEqual({ type: 'error', status: 502, message: expect.any(String), ...error });
    expect(events.some((e) => e.type === 'end')).toBe(false);
  });
});

describe('Replicate images', () => {
  const images = replicateFormat.provider.images!;
  const request = (fields: Partial<ImagesRequest> = {}): ImagesRequest => ({
    model: undefined,
    prompt: 'black forest gateau cake spelling out the words "FLUX SCHNELL"',
    unmapped: {},
    ...fields,
  });

  it('creates a waiting prediction with the prompt, count and size', () => {
    expect(images.buildRequest(request({ n: 2, size: '1024x1024' }), 'black-forest-labs/flux-schnell')).toEqual({
      path: '/models/black-forest-labs/flux-schnell/predictions',
      headers: { prefer: 'wait' },
      body: {
        input: {
          prompt: 'black forest gateau cake spelling out the words "FLUX SCHNELL"',
          num_outputs: 2,
          width: 1024,
          height: 1024,
          aspect_ratio: '1:1',
        },
      },
    });
  });

  it.each([
    ['1792x1024', { width: 1792, height: 1024 }],
    ['1536x1024', { width: 1536, height: 1024, aspect_ratio: '3:2' }],
    ['auto', {}],
  ])('sends size %s as %o', (size, inputs) => {
    expect(sizeInputs(size)).toEqual(inputs);
  });

  it.each([
    ['no model', request(), undefined, /needs a model/],
    ['b64_json', request({ responseFormat: 'b64_json' }), 'black-forest-labs/flux-schnell', /URLs/],
    ['quality hd', request({ quality: 'hd' }), 'black-forest-labs/flux-schnell', /quality/],
    ['style', request({ unmapped: { style: 'vivid' } }), 'black-forest-labs/flux-schnell', /'style'/],
  ])('refuses %s', (_name, imagesRequest, model, message) => {
    expect(() => images.buildRequest(imagesRequest, model)).toThrow(message);
  });

  it.each([
    [['https://replicate.delivery/xezq/a.webp', 'https://replicate.delivery/xezq/b.webp'], 2],
    ['https://replicate.delivery/xezq/one.webp', 1],
  ])('reads output %o as image URLs', (output, count) => {
    const answer = images.decodeResponse(
      body(prediction({ status: 'succeeded', output, created_at: '2024-08-01T12:00:00.000Z' })),
      request(),
    );
    expect(answer.created).toBe(Date.parse('2024-08-01T12:00:00.000Z') / 1000);
    expect(answer.images).toHaveLength(count);
    expect(answer.images[0]!.url).toMatch(/^https:\/\/replicate\.delivery\//);
  });

  it('turns a failed image prediction into a clear error', () => {
    expect(() =>
      images.decodeResponse(body(prediction({ status: 'failed', error: 'NSFW content detected' })), request()),
    ).toThrow(/NSFW content detected/);
  });
});
