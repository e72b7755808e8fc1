/**
 * The Anthropic Messages side of the translation layer: an Anthropic client's request (Claude Code,
 * the Anthropic SDKs) as an OpenAI-compatible provider receives it, OpenAI answers as the Anthropic
 * client receives them, and the Anthropic stream encoder and decoder at the IR level. Samples follow
 * Anthropic's Messages and streaming references and OpenAI's Chat Completions reference.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseRequest as parseAnthropicRequest } from '../../../src/formats/anthropic/request.ts';
import { encodeResponse as encodeAnthropicResponse } from '../../../src/formats/anthropic/response.ts';
import type { ChatRequest, StreamEvent } from '../../../src/formats/ir.ts';
import {
  buildRequest as buildOpenAIRequest,
  parseRequest as parseOpenAIRequest,
} from '../../../src/formats/openai/request.ts';
import { decodeResponse as decodeOpenAIResponse } from '../../../src/formats/openai/response.ts';
import {
  anthropicChat,
  anthropicEvent,
  bytesOf,
  decodeAll,
  errorOf,
  expectAnthropicGrammar,
  readAnthropicStream,
  readSse,
  splitEvery,
} from '../../helpers/formats.ts';

/** An Anthropic client's body (a one-line conversation unless given) → the OpenAI body for `model`. */
function toOpenAI(body: Record<string, unknown>, model = 'gpt-4o'): Record<string, any> {
  const request = parseAnthropicRequest({
    model: 'claude-sonnet-4-5',
    max_tokens: 1024,
    messages: [{ role: 'user', content: 'Hello' }],
    ...body,
  });
  const built = buildOpenAIRequest(request, model);
  expect(built.path).toBe('/chat/completions');
  return built.body;
}

const JPEG_DATA =
  '/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAAMCAgMCAgMDAwMEAwMEBQgFBQQEBQoHBwYIDAoMDAsKCwsNDhIQDQ4RDgsLEBYQERMUFRUVDA8XGBYUGBIUFRT/';
const PDF_DATA = 'JVBERi0xLjcKCjEgMCBvYmogICUgZW50cnkgcG9pbnQKPDwKICAvVHlwZSAvQ2F0YWxvZwo=';

const weatherTool = {
  name: 'get_weather',
  description: 'Get the current weather in a given location',
  input_schema: {
    type: 'object',
    properties: { location: { type: 'string', description: 'The city and state, e.g. San Francisco, CA' } },
    required: ['location'],
  },
};

