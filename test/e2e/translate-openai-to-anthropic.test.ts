import type { ServerResponse } from 'node:http';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { postJson, startGateway, type TestGateway } from '../helpers/gateway.ts';
import { json, MockUpstream, type ReceivedRequest, streamEvents } from '../helpers/mock-upstream.ts';

/** A Messages API answer as Anthropic's API reference shows it. */
function message(content: object[], stopReason = 'end_turn', usage: object = { input_tokens: 25, output_tokens: 12 }) {
  return {
    id: 'msg_013Zva2CMHLNnXjNJJKqJ2EF',
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-4-5-20250929',
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    usage,
  };
}

/** A Messages API stream, framed as Anthropic sends it: `event: <type>` then `data: <json>`. */
function anthropicEvents(events: object[]): string[] {
  return events.map((event) => `event: ${(event as { type: string }).type}\ndata: ${JSON.stringify(event)}\n\n`);
}

const messageStart = (
  usage: object = { input_tokens: 472, output_tokens: 2, cache_read_input_tokens: 400, cache_creation_input_tokens: 0 },
) => ({
  type: 'message_start',
  message: {
    id: 'msg_01',
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-4-5-20250929',
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage,
  },
});

const textStream = (parts: string[], stopReason = 'end_turn') =>
  anthropicEvents([
    messageStart(),
    { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
    { type: 'ping' },
    ...parts.map((text) => ({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } })),
    { type: 'content_block_stop', index: 0 },
    { type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: 15 } },
    { type: 'message_stop' },
  ]);

