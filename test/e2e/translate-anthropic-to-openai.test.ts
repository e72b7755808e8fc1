import type { ServerResponse } from 'node:http';
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { postJson, startGateway, type TestGateway } from '../helpers/gateway.ts';
import { chatCompletion, json, MockUpstream, type ReceivedRequest, streamEvents } from '../helpers/mock-upstream.ts';

/** One `chat.completion.chunk` event as OpenAI's reference shows it. */
function chunk(delta: object, finish: string | null = null, extra: object = {}) {
  return `data: ${JSON.stringify({ id: 'chatcmpl-9x', object: 'chat.completion.chunk', created: 1694268190, model: 'gpt-4o-2024-08-06', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...extra })}\n\n`;
}
const usageChunk = (usage: object) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-9x', object: 'chat.completion.chunk', created: 1694268190, model: 'gpt-4o-2024-08-06', choices: [], usage })}\n\n`;
const DONE = 'data: [DONE]\n\n';
const USAGE = {
  prompt_tokens: 120,
  completion_tokens: 30,
  total_tokens: 150,
  prompt_tokens_details: { cached_tokens: 100 },
};

/** A streamed tool call as OpenAI sends it: id and name first, then argument fragments. */
const toolCallStream = [
  chunk({ role: 'assistant', content: null }),
  chunk({
    tool_calls: [{ index: 0, id: 'call_abc', type: 'function', function: { name: 'get_weather', arguments: '' } }],
  }),
  chunk({ tool_calls: [{ index: 0, function: { arguments: '{"loc' } }] }),
  chunk({ tool_calls: [{ index: 0, function: { arguments: 'ation":"Paris"}' } }] }),
  chunk({}, 'tool_calls'),
  usageChunk(USAGE),
  DONE,
];