describe('Anthropic client request → OpenAI request', () => {
  // [what, Anthropic body fields, the OpenAI body's fields that must equal these exactly (undefined: absent)]
  const cases: [string, Record<string, unknown>, Record<string, unknown>][] = [
    [
      'system string → a system message first',
      { system: 'You are a seasoned data scientist.', messages: [{ role: 'user', content: 'Hi' }] },
      {
        messages: [
          { role: 'system', content: 'You are a seasoned data scientist.' },
          { role: 'user', content: 'Hi' },
        ],
      },
    ],
    [
      'system blocks → one system message (cache_control dropped: OpenAI caches by itself)',
      {
        system: [
          { type: 'text', text: 'You are an AI assistant tasked with analyzing literary works.' },
          { type: 'text', text: '<the entire contents of Pride and Prejudice>', cache_control: { type: 'ephemeral' } },
        ],
        messages: [
          {
            role: 'user',
            content: [{ type: 'text', text: 'Analyze the major themes.', cache_control: { type: 'ephemeral' } }],
          },
        ],
      },
      {
        messages: [
          {
            role: 'system',
            content:
              'You are an AI assistant tasked with analyzing literary works.\n\n<the entire contents of Pride and Prejudice>',
          },
          { role: 'user', content: 'Analyze the major themes.' },
        ],
      },
    ],
    [
      'images: base64 → data: URL, url → image_url; documents: base64 PDF → file part, text source → text',
      {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: JPEG_DATA } },
              {
                type: 'image',
                source: {
                  type: 'url',
                  url: 'https://upload.wikimedia.org/wikipedia/commons/a/a7/Camponotus_flavomarginatus_ant.jpg',
                },
              },
              {
                type: 'document',
                source: { type: 'base64', media_type: 'application/pdf', data: PDF_DATA },
                title: 'paper.pdf',
              },
              { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'The grass is green.' } },
              { type: 'text', text: 'Describe these.' },
            ],
          },
        ],
      },
      {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'image_url', image_url: { url: `data:image/jpeg;base64,${JPEG_DATA}` } },
              {
                type: 'image_url',
                image_url: {
                  url: 'https://upload.wikimedia.org/wikipedia/commons/a/a7/Camponotus_flavomarginatus_ant.jpg',
                },
              },
              { type: 'file', file: { file_data: `data:application/pdf;base64,${PDF_DATA}`, filename: 'paper.pdf' } },
              { type: 'text', text: 'The grass is green.' },
              { type: 'text', text: 'Describe these.' },
            ],
          },
        ],
      },
    ],
    [
      'a tool round trip: tool_use → tool_calls, tool_result → tool messages (in order, is_error marked), then the rest of the user turn',
      {
        tools: [weatherTool],
        messages: [
          { role: 'user', content: 'What is the weather in SF and NYC?' },
          {
            role: 'assistant',
            content: [
              {
                type: 'thinking',
                thinking: 'I should call get_weather twice.',
                signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds',
              },
              { type: 'text', text: "I'll check both." },
              {
                type: 'tool_use',
                id: 'toolu_01A09q90qw90lq917835lq9',
                name: 'get_weather',
                input: { location: 'San Francisco, CA' },
              },
              { type: 'tool_use', id: 'toolu_02B', name: 'get_weather', input: { location: 'New York, NY' } },
            ],
          },
          {
            role: 'user',
            content: [
              { type: 'tool_result', tool_use_id: 'toolu_01A09q90qw90lq917835lq9', content: '15 degrees' },
              {
                type: 'tool_result',
                tool_use_id: 'toolu_02B',
                content: [
                  { type: 'text', text: 'ConnectionError: the weather service API is not available (HTTP 500)' },
                ],
                is_error: true,
              },
              { type: 'text', text: 'Summarise please.' },
            ],
          },
        ],
      },
      {
        messages: [
          { role: 'user', content: 'What is the weather in SF and NYC?' },
          {
            role: 'assistant',
            content: "I'll check both.",
            tool_calls: [
              {
                id: 'toolu_01A09q90qw90lq917835lq9',
                type: 'function',
                function: { name: 'get_weather', arguments: '{"location":"San Francisco, CA"}' },
              },
              {
                id: 'toolu_02B',
                type: 'function',
                function: { name: 'get_weather', arguments: '{"location":"New York, NY"}' },
              },
            ],
          },
          { role: 'tool', tool_call_id: 'toolu_01A09q90qw90lq917835lq9', content: '15 degrees' },
          {
            role: 'tool',
            tool_call_id: 'toolu_02B',
            content: 'Error: ConnectionError: the weather service API is not available (HTTP 500)',
          },
          { role: 'user', content: 'Summarise please.' },
        ],
      },
    ],
    [
      'a tool-only assistant turn has content null; a tool_result with several text blocks joins them by newline',
      {
        messages: [
          { role: 'user', content: 'List files' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'ls', input: {} }] },
          {
            role: 'user',
            content: [
              {
                type: 'tool_result',
                tool_use_id: 'toolu_1',
                content: [
                  { type: 'text', text: 'a.txt' },
                  { type: 'text', text: 'b.txt' },
                ],
              },
            ],
          },
        ],
      },
      {
        messages: [
          { role: 'user', content: 'List files' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'ls', arguments: '{}' } }],
          },
          { role: 'tool', tool_call_id: 'toolu_1', content: 'a.txt\nb.txt' },
        ],
      },
    ],
    [
      'images in a tool result: the tool message keeps the text, the images follow in a user message (tool messages carry text only)',
      {
        messages: [
          { role: 'user', content: 'Screenshot?' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_s', name: 'screenshot', input: {} }] },
          {
            role: 'user',
            content: [
              {
                type: 'tool_result',
                tool_use_id: 'toolu_s',
                content: [
                  { type: 'text', text: 'Here it is' },
                  { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: JPEG_DATA } },
                ],
              },
            ],
          },
        ],
      },
      {
        messages: [
          { role: 'user', content: 'Screenshot?' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'toolu_s', type: 'function', function: { name: 'screenshot', arguments: '{}' } }],
          },
          { role: 'tool', tool_call_id: 'toolu_s', content: 'Here it is' },
          { role: 'user', content: [{ type: 'image_url', image_url: { url: `data:image/jpeg;base64,${JPEG_DATA}` } }] },
        ],
      },
    ],
    [
      'consecutive user messages (which Anthropic accepts) → one user message',
      {
        messages: [
          { role: 'user', content: 'One.' },
          { role: 'user', content: 'Two.' },
        ],
      },
      { messages: [{ role: 'user', content: 'One.\n\nTwo.' }] },
    ],
    [
      'max_tokens → max_tokens for chat models',
      { max_tokens: 2048 },
      { max_tokens: 2048, max_completion_tokens: undefined },
    ],
    [
      'temperature, top_p pass through; top_k passes (vLLM, Together, Fireworks take it); stop_sequences → stop',
      { temperature: 0.7, top_p: 0.95, top_k: 40, stop_sequences: ['\n\nHuman:', 'END'] },
      { temperature: 0.7, top_p: 0.95, top_k: 40, stop: ['\n\nHuman:', 'END'] },
    ],
    [
      'metadata.user_id → user (the rest of metadata is dropped)',
      { metadata: { user_id: '13803d75-b4b5-4c3e-b2a2-6f21399b021b' } },
      { user: '13803d75-b4b5-4c3e-b2a2-6f21399b021b', metadata: undefined },
    ],
    [
      'tools: input_schema → parameters; type custom is a client tool too',
      {
        tools: [
          weatherTool,
          {
            type: 'custom',
            name: 'noop',
            input_schema: { type: 'object', properties: {} },
            cache_control: { type: 'ephemeral' },
          },
        ],
      },
      {
        tools: [
          {
            type: 'function',
            function: {
              name: 'get_weather',
              description: 'Get the current weather in a given location',
              parameters: weatherTool.input_schema,
            },
          },
          { type: 'function', function: { name: 'noop', parameters: { type: 'object', properties: {} } } },
        ],
      },
    ],
    [
      'tool_choice auto → auto',
      { tools: [weatherTool], tool_choice: { type: 'auto' } },
      { tool_choice: 'auto', parallel_tool_calls: undefined },
    ],
    ['tool_choice any → required', { tools: [weatherTool], tool_choice: { type: 'any' } }, { tool_choice: 'required' }],
    ['tool_choice none → none', { tools: [weatherTool], tool_choice: { type: 'none' } }, { tool_choice: 'none' }],
    [
      'tool_choice tool → the named function',
      { tools: [weatherTool], tool_choice: { type: 'tool', name: 'get_weather' } },
      { tool_choice: { type: 'function', function: { name: 'get_weather' } } },
    ],
    [
      'disable_parallel_tool_use → parallel_tool_calls false',
      { tools: [weatherTool], tool_choice: { type: 'any', disable_parallel_tool_use: true } },
      { tool_choice: 'required', parallel_tool_calls: false },
    ],
    [
      'thinking budget < 4096 → reasoning_effort low',
      { thinking: { type: 'enabled', budget_tokens: 1024 }, max_tokens: 8000 },
      { reasoning_effort: 'low' },
    ],
    [
      'thinking budget 4096 → medium',
      { thinking: { type: 'enabled', budget_tokens: 4096 }, max_tokens: 8000 },
      { reasoning_effort: 'medium' },
    ],
    [
      'thinking budget 10000 → medium',
      { thinking: { type: 'enabled', budget_tokens: 10000 }, max_tokens: 16000 },
      { reasoning_effort: 'medium' },
    ],
    [
      'thinking budget ≥ 16384 → high',
      { thinking: { type: 'enabled', budget_tokens: 31999 }, max_tokens: 32000 },
      { reasoning_effort: 'high' },
    ],
    [
      'thinking adaptive → the provider default (no reasoning_effort)',
      { thinking: { type: 'adaptive' } },
      { reasoning_effort: undefined },
    ],
    ['thinking disabled → no reasoning_effort', { thinking: { type: 'disabled' } }, { reasoning_effort: undefined }],
    [
      'output_format json_schema → response_format json_schema',
      {
        output_format: {
          type: 'json_schema',
          schema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
        },
      },
      {
        response_format: {
          type: 'json_schema',
          json_schema: {
            name: 'output',
            schema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
          },
        },
      },
    ],
    [
      'stream → stream with include_usage (the Anthropic client always gets usage)',
      { stream: true },
      { stream: true, stream_options: { include_usage: true } },
    ],
    [
      'what does not change the answer is dropped: service_tier, top-level cache_control, metadata',
      { service_tier: 'standard_only', cache_control: { type: 'ephemeral' }, metadata: {} },
      { service_tier: undefined, cache_control: undefined, metadata: undefined, user: undefined },
    ],
  ];

  it.each(cases)('%s', (_what, body, expected) => {
    const openai = toOpenAI(body);
    expect(openai.model).toBe('gpt-4o');
    for (const [key, value] of Object.entries(expected)) expect({ [key]: openai[key] }).toEqual({ [key]: value });
  });

  it.each(['o3-mini', 'o4-mini', 'gpt-5', 'gpt-5-mini', 'gpt-4.1-nano'])(
    'max_tokens → max_completion_tokens for %s (which refuse max_tokens)',
    (model) => {
      const body = toOpenAI({ max_tokens: 2048 }, model);
      expect(body.max_completion_tokens).toBe(2048);
      expect(body).not.toHaveProperty('max_tokens');
    },
  );

  it("Claude Code's long metadata.user_id (over OpenAI's 64 characters) → its SHA-256, stable per user", () => {
    const claudeCodeId = `user_${'a3f1'.repeat(16)}_account_5c2e6b8a-3d41-4f0e-9b7a-0c8d2e4f6a1b_session_9e8d7c6b-5a49-4382-b1c0-d9e8f7a6b5c4`;
    expect(claudeCodeId.length).toBeGreaterThan(128);
    const user = toOpenAI({ metadata: { user_id: claudeCodeId } }).user;
    expect(user).toBe(createHash('sha256').update(claudeCodeId).digest('hex'));
    expect(user).toHaveLength(64);
    expect(toOpenAI({ metadata: { user_id: 'x'.repeat(64) } }).user).toBe('x'.repeat(64));
  });

  it('an is_error result that already says Error is not prefixed twice', () => {
    const body = toOpenAI({
      messages: [
        { role: 'user', content: 'x' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_e', name: 'f', input: {} }] },
        {
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: 'toolu_e', content: 'Error: file not found', is_error: true }],
        },
      ],
    });
    expect(body.messages.at(-1)).toEqual({ role: 'tool', tool_call_id: 'toolu_e', content: 'Error: file not found' });
  });

  it('disable_parallel_tool_use without tools sends nothing', () => {
    expect(toOpenAI({ tool_choice: { type: 'auto', disable_parallel_tool_use: true } })).not.toHaveProperty(
      'parallel_tool_calls',
    );
  });

  it('a request with no max_tokens leaves the provider its default', () => {
    const request = parseAnthropicRequest({ model: 'x', messages: [{ role: 'user', content: 'Hi' }] });
    expect(buildOpenAIRequest(request, 'gpt-4o').body).not.toHaveProperty('max_tokens');
  });
});

