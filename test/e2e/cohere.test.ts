import type { ServerResponse } from 'node:http';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import { json, MockUpstream, type ReceivedRequest, streamEvents } from '../helpers/mock-upstream.ts';

const COHERE_KEY = 'co-test-key-SECRET-123';

/** A v2 chat answer as Cohere's Chat reference shows one. */
const chatAnswer = (
  message: object,
  finishReason = 'COMPLETE',
  usage: object = {
    billed_units: { input_tokens: 12, output_tokens: 7 },
    tokens: { input_tokens: 507, output_tokens: 10 },
    cached_tokens: 448,
  },
) => ({
  id: 'e7592632-1e3d-424f-b129-bd5f9f980f7b',
  message: { role: 'assistant', ...message },
  finish_reason: finishReason,
  usage,
});

/** Cohere's v2 stream: typed events, framed `event: <type>` + `data: <json>`. */
const cohereEvents = (events: { type: string }[]) =>
  events.map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);

const textStream = (parts: string[]) =>
  cohereEvents([
    {
      id: '321d178c-2c12-44d3-ae42-2f5510f6b1cc',
      type: 'message-start',
      delta: { message: { role: 'assistant', content: [], tool_plan: '', tool_calls: [], citations: [] } },
    } as { type: string },
    { type: 'content-start', index: 0, delta: { message: { content: { type: 'text', text: '' } } } } as {
      type: string;
    },
    ...parts.map((text) => ({ type: 'content-delta', index: 0, delta: { message: { content: { text } } } })),
    { type: 'content-end', index: 0 } as { type: string },
    {
      type: 'message-end',
      delta: {
        finish_reason: 'COMPLETE',
        usage: {
          billed_units: { input_tokens: 12, output_tokens: 7 },
          tokens: { input_tokens: 507, output_tokens: 10 },
        },
      },
    } as { type: string },
  ]);