describe('Anthropic clients reaching an OpenAI-compatible provider (translated)', () => {
  let upstream: MockUpstream;
  let gw: TestGateway;
  let client: Anthropic;
  let answer: (req: ReceivedRequest, res: ServerResponse) => void | Promise<void>;

  beforeAll(async () => {
    upstream = await new MockUpstream().start();
    upstream.handle((req, res) => answer(req, res));
    gw = await startGateway({
      OPENAI_API_KEY: 'sk-openai-SECRET-2',
      OPENAI_BASE_URL: `${upstream.url}/v1`,
      GROQ_API_KEY: 'gsk-SECRET-3',
      GROQ_BASE_URL: `${upstream.url}/groq/v1`,
    });
    client = new Anthropic({ baseURL: gw.url, apiKey: 'client-key', maxRetries: 0 });
  });
  afterAll(async () => {
    await gw.close();
    await upstream.close();
  });
  beforeEach(() => {
    answer = (_req, res) => json(res, 200, { ...chatCompletion('Hello from GPT', 'gpt-4o-2024-08-06'), usage: USAGE });
  });

  it('messages.create: the request becomes a chat completion; the answer comes back as a Message', async () => {
    const { data, response } = await client.messages
      .create({
        model: 'gpt-4o',
        max_tokens: 256,
        system: [{ type: 'text', text: 'You are terse.', cache_control: { type: 'ephemeral' } }],
        messages: [{ role: 'user', content: 'Hello' }],
        temperature: 0.2,
        stop_sequences: ['END'],
        metadata: { user_id: 'user-7' },
      } as Anthropic.MessageCreateParamsNonStreaming)
      .withResponse();
    expect(upstream.last.url).toBe('/v1/chat/completions');
    expect(upstream.last.headers.authorization).toBe('Bearer sk-openai-SECRET-2');
    expect(upstream.last.headers['x-api-key']).toBeUndefined();
    expect(upstream.last.json).toEqual({
      model: 'gpt-4o',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Hello' },
      ],
      max_tokens: 256,
      temperature: 0.2,
      stop: ['END'],
      user: 'user-7',
    });
    expect(data).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'gpt-4o-2024-08-06',
      content: [{ type: 'text', text: 'Hello from GPT' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      // OpenAI's prompt_tokens includes cached ones; Anthropic's input_tokens does not.
      usage: { input_tokens: 20, cache_read_input_tokens: 100, output_tokens: 30 },
    });
    expect(response.headers.get('x-gateway-provider')).toBe('openai');
  });

  it("Claude Code's max_tokens (32000) is lowered to what the target model can write (gpt-4o: 16384, by the catalog)", async () => {
    // (Raw requests: the SDK itself insists on streaming for such a budget.)
    expect(
      (
        await postJson(`${gw.url}/v1/messages`, {
          model: 'gpt-4o',
          max_tokens: 32000,
          messages: [{ role: 'user', content: 'Hello' }],
        })
      ).status,
    ).toBe(200);
    expect(upstream.last.json.max_tokens).toBe(16384);
    // A model the catalog does not know keeps what the client asked for.
    await postJson(`${gw.url}/v1/messages`, {
      model: 'openai/my-finetune',
      max_tokens: 32000,
      messages: [{ role: 'user', content: 'Hello' }],
    });
    expect(upstream.last.json.max_tokens).toBe(32000);
  });

  it('messages.stream().finalMessage(): events in Anthropic order, text and usage reassembled', async () => {
    answer = (_req, res) =>
      streamEvents(res, [
        chunk({ role: 'assistant', content: '' }),
        chunk({ content: 'Hel' }),
        chunk({ content: 'lo!' }),
        chunk({}, 'stop'),
        usageChunk(USAGE),
        DONE,
      ]);
    const stream = client.messages.stream({
      model: 'gpt-4o',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    const types: string[] = [];
    stream.on('streamEvent', (event) => types.push(event.type));
    const final = await stream.finalMessage();
    expect(upstream.last.json.stream).toBe(true);
    expect(upstream.last.json.stream_options).toEqual({ include_usage: true });
    expect(types).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(final.content).toEqual([expect.objectContaining({ type: 'text', text: 'Hello!' })]);
    expect(final.stop_reason).toBe('end_turn');
    expect(final.usage).toMatchObject({ input_tokens: 20, cache_read_input_tokens: 100, output_tokens: 30 });
  });

  it('streamed tool call: tool_use block with input_json_delta; the SDK parses the input', async () => {
    answer = (_req, res) => streamEvents(res, toolCallStream);
    const stream = client.messages.stream({
      model: 'gpt-4o',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [
        {
          name: 'get_weather',
          description: 'Weather',
          input_schema: { type: 'object', properties: { location: { type: 'string' } } },
        },
      ],
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
    });
    const final = await stream.finalMessage();
    expect(upstream.last.json.tools).toEqual([
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Weather',
          parameters: { type: 'object', properties: { location: { type: 'string' } } },
        },
      },
    ]);
    expect(upstream.last.json.tool_choice).toBe('required');
    expect(upstream.last.json.parallel_tool_calls).toBe(false);
    expect(final.stop_reason).toBe('tool_use');
    expect(final.content).toEqual([
      { type: 'tool_use', id: 'call_abc', name: 'get_weather', input: { location: 'Paris' } },
    ]);
  });

  it('a tool round trip: tool_use and tool_result become tool_calls and a tool message', async () => {
    const result = await client.messages.create({
      model: 'gpt-4o',
      max_tokens: 100,
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Let me check.' },
            { type: 'tool_use', id: 'call_abc', name: 'get_weather', input: { location: 'Paris' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'call_abc', content: [{ type: 'text', text: '18°C, sunny' }] },
            { type: 'text', text: 'And in short?' },
          ],
        },
      ],
    });
    expect(upstream.last.json.messages).toEqual([
      { role: 'user', content: 'Weather in Paris?' },
      {
        role: 'assistant',
        content: 'Let me check.',
        tool_calls: [
          { id: 'call_abc', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_abc', content: '18°C, sunny' },
      { role: 'user', content: 'And in short?' },
    ]);
    expect(result.content[0]).toMatchObject({ type: 'text', text: 'Hello from GPT' });
  });

  it('reasoning_content streams as a thinking block before the text; a thinking budget becomes reasoning_effort', async () => {
    answer = (_req, res) =>
      streamEvents(res, [
        chunk({ role: 'assistant', content: '' }),
        chunk({ reasoning_content: 'Two plus two…' }),
        chunk({ reasoning_content: ' is four.' }),
        chunk({ content: '4' }),
        chunk({}, 'stop'),
        usageChunk(USAGE),
        DONE,
      ]);
    const final = await client.messages
      .stream({
        model: 'groq/deepseek-r1-distill-llama-70b',
        max_tokens: 20000,
        thinking: { type: 'enabled', budget_tokens: 16000 },
        messages: [{ role: 'user', content: '2+2?' }],
      })
      .finalMessage();
    expect(upstream.last.url).toBe('/groq/v1/chat/completions');
    expect(upstream.last.json.reasoning_effort).toBe('medium');
    expect(final.content.map((b) => b.type)).toEqual(['thinking', 'text']);
    expect(final.content[0]).toMatchObject({ type: 'thinking', thinking: 'Two plus two… is four.' });
    expect(final.content[1]).toMatchObject({ type: 'text', text: '4' });
  });

  it("the provider's errors reach the client in Anthropic's shape with the provider's status", async () => {
    answer = (_req, res) =>
      json(
        res,
        429,
        { error: { message: 'Rate limit reached for gpt-4o', type: 'requests', code: 'rate_limit_exceeded' } },
        { 'retry-after': '0' },
      );
    const error = await client.messages
      .create({ model: 'gpt-4o', max_tokens: 5, messages: [{ role: 'user', content: 'Hi' }] })
      .catch((e) => e);
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    expect(error.error).toEqual({
      type: 'error',
      error: { type: 'rate_limit_error', message: 'Rate limit reached for gpt-4o' },
    });
  });

  it('an error chunk mid-stream becomes an Anthropic `error` event the SDK raises', async () => {
    answer = (_req, res) =>
      streamEvents(res, [
        chunk({ role: 'assistant', content: '' }),
        chunk({ content: 'par' }),
        `data: ${JSON.stringify({ error: { message: 'The server had an error', type: 'server_error', code: null } })}\n\n`,
      ]);
    const response = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'gpt-4o',
        max_tokens: 5,
        stream: true,
        messages: [{ role: 'user', content: 'Hi' }],
      }),
    });
    const text = await response.text();
    expect(text).toContain('"text_delta","text":"par"');
    expect(text.trimEnd().split('\n\n').at(-1)).toBe(
      'event: error\ndata: {"type":"error","error":{"type":"api_error","message":"The server had an error"}}',
    );
    await expect(
      client.messages
        .stream({ model: 'gpt-4o', max_tokens: 5, messages: [{ role: 'user', content: 'Hi' }] })
        .finalMessage(),
    ).rejects.toThrow(/The server had an error/);
  });

  it('count_tokens for a model of a provider without that endpoint is estimated by the gateway, and says so', async () => {
    const before = upstream.received.length;
    const text = 'word '.repeat(400);
    const { data, response } = await client.messages
      .countTokens({ model: 'gpt-4o', system: 'Be brief.', messages: [{ role: 'user', content: text }] })
      .withResponse();
    expect(response.headers.get('x-gateway-token-count')).toBe('estimated');
    expect(data.input_tokens).toBeGreaterThan(450);
    expect(data.input_tokens).toBeLessThan(650);
    expect(upstream.received.length).toBe(before);
  });

  it('a provider without a capability answers 400 naming the provider and the capability; the upstream is not called', async () => {
    const before = upstream.received.length;
    const embeddings = await postJson(`${gw.url}/v1/embeddings`, { model: 'groq/nomic-embed', input: 'x' });
    expect(embeddings.status).toBe(400);
    expect(embeddings.json.error).toMatchObject({
      code: 'capability_not_supported',
      message: "Provider 'groq' does not offer embeddings.",
    });
    const images = await postJson(`${gw.url}/v1/images/generations`, {
      model: 'groq/some-image-model',
      prompt: 'a cat',
    });
    expect(images.json.error).toMatchObject({
      code: 'capability_not_supported',
      message: "Provider 'groq' does not offer images.",
    });
    expect(upstream.received.length).toBe(before);
  });

  it('Anthropic-only features are refused in Anthropic shape naming the parameter', async () => {
    const before = upstream.received.length;
    const result = await postJson(`${gw.url}/v1/messages`, {
      model: 'gpt-4o',
      max_tokens: 5,
      messages: [{ role: 'user', content: 'Hi' }],
      mcp_servers: [{ type: 'url', url: 'https://x', name: 'x' }],
    });
    expect(result.status).toBe(400);
    expect(result.json).toEqual({
      type: 'error',
      error: { type: 'invalid_request_error', message: expect.stringContaining("'mcp_servers'") },
    });
    expect(upstream.received.length).toBe(before);
  });
});