describe('Anthropic client request → refused with a 400 naming the parameter', () => {
  const refusals: [string, Record<string, unknown>, string][] = [
    [
      'server tools (web search runs at Anthropic)',
      { tools: [weatherTool, { type: 'web_search_20250305', name: 'web_search', max_uses: 5 }] },
      'tools',
    ],
    ['the bash tool', { tools: [{ type: 'bash_20250124', name: 'bash' }] }, 'tools'],
    ['container', { container: 'container_011CQUeaQ5HWaUk7N2T6Lq1z' }, 'container'],
    [
      'mcp_servers',
      {
        mcp_servers: [{ type: 'url', url: 'https://example-server.modelcontextprotocol.io/sse', name: 'example-mcp' }],
      },
      'mcp_servers',
    ],
    [
      'an output_config key without a counterpart',
      { output_config: { effort: 'low', task_budget: 9 } },
      'output_config',
    ],
    ['an unknown parameter', { frobnicate: true }, 'frobnicate'],
    [
      'an image by file id',
      {
        messages: [
          {
            role: 'user',
            content: [{ type: 'image', source: { type: 'file', file_id: 'file_011CNha8iCJcU1wXNR6q4V8w' } }],
          },
        ],
      },
      'messages',
    ],
    [
      'a document by URL',
      {
        messages: [
          {
            role: 'user',
            content: [
              {
                type: 'document',
                source: {
                  type: 'url',
                  url: 'https://assets.anthropic.com/m/1cd9d098ac3e6467/original/Claude-3-Model-Card-October-Addendum.pdf',
                },
              },
            ],
          },
        ],
      },
      'messages',
    ],
    [
      'search_result blocks',
      {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'search_result', source: 'https://x', title: 't', content: [{ type: 'text', text: 'x' }] },
            ],
          },
        ],
      },
      'messages',
    ],
    [
      'a document inside a tool result',
      {
        messages: [
          { role: 'user', content: 'x' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'f', input: {} }] },
          {
            role: 'user',
            content: [
              {
                type: 'tool_result',
                tool_use_id: 't',
                content: [
                  { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: PDF_DATA } },
                ],
              },
            ],
          },
        ],
      },
      'messages',
    ],
    [
      'server_tool_use blocks in history',
      {
        messages: [
          { role: 'user', content: 'x' },
          {
            role: 'assistant',
            content: [{ type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: {} }],
          },
        ],
      },
      'messages',
    ],
  ];

  it.each(refusals)('%s', (_what, body, param) => {
    const error = errorOf(() => toOpenAI(body));
    expect(error.status).toBe(400);
    expect(error.code).toBe('unsupported_parameter');
    expect(error.param).toBe(param);
    expect(error.message).toContain(`'${param}'`);
  });

  it.each([
    ['a tool role in messages', { messages: [{ role: 'tool', content: 'x' }] }],
    ['an unknown thinking type', { thinking: { type: 'maximal' } }],
    ['an unknown tool_choice type', { tool_choice: { type: 'sometimes' } }],
    ['a tool without a name', { tools: [{ input_schema: {} }] }],
  ])('rejects %s as an invalid request', (_what, body) => {
    const error = errorOf(() => toOpenAI(body));
    expect(error.status).toBe(400);
    expect(error.code).toBe('invalid_request');
  });
});