describe('OpenAI and Anthropic clients reaching Cohere (v2 API)', () => {
  let upstream: MockUpstream;
  let gw: TestGateway;
  let openai: OpenAI;
  let anthropic: Anthropic;
  let answer: (req: ReceivedRequest, res: ServerResponse) => void | Promise<void>;

  beforeAll(async () => {
    upstream = await new MockUpstream().start();
    upstream.handle((req, res) => answer(req, res));
    gw = await startGateway({ COHERE_API_KEY: COHERE_KEY, COHERE_BASE_URL: upstream.url });
    openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'client-key', maxRetries: 0, timeout: 10_000 });
    anthropic = new Anthropic({ baseURL: gw.url, apiKey: 'client-key', maxRetries: 0, timeout: 10_000 });
  });
  afterAll(async () => {
    await gw.close();
    await upstream.close();
  });
  beforeEach(() => {
    answer = (_req, res) =>
      json(res, 200, chatAnswer({ content: [{ type: 'text', text: 'The capital of France is Paris.' }] }));
  });

  it('plain: /v2/chat with the Bearer key, answered in OpenAI shape with billed usage', async () => {
    const { data, response } = await openai.chat.completions
      .create({
        model: 'command-a-03-2025',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Capital of France?' },
        ],
        top_p: 0.5,
      })
      .withResponse();
    expect(upstream.last.url).toBe('/v2/chat');
    expect(upstream.last.headers.authorization).toBe(`Bearer ${COHERE_KEY}`);
    expect(upstream.last.json).toEqual({
      model: 'command-a-03-2025',
      stream: false,
      p: 0.5,
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'Be brief.' }] },
        { role: 'user', content: [{ type: 'text', text: 'Capital of France?' }] },
      ],
    });
    expect(response.headers.get('x-gateway-provider')).toBe('cohere');
    expect(data.choices[0]?.message.content).toBe('The capital of France is Paris.');
    expect(data.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 7 });
  });

  it('streamed: typed events become OpenAI chunks, with usage when asked', async () => {
    answer = (_req, res) => streamEvents(res, textStream(['The capital', ' of France', ' is Paris.']), 1);
    const stream = await openai.chat.completions.create({
      model: 'cohere/command-a-03-2025',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'Capital of France?' }],
    });
    let text = '';
    let finish: string | null | undefined;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    expect(upstream.last.json).toMatchObject({ model: 'command-a-03-2025', stream: true });
    expect(text).toBe('The capital of France is Paris.');
    expect(finish).toBe('stop');
    expect(usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 7 });
  });

  it('tools: the tool plan comes back as content beside the tool calls, and goes back as tool_plan', async () => {
    answer = (_req, res) =>
      json(
        res,
        200,
        chatAnswer(
          {
            tool_plan: 'I will use the weather tool to find the weather in Toronto.',
            tool_calls: [
              {
                id: 'get_weather_1byjy32y4hvq',
                type: 'function',
                function: { name: 'get_weather', arguments: '{"location":"Toronto"}' },
              },
            ],
          },
          'TOOL_CALL',
        ),
      );
    const tools: OpenAI.ChatCompletionFunctionTool[] = [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Gets the weather',
          parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
        },
      },
    ];
    const data = await openai.chat.completions.create({
      model: 'command-a-03-2025',
      messages: [{ role: 'user', content: "What's the weather in Toronto?" }],
      tools,
      tool_choice: 'required',
    });
    expect(upstream.last.json).toMatchObject({
      tools: [{ type: 'function', function: tools[0]!.function }],
      tool_choice: 'REQUIRED',
    });
    const message = data.choices[0]!.message;
    expect(message.content).toBe('I will use the weather tool to find the weather in Toronto.');
    expect(message.tool_calls).toEqual([
      {
        id: 'get_weather_1byjy32y4hvq',
        type: 'function',
        function: { name: 'get_weather', arguments: '{"location":"Toronto"}' },
      },
    ]);
    expect(data.choices[0]?.finish_reason).toBe('tool_calls');

    answer = (_req, res) => json(res, 200, chatAnswer({ content: [{ type: 'text', text: 'It is 20°C in Toronto.' }] }));
    await openai.chat.completions.create({
      model: 'command-a-03-2025',
      tools,
      messages: [
        { role: 'user', content: "What's the weather in Toronto?" },
        message as OpenAI.ChatCompletionAssistantMessageParam,
        { role: 'tool', tool_call_id: 'get_weather_1byjy32y4hvq', content: '{"temperature": 20}' },
      ],
    });
    expect(upstream.last.json.messages.slice(1)).toEqual([
      {
        role: 'assistant',
        tool_plan: 'I will use the weather tool to find the weather in Toronto.',
        tool_calls: [
          {
            id: 'get_weather_1byjy32y4hvq',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"location":"Toronto"}' },
          },
        ],
      },
      {
        role: 'tool',
        tool_call_id: 'get_weather_1byjy32y4hvq',
        content: [{ type: 'text', text: '{"temperature": 20}' }],
      },
    ]);
  });

  it('streamed tool calls reassemble into valid JSON arguments', async () => {
    answer = (_req, res) =>
      streamEvents(
        res,
        cohereEvents([
          { id: 'm1', type: 'message-start', delta: { message: { role: 'assistant' } } } as { type: string },
          { type: 'tool-plan-delta', delta: { message: { tool_plan: 'Checking.' } } } as { type: string },
          {
            type: 'tool-call-start',
            index: 0,
            delta: {
              message: {
                tool_calls: { id: 'get_weather_x', type: 'function', function: { name: 'get_weather', arguments: '' } },
              },
            },
          } as { type: string },
          {
            type: 'tool-call-delta',
            index: 0,
            delta: { message: { tool_calls: { function: { arguments: '{"location":' } } } },
          } as { type: string },
          {
            type: 'tool-call-delta',
            index: 0,
            delta: { message: { tool_calls: { function: { arguments: '"Toronto"}' } } } },
          } as { type: string },
          { type: 'tool-call-end', index: 0 } as { type: string },
          {
            type: 'message-end',
            delta: { finish_reason: 'TOOL_CALL', usage: { billed_units: { input_tokens: 40, output_tokens: 20 } } },
          } as { type: string },
        ]),
      );
    const stream = await openai.chat.completions.create({
      model: 'command-a-03-2025',
      stream: true,
      messages: [{ role: 'user', content: 'Weather?' }],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }],
    });
    let args = '';
    let id: string | undefined;
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      for (const call of chunk.choices[0]?.delta?.tool_calls ?? []) {
        id ??= call.id;
        args += call.function?.arguments ?? '';
      }
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(id).toBe('get_weather_x');
    expect(JSON.parse(args)).toEqual({ location: 'Toronto' });
    expect(finish).toBe('tool_calls');
  });

  it('embeddings: /v2/embed with a default input_type and float vectors', async () => {
    answer = (_req, res) =>
      json(res, 200, {
        id: 'f5aa3e7b-f011-4c5c-a825-f94669f760e5',
        texts: ['sunny day at the beach', 'rainy day in the city'],
        // Values a float32 holds exactly: the SDK asks for base64 (float32) vectors.
        embeddings: {
          float: [
            [0.25, 0.5],
            [-0.125, 0.0625],
          ],
        },
        meta: { api_version: { version: '2' }, billed_units: { input_tokens: 10 } },
        response_type: 'embeddings_by_type',
      });
    const data = await openai.embeddings.create({
      model: 'cohere/embed-v4.0',
      input: ['sunny day at the beach', 'rainy day in the city'],
    });
    expect(upstream.last.url).toBe('/v2/embed');
    expect(upstream.last.json).toEqual({
      model: 'embed-v4.0',
      texts: ['sunny day at the beach', 'rainy day in the city'],
      input_type: 'search_document',
      embedding_types: ['float'],
    });
    expect(data.data.map((d) => d.embedding)).toEqual([
      [0.25, 0.5],
      [-0.125, 0.0625],
    ]);
    expect(data.usage.prompt_tokens).toBe(10);
  });

  it("Cohere's errors reach the client with their status and message", async () => {
    answer = (_req, res) => json(res, 400, { id: 'x', message: "invalid request: model 'command-z' not found" });
    await expect(
      openai.chat.completions.create({ model: 'cohere/command-z', messages: [{ role: 'user', content: 'Hi' }] }),
    ).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining("model 'command-z' not found"),
    });
  });

  it('Anthropic SDK: messages to Cohere, plain and streamed', async () => {
    const message = await anthropic.messages.create({
      model: 'cohere/command-a-03-2025',
      max_tokens: 300,
      messages: [{ role: 'user', content: 'Capital of France?' }],
    });
    expect(upstream.last.json).toMatchObject({
      model: 'command-a-03-2025',
      max_tokens: 300,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Capital of France?' }] }],
    });
    expect(message.content).toEqual([
      expect.objectContaining({ type: 'text', text: 'The capital of France is Paris.' }),
    ]);
    expect(message.usage).toMatchObject({ input_tokens: 12, output_tokens: 7 });

    answer = (_req, res) => streamEvents(res, textStream(['Paris', '.']));
    const final = await anthropic.messages
      .stream({
        model: 'cohere/command-a-03-2025',
        max_tokens: 300,
        messages: [{ role: 'user', content: 'Capital of France?' }],
      })
      .finalMessage();
    expect(final.content).toEqual([expect.objectContaining({ type: 'text', text: 'Paris.' })]);
    expect(final.stop_reason).toBe('end_turn');
  });
});