describe('Anthropic clients reaching the Anthropic provider (native)', () => {
  let upstream: MockUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    upstream = await new MockUpstream().start();
    upstream.handle((req, res) => {
      const last = req.json.messages.at(-1);
      const isResult = Array.isArray(last.content) && last.content[0]?.type === 'tool_result';
      json(res, 200, {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: 'claude-sonnet-4-5-20250929',
        content: isResult
          ? [{ type: 'text', text: 'It is 18°C.' }]
          : [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { location: 'Paris' } }],
        stop_reason: isResult ? 'end_turn' : 'tool_use',
        stop_sequence: null,
        usage: { input_tokens: 10, output_tokens: 5 },
      });
    });
    gw = await startGateway({ ANTHROPIC_API_KEY: 'sk-ant-SECRET-4', ANTHROPIC_BASE_URL: upstream.url });
  });
  afterAll(async () => {
    await gw.close();
    await upstream.close();
  });

  it('a tool round trip passes through byte for byte', async () => {
    const client = new Anthropic({ baseURL: gw.url, apiKey: 'client-key', maxRetries: 0 });
    const tools: Anthropic.Tool[] = [
      { name: 'get_weather', input_schema: { type: 'object', properties: { location: { type: 'string' } } } },
    ];
    const first = await client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      tools,
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
    });
    expect(first.stop_reason).toBe('tool_use');
    const call = first.content[0] as Anthropic.ToolUseBlock;
    const second = await client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      tools,
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: '18°C' }] },
      ],
    });
    expect(upstream.last.json.messages[2].content).toEqual([
      { type: 'tool_result', tool_use_id: 'toolu_1', content: '18°C' },
    ]);
    expect(second.content).toEqual([{ type: 'text', text: 'It is 18°C.' }]);
  });
});
