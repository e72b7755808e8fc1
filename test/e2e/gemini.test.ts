import type { ServerResponse } from 'node:http';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { postJson, startGateway, type TestGateway } from '../helpers/gateway.ts';
import { textAnswer, textStreamEvents } from '../helpers/gemini-samples.ts';
import { json, MockUpstream, type ReceivedRequest, streamEvents } from '../helpers/mock-upstream.ts';

/** SSE events as `streamGenerateContent?alt=sse` frames them: `data: <json>` and a CRLF blank line. */
const sse = (events: readonly unknown[]) => events.map((event) => `data: ${JSON.stringify(event)}\r\n\r\n`);

const GEMINI_KEY = 'AIzaSy-gemini-test-SECRET';

/** Two whole function calls in one event, Gemini 3 style (the first signed), then the closing event. */
const toolCallEvents = [
  {
    candidates: [
      {
        content: {
          role: 'model',
          parts: [
            {
              functionCall: { name: 'get_current_temperature', args: { location: 'Paris' } },
              thoughtSignature: 'EqUCCqICAb4+9vsh8Pd5taZVoPzSvjWWwzBrvhEQWBLCGa7I',
            },
            { functionCall: { name: 'get_current_temperature', args: { location: 'Rome' } } },
          ],
        },
        index: 0,
      },
    ],
    modelVersion: 'gemini-3-pro-preview',
    responseId: 'tool-stream-1',
  },
  {
    candidates: [{ content: { role: 'model', parts: [{ text: '' }] }, finishReason: 'STOP', index: 0 }],
    usageMetadata: { promptTokenCount: 29, candidatesTokenCount: 15, thoughtsTokenCount: 45, totalTokenCount: 89 },
    modelVersion: 'gemini-3-pro-preview',
    responseId: 'tool-stream-1',
  },
];

const WEATHER_TOOL = {
  type: 'function' as const,
  function: {
    name: 'get_current_temperature',
    description: 'Gets the current temperature for a given location.',
    parameters: {
      type: 'object',
      properties: { location: { type: 'string', description: 'The city name, e.g. San Francisco' } },
      required: ['location'],
      additionalProperties: false,
    },
    strict: true,
  },
};