/** An OpenAI answer, as the Anthropic client receives it. */
function answerToAnthropic(answer: Record<string, unknown>): Record<string, any> {
  return encodeAnthropicResponse(decodeOpenAIResponse(Buffer.from(JSON.stringify(answer))));
}

const openAICompletion = (message: Record<string, unknown>, fields: Record<string, unknown> = {}) => ({
  id: 'chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG',
  object: 'chat.completion',
  created: 1741570283,
  model: 'gpt-4o-2024-08-06',
  choices: [
    {
      index: 0,
      message: { role: 'assistant', refusal: null, annotations: [], ...message },
      logprobs: null,
      finish_reason: 'stop',
    },
  ],
  usage: {
    prompt_tokens: 1117,
    completion_tokens: 46,
    total_tokens: 1163,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  },
  service_tier: 'default',
  system_fingerprint: 'fp_fc9f1d7035',
  ...fields,
});

describe('OpenAI answer → Anthropic client message', () => {
  it('a text answer → a message with a text block, stop_reason and usage', () => {
    expect(answerToAnthropic(openAICompletion({ content: 'The image shows a wooden boardwalk.' }))).toEqual({
      id: 'chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG',
      type: 'message',
      role: 'assistant',
      model: 'gpt-4o-2024-08-06',
      content: [{ type: 'text', text: 'The image shows a wooden boardwalk.' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 1117, output_tokens: 46, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
    });
  });

  it('cached tokens leave input_tokens (Anthropic counts cache reads apart) and become cache_read_input_tokens', () => {
    const out = answerToAnthropic(
      openAICompletion(
        { content: 'x' },
        {
          usage: {
            prompt_tokens: 2006,
            completion_tokens: 300,
            total_tokens: 2306,
            prompt_tokens_details: { cached_tokens: 1920 },
          },
        },
      ),
    );
    expect(out.usage).toEqual({
      input_tokens: 86,
      output_tokens: 300,
      cache_read_input_tokens: 1920,
      cache_creation_input_tokens: 0,
    });
  });

  it('tool_calls → tool_use blocks with parsed input; finish tool_calls → stop_reason tool_use', () => {
    const answer = openAICompletion({
      content: null,
      tool_calls: [
        {
          id: 'call_12345xyz',
          type: 'function',
          function: { name: 'get_weather', arguments: '{"location":"Paris, France"}' },
        },
        {
          id: 'call_67890abc',
          type: 'function',
          function: { name: 'get_weather', arguments: '{"location":"Bogotá, Colombia"}' },
        },
      ],
    });
    (answer.choices[0] as Record<string, unknown>).finish_reason = 'tool_calls';
    const out = answerToAnthropic(answer);
    expect(out.content).toEqual([
      { type: 'tool_use', id: 'call_12345xyz', name: 'get_weather', input: { location: 'Paris, France' } },
      { type: 'tool_use', id: 'call_67890abc', name: 'get_weather', input: { location: 'Bogotá, Colombia' } },
    ]);
    expect(out.stop_reason).toBe('tool_use');
  });

  it('tool calls with finish_reason stop (OpenAI answers a named tool_choice so) → stop_reason tool_use', () => {
    const answer = openAICompletion({
      content: null,
      tool_calls: [
        { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Seoul"}' } },
      ],
    });
    expect(answer.choices[0]?.finish_reason).toBe('stop');
    expect(answerToAnthropic(answer).stop_reason).toBe('tool_use');
  });

  it('tool calls cut by the length limit stay max_tokens', () => {
    const answer = openAICompletion({
      content: null,
      tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":' } }],
    });
    (answer.choices[0] as Record<string, unknown>).finish_reason = 'length';
    expect(answerToAnthropic(answer).stop_reason).toBe('max_tokens');
  });

  it('arguments that are not a JSON object are kept under _raw, not lost', () => {
    const answer = openAICompletion({
      content: null,
      tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":' } }],
    });
    expect(answerToAnthropic(answer).content).toEqual([
      { type: 'tool_use', id: 'call_1', name: 'f', input: { _raw: '{"a":' } },
    ]);
  });

  it('reasoning_content → a thinking block before the text', () => {
    const out = answerToAnthropic(
      openAICompletion({ content: '9.11 is smaller.', reasoning_content: 'Compare 9.11 and 9.8: 0.11 < 0.8.' }),
    );
    expect(out.content).toEqual([
      { type: 'thinking', thinking: 'Compare 9.11 and 9.8: 0.11 < 0.8.', signature: '' },
      { type: 'text', text: '9.11 is smaller.' },
    ]);
  });

  // [OpenAI finish_reason, Anthropic stop_reason]
  it.each([
    ['stop', 'end_turn'],
    ['length', 'max_tokens'],
    ['tool_calls', 'tool_use'],
    ['function_call', 'tool_use'],
    ['content_filter', 'refusal'],
    [null, 'end_turn'],
  ])('finish_reason %s → stop_reason %s', (finish, stop) => {
    const answer = openAICompletion({ content: 'x' });
    (answer.choices[0] as Record<string, unknown>).finish_reason = finish;
    expect(answerToAnthropic(answer).stop_reason).toBe(stop);
  });

  it('no usage in the answer → zeros, never a missing field', () => {
    const answer: Record<string, unknown> = openAICompletion({ content: 'x' });
    delete answer.usage;
    expect(answerToAnthropic(answer).usage).toEqual({
      input_tokens: 0,
      output_tokens: 0,
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 0,
    });
  });
});

function irRequest(body: Record<string, unknown> = {}): ChatRequest {
  return parseAnthropicRequest({
    model: 'claude-sonnet-4-5',
    max_tokens: 1024,
    stream: true,
    messages: [{ role: 'user', content: 'Hi' }],
    ...body,
  });
}

function encodeEvents(events: StreamEvent[]): string {
  const encoder = anthropicChat.streamEncoder(irRequest());
  return events.map((event) => encoder.encode(event)).join('');
}

describe('Anthropic stream encoder (IR events → Messages API events)', () => {
  it('message_start → blocks (thinking, text, tool_use) → message_delta with stop reason and usage → message_stop', () => {
    const events = readAnthropicStream(
      encodeEvents([
        { type: 'start', id: 'chatcmpl-1', model: 'gpt-4o' },
        { type: 'reasoning-delta', text: 'Think.' },
        { type: 'text-delta', text: 'Okay, ' },
        { type: 'text-delta', text: 'checking.' },
        { type: 'tool-call-start', index: 0, id: 'call_1', name: 'get_weather' },
        { type: 'tool-call-delta', index: 0, arguments: '{"location":' },
        { type: 'tool-call-delta', index: 0, arguments: '"SF"}' },
        { type: 'tool-call-end', index: 0 },
        { type: 'tool-call-start', index: 1, id: 'call_2', name: 'get_time' },
        { type: 'tool-call-end', index: 1 },
        { type: 'finish', reason: 'tool_calls' },
        { type: 'usage', usage: { inputTokens: 100, cachedInputTokens: 60, outputTokens: 20 } },
        { type: 'end' },
      ]),
    );
    expect(events).toEqual([
      {
        type: 'message_start',
        message: {
          id: 'chatcmpl-1',
          type: 'message',
          role: 'assistant',
          model: 'gpt-4o',
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
        },
      },
      { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Think.' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Okay, ' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'checking.' } },
      { type: 'content_block_stop', index: 1 },
      {
        type: 'content_block_start',
        index: 2,
        content_block: { type: 'tool_use', id: 'call_1', name: 'get_weather', input: {} },
      },
      { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{"location":' } },
      { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '"SF"}' } },
      { type: 'content_block_stop', index: 2 },
      {
        type: 'content_block_start',
        index: 3,
        content_block: { type: 'tool_use', id: 'call_2', name: 'get_time', input: {} },
      },
      { type: 'content_block_stop', index: 3 },
      {
        type: 'message_delta',
        delta: { stop_reason: 'tool_use', stop_sequence: null },
        usage: { input_tokens: 40, output_tokens: 20, cache_read_input_tokens: 60, cache_creation_input_tokens: 0 },
      },
      { type: 'message_stop' },
    ]);
  });

  it('reasoning signatures → signature_delta in the thinking block', () => {
    const events = readAnthropicStream(
      encodeEvents([
        { type: 'start', id: 'm', model: 'x' },
        { type: 'reasoning-delta', text: 'Hmm' },
        { type: 'reasoning-signature', signature: 'EqQBCgIYAhIM' },
        { type: 'text-delta', text: 'A' },
        { type: 'finish', reason: 'stop' },
        { type: 'end' },
      ]),
    );
    expectAnthropicGrammar(events);
    expect(events).toContainEqual({
      type: 'content_block_delta',
      index: 0,
      delta: { type: 'signature_delta', signature: 'EqQBCgIYAhIM' },
    });
  });

  // [IR finish, Anthropic stop_reason]
  it.each([
    ['stop', 'end_turn'],
    ['length', 'max_tokens'],
    ['tool_calls', 'tool_use'],
    ['content_filter', 'refusal'],
  ] as const)('finish %s → stop_reason %s', (reason, stop) => {
    const events = readAnthropicStream(
      encodeEvents([
        { type: 'start', id: 'm', model: 'x' },
        { type: 'text-delta', text: 'a' },
        { type: 'finish', reason },
        { type: 'end' },
      ]),
    );
    expect(events.at(-2)?.delta.stop_reason).toBe(stop);
  });

  it('usage known at the start goes into message_start', () => {
    const events = readAnthropicStream(
      encodeEvents([
        { type: 'usage', usage: { inputTokens: 30, cachedInputTokens: 10, outputTokens: 1 } },
        { type: 'start', id: 'm', model: 'x' },
        { type: 'finish', reason: 'stop' },
        { type: 'end' },
      ]),
    );
    expect(events[0]?.message.usage).toEqual({
      input_tokens: 20,
      output_tokens: 1,
      cache_read_input_tokens: 10,
      cache_creation_input_tokens: 0,
    });
  });

  it('an empty answer is still a complete message', () => {
    const events = readAnthropicStream(
      encodeEvents([{ type: 'start', id: 'm', model: 'x' }, { type: 'finish', reason: 'stop' }, { type: 'end' }]),
    );
    expect(events.map((e) => e.type)).toEqual(['message_start', 'message_delta', 'message_stop']);
  });

  it.each([
    [529, 'overloaded_error'],
    [429, 'rate_limit_error'],
    [400, 'invalid_request_error'],
    [401, 'authentication_error'],
    [403, 'permission_error'],
    [404, 'not_found_error'],
    [413, 'request_too_large'],
    [500, 'api_error'],
    [502, 'api_error'],
  ])('an error with status %i → event: error of type %s', (status, type) => {
    const text = encodeEvents([
      { type: 'start', id: 'm', model: 'x' },
      { type: 'text-delta', text: 'a' },
      { type: 'error', status, code: 'whatever', message: 'The provider failed.' },
    ]);
    const last = readSse(text).at(-1);
    expect(last?.event).toBe('error');
    expect(JSON.parse(last?.data ?? '')).toEqual({ type: 'error', error: { type, message: 'The provider failed.' } });
  });
});

describe('Anthropic stream decoder (Messages API events → IR events)', () => {
  const decode = (text: string, size = 9, request: ChatRequest = irRequest()) =>
    decodeAll(anthropicChat.streamDecoder(request), splitEvery(bytesOf(text), size));

  const messageStart = (usage: Record<string, unknown> = { input_tokens: 472, output_tokens: 2 }) =>
    anthropicEvent({
      type: 'message_start',
      message: {
        id: 'msg_014p7gG3wDgGV9EUtLvnow3U',
        type: 'message',
        role: 'assistant',
        model: 'claude-opus-4-1-20250805',
        stop_sequence: null,
        usage,
        content: [],
        stop_reason: null,
      },
    });

  it("the streaming guide's tool-use stream (with ping) → start, text, tool call with argument fragments, finish, usage, end", () => {
    const stream =
      messageStart() +
      anthropicEvent({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }) +
      anthropicEvent({ type: 'ping' }) +
      anthropicEvent({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Okay' } }) +
      anthropicEvent({
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'text_delta', text: ', let me check.' },
      }) +
      anthropicEvent({ type: 'content_block_stop', index: 0 }) +
      anthropicEvent({
        type: 'content_block_start',
        index: 1,
        content_block: { type: 'tool_use', id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', input: {} },
      }) +
      anthropicEvent({ type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '' } }) +
      anthropicEvent({
        type: 'content_block_delta',
        index: 1,
        delta: { type: 'input_json_delta', partial_json: '{"location":' },
      }) +
      anthropicEvent({
        type: 'content_block_delta',
        index: 1,
        delta: { type: 'input_json_delta', partial_json: ' "San Francisc' },
      }) +
      anthropicEvent({
        type: 'content_block_delta',
        index: 1,
        delta: { type: 'input_json_delta', partial_json: 'o, CA"}' },
      }) +
      anthropicEvent({ type: 'content_block_stop', index: 1 }) +
      anthropicEvent({
        type: 'message_delta',
        delta: { stop_reason: 'tool_use', stop_sequence: null },
        usage: { output_tokens: 89 },
      }) +
      anthropicEvent({ type: 'message_stop' });
    expect(decode(stream)).toEqual([
      { type: 'start', id: 'msg_014p7gG3wDgGV9EUtLvnow3U', model: 'claude-opus-4-1-20250805' },
      { type: 'usage', usage: { inputTokens: 472, cachedInputTokens: 0, cacheWriteInputTokens: 0, outputTokens: 2 } },
      { type: 'text-delta', text: 'Okay' },
      { type: 'text-delta', text: ', let me check.' },
      { type: 'tool-call-start', index: 0, id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather' },
      { type: 'tool-call-delta', index: 0, arguments: '{"location":' },
      { type: 'tool-call-delta', index: 0, arguments: ' "San Francisc' },
      { type: 'tool-call-delta', index: 0, arguments: 'o, CA"}' },
      { type: 'tool-call-end', index: 0 },
      { type: 'usage', usage: { inputTokens: 472, cachedInputTokens: 0, cacheWriteInputTokens: 0, outputTokens: 89 } },
      { type: 'finish', reason: 'tool_calls' },
      { type: 'end' },
    ]);
  });

  it('extended thinking: thinking_delta → reasoning deltas, signature_delta → the signature', () => {
    const stream =
      messageStart() +
      anthropicEvent({ type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '' } }) +
      anthropicEvent({
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'thinking_delta', thinking: 'Let me solve this step by step:\n\n1. First break down 27 * 453' },
      }) +
      anthropicEvent({
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'thinking_delta', thinking: '\n2. 453 = 400 + 50 + 3' },
      }) +
      anthropicEvent({
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'signature_delta', signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds...' },
      }) +
      anthropicEvent({ type: 'content_block_stop', index: 0 }) +
      anthropicEvent({ type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } }) +
      anthropicEvent({
        type: 'content_block_delta',
        index: 1,
        delta: { type: 'text_delta', text: '27 * 453 = 12,231' },
      }) +
      anthropicEvent({ type: 'content_block_stop', index: 1 }) +
      anthropicEvent({
        type: 'message_delta',
        delta: { stop_reason: 'end_turn', stop_sequence: null },
        usage: { output_tokens: 100 },
      }) +
      anthropicEvent({ type: 'message_stop' });
    expect(decode(stream).filter((e) => e.type !== 'usage')).toEqual([
      { type: 'start', id: 'msg_014p7gG3wDgGV9EUtLvnow3U', model: 'claude-opus-4-1-20250805' },
      { type: 'reasoning-delta', text: 'Let me solve this step by step:\n\n1. First break down 27 * 453' },
      { type: 'reasoning-delta', text: '\n2. 453 = 400 + 50 + 3' },
      { type: 'reasoning-signature', signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds...' },
      { type: 'text-delta', text: '27 * 453 = 12,231' },
      { type: 'finish', reason: 'stop' },
      { type: 'end' },
    ]);
  });

  it('usage: cache reads and writes from message_start are added to the input; message_delta totals replace earlier counts', () => {
    const stream =
      messageStart({
        input_tokens: 5,
        cache_creation_input_tokens: 100,
        cache_read_input_tokens: 2000,
        output_tokens: 1,
      }) +
      anthropicEvent({
        type: 'message_delta',
        delta: { stop_reason: 'end_turn', stop_sequence: null },
        usage: { output_tokens: 42, input_tokens: null },
      }) +
      anthropicEvent({ type: 'message_stop' });
    const usages = decode(stream).filter((e) => e.type === 'usage');
    expect(usages.at(-1)).toEqual({
      type: 'usage',
      usage: { inputTokens: 2105, cachedInputTokens: 2000, cacheWriteInputTokens: 100, outputTokens: 42 },
    });
  });

  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['max_tokens', 'length'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
    ['pause_turn', 'stop'],
  ])('stop_reason %s → finish %s', (stopReason, reason) => {
    const stream =
      messageStart() +
      anthropicEvent({
        type: 'message_delta',
        delta: { stop_reason: stopReason, stop_sequence: null },
        usage: { output_tokens: 1 },
      }) +
      anthropicEvent({ type: 'message_stop' });
    expect(decode(stream)).toContainEqual({ type: 'finish', reason });
  });

  it('the stop sequence that ended the answer is carried', () => {
    const stream =
      messageStart() +
      anthropicEvent({
        type: 'message_delta',
        delta: { stop_reason: 'stop_sequence', stop_sequence: 'END' },
        usage: { output_tokens: 1 },
      }) +
      anthropicEvent({ type: 'message_stop' });
    expect(decode(stream)).toContainEqual({ type: 'finish', reason: 'stop', stopSequence: 'END' });
  });

  it('the forced JSON tool (response_format) streams as text, and its tool_use stop is a normal stop', () => {
    const request = parseOpenAIRequest({
      model: 'claude-sonnet-4-5',
      stream: true,
      messages: [{ role: 'user', content: 'x' }],
      response_format: { type: 'json_schema', json_schema: { name: 'person', schema: { type: 'object' } } },
    });
    const stream =
      messageStart() +
      anthropicEvent({
        type: 'content_block_start',
        index: 0,
        content_block: { type: 'tool_use', id: 'toolu_j', name: 'person', input: {} },
      }) +
      anthropicEvent({
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'input_json_delta', partial_json: '{"name":' },
      }) +
      anthropicEvent({
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'input_json_delta', partial_json: '"Ada"}' },
      }) +
      anthropicEvent({ type: 'content_block_stop', index: 0 }) +
      anthropicEvent({
        type: 'message_delta',
        delta: { stop_reason: 'tool_use', stop_sequence: null },
        usage: { output_tokens: 9 },
      }) +
      anthropicEvent({ type: 'message_stop' });
    expect(decode(stream, 9, request).filter((e) => e.type !== 'usage')).toEqual([
      { type: 'start', id: 'msg_014p7gG3wDgGV9EUtLvnow3U', model: 'claude-opus-4-1-20250805' },
      { type: 'text-delta', text: '{"name":' },
      { type: 'text-delta', text: '"Ada"}' },
      { type: 'finish', reason: 'stop' },
      { type: 'end' },
    ]);
  });

  it.each([
    ['overloaded_error', 529],
    ['rate_limit_error', 429],
    ['api_error', 500],
    ['invalid_request_error', 400],
  ])('event: error of type %s → an error event with status %i, nothing after it', (type, status) => {
    const stream =
      messageStart() +
      anthropicEvent({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }) +
      anthropicEvent({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hel' } }) +
      anthropicEvent({ type: 'error', error: { type, message: 'Overloaded' } }) +
      anthropicEvent({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'lo' } });
    const events = decode(stream);
    expect(events.at(-1)).toEqual({ type: 'error', status, code: type, message: 'Overloaded' });
    expect(events.filter((e) => e.type === 'text-delta')).toEqual([{ type: 'text-delta', text: 'Hel' }]);
  });

  it('a stream that stops before message_stop → an incomplete-stream error', () => {
    const stream =
      messageStart() +
      anthropicEvent({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }) +
      anthropicEvent({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hel' } });
    expect(decode(stream).at(-1)).toMatchObject({ type: 'error', status: 502, code: 'upstream_stream_incomplete' });
  });

  it('ignores unknown events and blocks (server tool results)', () => {
    const stream =
      messageStart() +
      anthropicEvent({
        type: 'content_block_start',
        index: 0,
        content_block: { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: {} },
      }) +
      anthropicEvent({
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'input_json_delta', partial_json: '{"query":"x"}' },
      }) +
      anthropicEvent({ type: 'content_block_stop', index: 0 }) +
      anthropicEvent({ type: 'some_future_event' }) +
      anthropicEvent({
        type: 'message_delta',
        delta: { stop_reason: 'end_turn', stop_sequence: null },
        usage: { output_tokens: 1 },
      }) +
      anthropicEvent({ type: 'message_stop' });
    expect(decode(stream).map((e) => e.type)).toEqual(['start', 'usage', 'usage', 'finish', 'end']);
  });
});