/** Two parallel tool calls, their input streamed in fragments (the reference's `input_json_delta`). */
const toolStream = anthropicEvents([
  messageStart({ input_tokens: 50, output_tokens: 1 }),
  { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
  { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Checking both.' } },
  { type: 'content_block_stop', index: 0 },
  {
    type: 'content_block_start',
    index: 1,
    content_block: { type: 'tool_use', id: 'toolu_01A', name: 'get_weather', input: {} },
  },
  { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '' } },
  { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"location": "San Fra' } },
  {
    type: 'content_block_delta',
    index: 1,
    delta: { type: 'input_json_delta', partial_json: 'ncisco, CA", "unit": "celsius"}' },
  },
  { type: 'content_block_stop', index: 1 },
  {
    type: 'content_block_start',
    index: 2,
    content_block: { type: 'tool_use', id: 'toolu_01B', name: 'get_time', input: {} },
  },
  { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{"tz":' } },
  { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: ' "PST"}' } },
  { type: 'content_block_stop', index: 2 },
  { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 89 } },
  { type: 'message_stop' },
]);

describe('OpenAI clients reaching the Anthropic provider (translated)', () => {
  let upstream: MockUpstream;
  let gw: TestGateway;
  let client: OpenAI;
  let answer: (req: ReceivedRequest, res: ServerResponse) => void | Promise<void>;

  beforeAll(async () => {
    upstream = await new MockUpstream().start();
    upstream.handle((req, res) => answer(req, res));
    gw = await startGateway({
      ANTHROPIC_API_KEY: 'sk-ant-SECRET-1',
      ANTHROPIC_BASE_URL: upstream.url,
      OPENAI_API_KEY: 'sk-openai-unused',
      OPENAI_BASE_URL: 'http://127.0.0.1:9',
    });
    client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'client-key', maxRetries: 0 });
  });
  afterAll(async () => {
    await gw.close();
    await upstream.close();
  });
  beforeEach(() => {
    answer = (_req, res) => json(res, 200, message([{ type: 'text', text: 'Hi! My name is Claude.' }]));
  });

  it('plain: system and developer messages become `system`; the answer and usage come back in OpenAI shape', async () => {
    answer = (_req, res) =>
      json(
        res,
        200,
        message([{ type: 'text', text: 'Hi! My name is Claude.' }], 'end_turn', {
          input_tokens: 25,
          cache_read_input_tokens: 100,
          cache_creation_input_tokens: 10,
          output_tokens: 12,
        }),
      );
    const { data, response } = await client.chat.completions
      .create({
        model: 'claude-sonnet-4-5',
        messages: [
          { role: 'system', content: 'You are terse.' },
          { role: 'developer', content: 'Answer in English.' },
          { role: 'user', content: 'Hello' },
        ],
        temperature: 0.5,
        top_p: 0.9,
        stop: ['END'],
        user: 'user-42',
      })
      .withResponse();
    expect(upstream.last.url).toBe('/v1/messages');
    expect(upstream.last.headers['x-api-key']).toBe('sk-ant-SECRET-1');
    expect(upstream.last.headers['anthropic-version']).toBe('2023-06-01');
    expect(upstream.last.json).toEqual({
      model: 'claude-sonnet-4-5',
      system: 'You are terse.\n\nAnswer in English.',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }],
      max_tokens: 4096,
      temperature: 0.5,
      top_p: 0.9,
      stop_sequences: ['END'],
      metadata: { user_id: 'user-42' },
    });
    expect(data.object).toBe('chat.completion');
    expect(data.choices[0]?.message).toMatchObject({ role: 'assistant', content: 'Hi! My name is Claude.' });
    expect(data.choices[0]?.finish_reason).toBe('stop');
    // Anthropic's input_tokens excludes cache reads and writes; OpenAI's prompt_tokens includes them.
    expect(data.usage).toMatchObject({
      prompt_tokens: 135,
      completion_tokens: 12,
      total_tokens: 147,
      prompt_tokens_details: { cached_tokens: 100 },
    });
    expect(response.headers.get('x-gateway-provider')).toBe('anthropic');
    expect(response.headers.get('x-gateway-usage')).toBe(
      'input=135; cached_input=100; cache_write=10; output=12; reasoning=0',
    );
    expect(Number(response.headers.get('x-gateway-cost-usd'))).toBeGreaterThan(0);
  });

  it('max_completion_tokens wins over max_tokens; stop reasons map (max_tokens → length)', async () => {
    answer = (_req, res) => json(res, 200, message([{ type: 'text', text: 'Once upon' }], 'max_tokens'));
    const data = await client.chat.completions.create({
      model: 'anthropic/claude-sonnet-4-5',
      max_tokens: 5,
      max_completion_tokens: 7,
      messages: [{ role: 'user', content: 'Tell a story' }],
    });
    expect(upstream.last.json.max_tokens).toBe(7);
    expect(upstream.last.json.model).toBe('claude-sonnet-4-5');
    expect(data.choices[0]?.finish_reason).toBe('length');
  });

  it('streamed: role first, text deltas, finish chunk, usage chunk (include_usage) with cached tokens, then [DONE]', async () => {
    answer = (_req, res) => streamEvents(res, textStream(['Hello', ' there', '!']));
    const response = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'claude-sonnet-4-5',
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: 'user', content: 'Hi' }],
      }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(upstream.last.json.stream).toBe(true);
    const events = (await response.text()).split('\n\n').filter(Boolean);
    expect(events.at(-1)).toBe('data: [DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.replace(/^data: /, '')));
    expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: '' });
    expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.id === 'msg_01')).toBe(true);
    const text = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
    expect(text).toBe('Hello there!');
    const finish = chunks.filter((c) => c.choices[0]?.finish_reason);
    expect(finish.map((c) => c.choices[0].finish_reason)).toEqual(['stop']);
    const usage = chunks.at(-1);
    expect(usage.choices).toEqual([]);
    expect(usage.usage).toMatchObject({
      prompt_tokens: 872,
      completion_tokens: 15,
      prompt_tokens_details: { cached_tokens: 400 },
    });
  });

  it('streamed without include_usage: no usage chunk, but the gateway still prices the stream', async () => {
    answer = (_req, res) => streamEvents(res, textStream(['a', 'b']));
    const stream = await client.chat.completions.create({
      model: 'claude-sonnet-4-5',
      stream: true,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.some((c) => c.usage)).toBe(false);
    expect(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')).toBe('ab');
    const line = gw.logs.findLast((l) => l.msg === 'request') as Record<string, any>;
    expect(line.usage).toMatchObject({ inputTokens: 872, outputTokens: 15 });
    expect(line.costUsd).toBeGreaterThan(0);
  });

  it('tool calls stream with stable index/id/name, and their arguments reassemble to valid JSON', async () => {
    answer = (_req, res) => streamEvents(res, toolStream);
    const tools: OpenAI.ChatCompletionFunctionTool[] = [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Weather at a place',
          parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
        },
      },
      {
        type: 'function',
        function: { name: 'get_time', parameters: { type: 'object', properties: { tz: { type: 'string' } } } },
      },
    ];
    const stream = await client.chat.completions.create({
      model: 'claude-sonnet-4-5',
      stream: true,
      messages: [{ role: 'user', content: 'Weather and time in SF?' }],
      tools,
      tool_choice: 'required',
      parallel_tool_calls: false,
    });
    expect(upstream.last.json.tools).toEqual([
      { name: 'get_weather', description: 'Weather at a place', input_schema: tools[0]!.function.parameters },
      { name: 'get_time', input_schema: tools[1]!.function.parameters },
    ]);
    expect(upstream.last.json.tool_choice).toEqual({ type: 'any', disable_parallel_tool_use: true });
    const calls = new Map<number, { id?: string; name?: string; args: string }>();
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      for (const delta of chunk.choices[0]?.delta?.tool_calls ?? []) {
        const call = calls.get(delta.index) ?? { args: '' };
        if (delta.id) {
          expect(call.id).toBeUndefined(); // id and name arrive once, in the call's first delta
          call.id = delta.id;
          call.name = delta.function?.name;
        }
        call.args += delta.function?.arguments ?? '';
        calls.set(delta.index, call);
      }
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect([...calls.keys()]).toEqual([0, 1]);
    expect(calls.get(0)).toMatchObject({ id: 'toolu_01A', name: 'get_weather' });
    expect(JSON.parse(calls.get(0)!.args)).toEqual({ location: 'San Francisco, CA', unit: 'celsius' });
    expect(calls.get(1)).toMatchObject({ id: 'toolu_01B', name: 'get_time' });
    expect(JSON.parse(calls.get(1)!.args)).toEqual({ tz: 'PST' });
    expect(finish).toBe('tool_calls');
  });

  it('a tool round trip: assistant tool_calls become tool_use, tool messages become tool_result in one user turn', async () => {
    answer = (_req, res) => json(res, 200, message([{ type: 'text', text: 'It is 15°C and 9am.' }]));
    const data = await client.chat.completions.create({
      model: 'claude-sonnet-4-5',
      messages: [
        { role: 'user', content: 'Weather and time in SF?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'toolu_01A', type: 'function', function: { name: 'get_weather', arguments: '{"location":"SF"}' } },
            { id: 'toolu_01B', type: 'function', function: { name: 'get_time', arguments: '{}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'toolu_01A', content: '15°C' },
        { role: 'tool', tool_call_id: 'toolu_01B', content: '9am' },
      ],
    });
    expect(upstream.last.json.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Weather and time in SF?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: 'toolu_01A', name: 'get_weather', input: { location: 'SF' } },
          { type: 'tool_use', id: 'toolu_01B', name: 'get_time', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_01A', content: [{ type: 'text', text: '15°C' }] },
          { type: 'tool_result', tool_use_id: 'toolu_01B', content: [{ type: 'text', text: '9am' }] },
        ],
      },
    ]);
    expect(data.choices[0]?.message.content).toBe('It is 15°C and 9am.');
  });

  it('a non-streamed tool_use answer becomes tool_calls with JSON arguments', async () => {
    answer = (_req, res) =>
      json(
        res,
        200,
        message([{ type: 'tool_use', id: 'toolu_9', name: 'get_weather', input: { location: 'Paris' } }], 'tool_use'),
      );
    const data = await client.chat.completions.create({
      model: 'claude-sonnet-4-5',
      messages: [{ role: 'user', content: 'Weather?' }],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }],
    });
    expect(data.choices[0]?.finish_reason).toBe('tool_calls');
    expect(data.choices[0]?.message.content).toBeNull();
    expect(data.choices[0]?.message.tool_calls).toEqual([
      { id: 'toolu_9', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } },
    ]);
  });

  it('image input: data URLs become base64 image blocks, https URLs URL image blocks', async () => {
    await client.chat.completions.create({
      model: 'claude-sonnet-4-5',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in these?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg', detail: 'high' } },
          ],
        },
      ],
    });
    expect(upstream.last.json.messages[0].content).toEqual([
      { type: 'text', text: 'What is in these?' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
    ]);
  });

  it('reasoning_effort asks for extended thinking; thinking comes back as reasoning_content', async () => {
    answer = (_req, res) =>
      json(
        res,
        200,
        message([
          { type: 'thinking', thinking: 'Let me add 2 and 2.', signature: 'EqQBCgIYAhIM' },
          { type: 'text', text: '4' },
        ]),
      );
    const data = await client.chat.completions.create({
      model: 'claude-sonnet-4-5',
      reasoning_effort: 'high',
      messages: [{ role: 'user', content: '2+2?' }],
    });
    expect(upstream.last.json.thinking).toEqual({ type: 'enabled', budget_tokens: 16384 });
    expect(upstream.last.json.max_tokens).toBeGreaterThan(16384);
    const reply = data.choices[0]?.message as unknown as Record<string, unknown>;
    expect(reply.content).toBe('4');
    expect(reply.reasoning_content).toBe('Let me add 2 and 2.');
  });

  it('response_format json_schema is asked for as a forced tool and returned as the message content', async () => {
    answer = (_req, res) =>
      json(
        res,
        200,
        message([{ type: 'tool_use', id: 'toolu_j', name: 'person', input: { name: 'Ada', age: 36 } }], 'tool_use'),
      );
    const schema = {
      type: 'object',
      properties: { name: { type: 'string' }, age: { type: 'number' } },
      required: ['name', 'age'],
    };
    const data = await client.chat.completions.create({
      model: 'claude-sonnet-4-5',
      messages: [{ role: 'user', content: 'Ada Lovelace, 36' }],
      response_format: { type: 'json_schema', json_schema: { name: 'person', schema } },
    });
    expect(upstream.last.json.tools).toEqual([
      { name: 'person', description: expect.any(String), input_schema: schema },
    ]);
    expect(upstream.last.json.tool_choice).toEqual({ type: 'tool', name: 'person' });
    expect(data.choices[0]?.finish_reason).toBe('stop');
    expect(JSON.parse(data.choices[0]?.message.content ?? '')).toEqual({ name: 'Ada', age: 36 });
    expect(data.choices[0]?.message.tool_calls).toBeUndefined();
  });

  it('parameters Anthropic cannot honour are refused with a 400 naming them; the upstream is not called', async () => {
    const before = upstream.received.length;
    for (const [param, value] of [
      ['logprobs', true],
      ['n', 2],
      ['seed', 7],
      ['frequency_penalty', 0.5],
    ] as const) {
      const result = await postJson(`${gw.url}/v1/chat/completions`, {
        model: 'claude-sonnet-4-5',
        messages: [{ role: 'user', content: 'Hi' }],
        [param]: value,
      });
      expect(result.status).toBe(400);
      expect(result.json.error).toMatchObject({ type: 'invalid_request_error', code: 'unsupported_parameter', param });
      expect(result.json.error.message).toContain(`'${param}'`);
    }
    expect(upstream.received.length).toBe(before);
  });

  it("the provider's errors reach the client in OpenAI's shape with the provider's status and message", async () => {
    answer = (_req, res) =>
      json(res, 400, {
        type: 'error',
        error: { type: 'invalid_request_error', message: 'max_tokens: 999999 > 64000, which is the maximum' },
      });
    const error = await client.chat.completions
      .create({ model: 'claude-sonnet-4-5', max_tokens: 999999, messages: [{ role: 'user', content: 'Hi' }] })
      .catch((e) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.status).toBe(400);
    expect(error.error).toMatchObject({
      message: 'max_tokens: 999999 > 64000, which is the maximum',
      type: 'invalid_request_error',
      code: 'invalid_request_error',
    });
  });

  it('an error event mid-stream becomes an OpenAI error event the SDK raises', async () => {
    answer = (_req, res) =>
      streamEvents(res, [
        ...textStream(['partial']).slice(0, 4),
        `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })}\n\n`,
      ]);
    const response = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-sonnet-4-5', stream: true, messages: [{ role: 'user', content: 'Hi' }] }),
    });
    const text = await response.text();
    expect(text).toContain('"content":"partial"');
    expect(text.trimEnd().split('\n\n').at(-1)).toBe(
      'data: {"error":{"message":"Overloaded","type":"api_error","param":null,"code":"overloaded_error"}}',
    );
    expect(text).not.toContain('[DONE]');

    const stream = await client.chat.completions.create({
      model: 'claude-sonnet-4-5',
      stream: true,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    await expect(
      (async () => {
        for await (const _ of stream);
      })(),
    ).rejects.toThrow(/Overloaded/);
  });

  it('a stream the provider cuts off before message_stop ends with an error event, never a silent [DONE]', async () => {
    answer = (_req, res) => streamEvents(res, textStream(['partial']).slice(0, 4));
    const response = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-sonnet-4-5', stream: true, messages: [{ role: 'user', content: 'Hi' }] }),
    });
    const last = (await response.text()).trimEnd().split('\n\n').at(-1) ?? '';
    expect(JSON.parse(last.replace(/^data: /, '')).error.code).toBe('upstream_stream_incomplete');
  });
});