describe('OpenAI and Anthropic clients reaching Google Gemini (native API)', () => {
  let upstream: MockUpstream;
  let gw: TestGateway;
  let openai: OpenAI;
  let anthropic: Anthropic;
  let answer: (req: ReceivedRequest, res: ServerResponse) => void | Promise<void>;

  beforeAll(async () => {
    upstream = await new MockUpstream().start();
    upstream.handle((req, res) => answer(req, res));
    gw = await startGateway({ GEMINI_API_KEY: GEMINI_KEY, GEMINI_BASE_URL: upstream.url });
    openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'client-key', maxRetries: 0, timeout: 10_000 });
    anthropic = new Anthropic({ baseURL: gw.url, apiKey: 'client-key', maxRetries: 0, timeout: 10_000 });
  });
  afterAll(async () => {
    await gw.close();
    await upstream.close();
  });
  beforeEach(() => {
    answer = (_req, res) => json(res, 200, textAnswer('Hello! How can I help you today?'));
  });

  it('plain: the native request carries the key in x-goog-api-key only; the answer, usage and cost come back in OpenAI shape', async () => {
    answer = (_req, res) =>
      json(
        res,
        200,
        textAnswer('Hello! How can I help you today?', {
          usageMetadata: {
            promptTokenCount: 1200,
            cachedContentTokenCount: 1000,
            candidatesTokenCount: 9,
            thoughtsTokenCount: 30,
            totalTokenCount: 1239,
          },
        }),
      );
    const { data, response } = await openai.chat.completions
      .create({
        model: 'gemini-2.5-flash',
        messages: [
          { role: 'system', content: 'You are terse.' },
          { role: 'user', content: 'Hello' },
        ],
        max_completion_tokens: 100,
        temperature: 0.2,
        stop: ['END'],
      })
      .withResponse();
    expect(upstream.last.url).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(upstream.last.headers['x-goog-api-key']).toBe(GEMINI_KEY);
    expect(upstream.last.headers.authorization).toBeUndefined();
    expect(upstream.last.json).toEqual({
      systemInstruction: { parts: [{ text: 'You are terse.' }] },
      contents: [{ role: 'user', parts: [{ text: 'Hello' }] }],
      generationConfig: { maxOutputTokens: 100, temperature: 0.2, stopSequences: ['END'] },
    });
    expect(data.choices[0]?.message.content).toBe('Hello! How can I help you today?');
    expect(data.choices[0]?.finish_reason).toBe('stop');
    expect(data.usage).toMatchObject({
      prompt_tokens: 1200,
      completion_tokens: 39,
      total_tokens: 1239,
      prompt_tokens_details: { cached_tokens: 1000 },
    });
    expect(response.headers.get('x-gateway-provider')).toBe('gemini');
    expect(response.headers.get('x-gateway-usage')).toBe(
      'input=1200; cached_input=1000; cache_write=0; output=39; reasoning=30',
    );
    expect(Number(response.headers.get('x-gateway-cost-usd'))).toBeGreaterThan(0);
  });

  it('streamed: CRLF-separated events reassemble; usage (only on the last event) reaches the client', async () => {
    answer = (_req, res) =>
      streamEvents(
        res,
        sse(
          textStreamEvents(['Hel', 'lo ', 'there', '!'], 'STOP', {
            promptTokenCount: 9,
            candidatesTokenCount: 4,
            totalTokenCount: 13,
          }),
        ),
      );
    const stream = await openai.chat.completions.create({
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finish: string | null | undefined;
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    expect(upstream.last.url).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
    expect(upstream.last.json).not.toHaveProperty('stream_options');
    expect(text).toBe('Hello there!');
    expect(finish).toBe('stop');
    expect(usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 });
  });

  it('tools, streamed: whole function calls arrive as OpenAI tool-call deltas with ids; the next turn returns the thought signature and named results', async () => {
    answer = (_req, res) => streamEvents(res, sse(toolCallEvents));
    const stream = await openai.chat.completions.create({
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: 'Temperature in Paris and Rome?' }],
      tools: [WEATHER_TOOL],
      tool_choice: 'required',
      stream: true,
    });
    const calls: { id: string; name: string; arguments: string }[] = [];
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      for (const delta of chunk.choices[0]?.delta.tool_calls ?? []) {
        const call = (calls[delta.index] ??= { id: '', name: '', arguments: '' });
        call.id += delta.id ?? '';
        call.name += delta.function?.name ?? '';
        call.arguments += delta.function?.arguments ?? '';
      }
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(upstream.last.json.tools).toEqual([
      {
        functionDeclarations: [
          {
            name: 'get_current_temperature',
            description: 'Gets the current temperature for a given location.',
            parameters: {
              type: 'object',
              properties: { location: { type: 'string', description: 'The city name, e.g. San Francisco' } },
              required: ['location'],
            },
          },
        ],
      },
    ]);
    expect(upstream.last.json.toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY' } });
    expect(finish).toBe('tool_calls');
    expect(calls.map((c) => [c.name, JSON.parse(c.arguments)])).toEqual([
      ['get_current_temperature', { location: 'Paris' }],
      ['get_current_temperature', { location: 'Rome' }],
    ]);
    expect(calls[0]!.id).not.toBe(calls[1]!.id);

    // The client answers the calls with the ids it was given.
    answer = (_req, res) => json(res, 200, textAnswer('Paris 21°C, Rome 25°C.'));
    const reply = await openai.chat.completions.create({
      model: 'gemini-2.5-flash',
      tools: [WEATHER_TOOL],
      messages: [
        { role: 'user', content: 'Temperature in Paris and Rome?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: calls.map((c) => ({
            id: c.id,
            type: 'function' as const,
            function: { name: c.name, arguments: c.arguments },
          })),
        },
        { role: 'tool', tool_call_id: calls[0]!.id, content: '{"celsius":21}' },
        { role: 'tool', tool_call_id: calls[1]!.id, content: '{"celsius":25}' },
      ],
    });
    expect(reply.choices[0]?.message.content).toBe('Paris 21°C, Rome 25°C.');
    expect(upstream.last.json.contents).toEqual([
      { role: 'user', parts: [{ text: 'Temperature in Paris and Rome?' }] },
      {
        role: 'model',
        parts: [
          {
            functionCall: { name: 'get_current_temperature', args: { location: 'Paris' } },
            thoughtSignature: 'EqUCCqICAb4+9vsh8Pd5taZVoPzSvjWWwzBrvhEQWBLCGa7I',
          },
          { functionCall: { name: 'get_current_temperature', args: { location: 'Rome' } } },
        ],
      },
      {
        role: 'user',
        parts: [
          { functionResponse: { name: 'get_current_temperature', response: { output: '{"celsius":21}' } } },
          { functionResponse: { name: 'get_current_temperature', response: { output: '{"celsius":25}' } } },
        ],
      },
    ]);
  });

  it('image input: a data URL goes inline, an https URL by reference', async () => {
    await openai.chat.completions.create({
      model: 'gemini-2.5-flash',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare these.' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUg==' } },
            { type: 'image_url', image_url: { url: 'https://upload.wikimedia.org/cat.jpg', detail: 'high' } },
          ],
        },
      ],
    });
    expect(upstream.last.json.contents).toEqual([
      {
        role: 'user',
        parts: [
          { text: 'Compare these.' },
          { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgoAAAANSUhEUg==' } },
          { fileData: { mimeType: 'image/jpeg', fileUri: 'https://upload.wikimedia.org/cat.jpg' } },
        ],
      },
    ]);
  });

  it('JSON schema output: responseMimeType and a cleaned responseSchema; the JSON answer comes back as content', async () => {
    answer = (_req, res) =>
      json(res, 200, textAnswer('{"recipeName":"Chocolate Chip Cookies","ingredients":["flour","sugar"]}'));
    const data = await openai.chat.completions.create({
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: 'A cookie recipe' }],
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'recipe',
          strict: true,
          schema: {
            type: 'object',
            additionalProperties: false,
            properties: { recipeName: { type: 'string' }, ingredients: { type: 'array', items: { type: 'string' } } },
            required: ['recipeName', 'ingredients'],
          },
        },
      },
    });
    expect(upstream.last.json.generationConfig).toEqual({
      responseMimeType: 'application/json',
      responseSchema: {
        type: 'object',
        properties: { recipeName: { type: 'string' }, ingredients: { type: 'array', items: { type: 'string' } } },
        required: ['recipeName', 'ingredients'],
      },
    });
    expect(JSON.parse(data.choices[0]!.message.content!)).toEqual({
      recipeName: 'Chocolate Chip Cookies',
      ingredients: ['flour', 'sugar'],
    });
  });

  it('embeddings: one batchEmbedContents call, answered in the OpenAI shape (floats or base64)', async () => {
    answer = (req, res) =>
      json(res, 200, {
        embeddings: req.json.requests.map((_: unknown, i: number) => ({ values: [0.25 * (i + 1), -0.5, 0.125] })),
      });
    const result = await openai.embeddings.create({
      model: 'gemini-embedding-001',
      input: ['What is the meaning of life?', 'How does alcohol affect health?'],
      dimensions: 3,
      encoding_format: 'float',
    });
    expect(upstream.last.url).toBe('/v1beta/models/gemini-embedding-001:batchEmbedContents');
    expect(upstream.last.headers['x-goog-api-key']).toBe(GEMINI_KEY);
    expect(upstream.last.json).toEqual({
      requests: [
        {
          model: 'models/gemini-embedding-001',
          content: { parts: [{ text: 'What is the meaning of life?' }] },
          outputDimensionality: 3,
        },
        {
          model: 'models/gemini-embedding-001',
          content: { parts: [{ text: 'How does alcohol affect health?' }] },
          outputDimensionality: 3,
        },
      ],
    });
    expect(result.data.map((d) => d.embedding)).toEqual([
      [0.25, -0.5, 0.125],
      [0.5, -0.5, 0.125],
    ]);
    // The SDK asks for base64 by default and decodes it back to floats.
    const defaulted = await openai.embeddings.create({ model: 'gemini-embedding-001', input: 'x' });
    expect(defaulted.data[0]?.embedding).toEqual([0.25, -0.5, 0.125]);
  });

  it('safety block: a blocked prompt is a 400 naming the block reason, streamed or not', async () => {
    const blocked = {
      promptFeedback: {
        blockReason: 'SAFETY',
        safetyRatings: [{ category: 'HARM_CATEGORY_DANGEROUS_CONTENT', probability: 'HIGH' }],
      },
      usageMetadata: { promptTokenCount: 8, totalTokenCount: 8 },
      modelVersion: 'gemini-2.5-flash',
    };
    answer = (_req, res) => json(res, 200, blocked);
    const error = await openai.chat.completions
      .create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'something dangerous' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).message).toContain('SAFETY');

    answer = (_req, res) => streamEvents(res, sse([blocked]));
    const stream = await openai.chat.completions.create({
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: 'something dangerous' }],
      stream: true,
    });
    const streamError = await (async () => {
      for await (const _chunk of stream);
    })().catch((e: unknown) => e);
    expect(String((streamError as Error)?.message)).toContain('SAFETY');
  });

  it('a candidate stopped for safety mid-answer ends with finish_reason content_filter', async () => {
    answer = (_req, res) => streamEvents(res, sse(textStreamEvents(['Here is how', ''], 'SAFETY')));
    const stream = await openai.chat.completions.create({
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
    });
    let finish: string | null | undefined;
    for await (const chunk of stream) finish = chunk.choices[0]?.finish_reason ?? finish;
    expect(finish).toBe('content_filter');
  });

  it("Google's errors reach OpenAI clients in OpenAI's shape with the upstream status", async () => {
    answer = (_req, res) =>
      json(res, 429, {
        error: {
          code: 429,
          message: 'You exceeded your current quota, please check your plan.',
          status: 'RESOURCE_EXHAUSTED',
        },
      });
    const error = await openai.chat.completions
      .create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'Hi' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).message).toContain('You exceeded your current quota');
  });

  it('what Gemini cannot express is refused with a 400 naming the parameter, before any upstream call', async () => {
    const before = upstream.received.length;
    const response = await postJson(`${gw.url}/v1/chat/completions`, {
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: 'Hi' }],
      logprobs: true,
    });
    expect(response.status).toBe(400);
    expect(response.json.error).toMatchObject({ code: 'unsupported_parameter', param: 'logprobs' });
    expect(upstream.received.length).toBe(before);
  });

  it('Anthropic SDK: a message, with the reply in Anthropic shape', async () => {
    answer = (_req, res) =>
      json(
        res,
        200,
        textAnswer('Bonjour !', {
          usageMetadata: { promptTokenCount: 12, candidatesTokenCount: 3, totalTokenCount: 15 },
        }),
      );
    const message = await anthropic.messages.create({
      model: 'gemini-2.5-flash',
      max_tokens: 64,
      system: 'Answer in French.',
      messages: [{ role: 'user', content: 'Hello' }],
    });
    expect(upstream.last.url).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(upstream.last.json).toMatchObject({
      systemInstruction: { parts: [{ text: 'Answer in French.' }] },
      contents: [{ role: 'user', parts: [{ text: 'Hello' }] }],
      generationConfig: { maxOutputTokens: 64 },
    });
    expect(message.content).toEqual(
      [{ type: 'text', text: 'Bonjour !', citations: null }].map(({ citations: _c, ...block }) =>
        expect.objectContaining(block),
      ),
    );
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage).toMatchObject({ input_tokens: 12, output_tokens: 3 });
  });

  it('Anthropic SDK: a streamed tool use, with the input assembled from the whole call', async () => {
    answer = (_req, res) => streamEvents(res, sse(toolCallEvents));
    const stream = anthropic.messages.stream({
      model: 'gemini-2.5-flash',
      max_tokens: 256,
      tools: [
        {
          name: 'get_current_temperature',
          description: 'Gets the current temperature for a given location.',
          input_schema: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
        },
      ],
      messages: [{ role: 'user', content: 'Temperature in Paris and Rome?' }],
    });
    const final = await stream.finalMessage();
    expect(upstream.last.url).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
    expect(final.stop_reason).toBe('tool_use');
    const uses = final.content.filter((block) => block.type === 'tool_use');
    expect(uses.map((u) => [u.name, u.input])).toEqual([
      ['get_current_temperature', { location: 'Paris' }],
      ['get_current_temperature', { location: 'Rome' }],
    ]);
    expect(uses.every((u) => /^[A-Za-z0-9_-]+$/.test(u.id))).toBe(true);
    expect(final.usage).toMatchObject({ input_tokens: 29, output_tokens: 60 });
  });
});
