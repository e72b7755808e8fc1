/**
 * The OpenAI Chat Completions side of the translation layer: an OpenAI client's request as the
 * Anthropic provider receives it, Anthropic's answers as the OpenAI client receives them, and the
 * OpenAI stream encoder and decoder at the IR level. Samples follow OpenAI's Chat Completions API
 * reference and Anthropic's Messages API reference.
 */
import { describe, expect, it } from 'vitest';
import { buildRequest as buildAnthropicRequest, DEFAULT_MAX_TOKENS } from '../../../src/formats/anthropic/request.ts';
import { decodeResponse as decodeAnthropicResponse } from '../../../src/formats/anthropic/response.ts';
import type { ChatRequest, StreamEvent } from '../../../src/formats/ir.ts';
import { parseRequest as parseOpenAIRequest } from '../../../src/formats/openai/request.ts';
import {
  decodeResponse as decodeOpenAIResponse,
  encodeResponse as encodeOpenAIResponse,
} from '../../../src/formats/openai/response.ts';
import {
  bytesOf,
  DONE,
  decodeAll,
  errorOf,
  openAIChat,
  openAIChunk,
  readOpenAIStream,
  splitEvery,
} from '../../helpers/formats.ts';

const MODEL = 'claude-sonnet-4-5';

/** An OpenAI client's body (model and a one-line conversation unless given) → the Anthropic body. */
function toAnthropic(body: Record<string, unknown>): Record<string, any> {
  const request = parseOpenAIRequest({ model: MODEL, messages: [{ role: 'user', content: 'Hello' }], ...body });
  return buildAnthropicRequest(request, MODEL).body;
}

const PNG_DATA = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const PDF_DATA = 'JVBERi0xLjQKJcOkw7zDtsOfCjIgMCBvYmoKPDwvTGVuZ3RoIDMgMCBSPj4Kc3RyZWFtCg==';

const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Get the current weather in a given location',
    parameters: {
      type: 'object',
      properties: {
        location: { type: 'string', description: 'The city and state, e.g. San Francisco, CA' },
        unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
      },
      required: ['location'],
    },
    strict: true,
  },
};
const weatherSchema = weatherTool.function.parameters;

describe('OpenAI client request → Anthropic request', () => {
  // [what, OpenAI body fields, the Anthropic body's fields that must equal these exactly (undefined: absent)]
  const cases: [string, Record<string, unknown>, Record<string, unknown>][] = [
    [
      'system and developer messages → one system string, in order; the rest are the turns',
      {
        messages: [
          { role: 'system', content: 'You are a helpful assistant.' },
          { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
          { role: 'user', content: 'Hello!' },
        ],
      },
      {
        system: 'You are a helpful assistant.\n\nAnswer in French.',
        messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello!' }] }],
      },
    ],
    [
      'a system part with cache_control → system as text blocks keeping the marker',
      {
        messages: [
          { role: 'system', content: [{ type: 'text', text: 'Long manual…', cache_control: { type: 'ephemeral' } }] },
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Hi' },
        ],
      },
      {
        system: [
          { type: 'text', text: 'Long manual…', cache_control: { type: 'ephemeral' } },
          { type: 'text', text: 'Be brief.' },
        ],
      },
    ],
    [
      'consecutive user messages → one user turn (Anthropic alternates roles)',
      {
        messages: [
          { role: 'user', content: 'First.' },
          { role: 'user', content: [{ type: 'text', text: 'Second.' }] },
        ],
      },
      {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'First.' },
              { type: 'text', text: 'Second.' },
            ],
          },
        ],
      },
    ],
    [
      'content parts: text, data: URL image → base64 block, https image → url block (detail dropped), PDF file → document',
      {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: "What's in these?" },
              { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_DATA}`, detail: 'high' } },
              {
                type: 'image_url',
                image_url: {
                  url: 'https://upload.wikimedia.org/wikipedia/commons/a/a7/Camponotus_flavomarginatus_ant.jpg',
                  detail: 'low',
                },
              },
              { type: 'file', file: { filename: 'report.pdf', file_data: `data:application/pdf;base64,${PDF_DATA}` } },
            ],
          },
        ],
      },
      {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: "What's in these?" },
              { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_DATA } },
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
                title: 'report.pdf',
              },
            ],
          },
        ],
      },
    ],
    [
      'function tools → name/description/input_schema (strict dropped); a tool without parameters gets an empty object schema',
      { tools: [weatherTool, { type: 'function', function: { name: 'get_time' } }] },
      {
        tools: [
          {
            name: 'get_weather',
            description: 'Get the current weather in a given location',
            input_schema: weatherSchema,
          },
          { name: 'get_time', input_schema: { type: 'object', properties: {} } },
        ],
        tool_choice: undefined,
      },
    ],
    ['tool_choice auto → auto', { tools: [weatherTool], tool_choice: 'auto' }, { tool_choice: { type: 'auto' } }],
    ['tool_choice none → none', { tools: [weatherTool], tool_choice: 'none' }, { tool_choice: { type: 'none' } }],
    ['tool_choice required → any', { tools: [weatherTool], tool_choice: 'required' }, { tool_choice: { type: 'any' } }],
    [
      'tool_choice naming a function → tool with that name',
      { tools: [weatherTool], tool_choice: { type: 'function', function: { name: 'get_weather' } } },
      { tool_choice: { type: 'tool', name: 'get_weather' } },
    ],
    [
      'parallel_tool_calls false → disable_parallel_tool_use (on auto when no tool_choice)',
      { tools: [weatherTool], parallel_tool_calls: false },
      { tool_choice: { type: 'auto', disable_parallel_tool_use: true } },
    ],
    [
      'parallel_tool_calls false with tool_choice required → any + disable_parallel_tool_use',
      { tools: [weatherTool], tool_choice: 'required', parallel_tool_calls: false },
      { tool_choice: { type: 'any', disable_parallel_tool_use: true } },
    ],
    [
      'parallel_tool_calls false with a named tool → tool + disable_parallel_tool_use',
      {
        tools: [weatherTool],
        tool_choice: { type: 'function', function: { name: 'get_weather' } },
        parallel_tool_calls: false,
      },
      { tool_choice: { type: 'tool', name: 'get_weather', disable_parallel_tool_use: true } },
    ],
    [
      'parallel_tool_calls true is the default: nothing sent',
      { tools: [weatherTool], parallel_tool_calls: true },
      { tool_choice: undefined },
    ],
    [
      'parallel_tool_calls without tools: nothing sent',
      { parallel_tool_calls: false },
      { tool_choice: undefined, tools: undefined },
    ],
    [
      'assistant tool_calls → tool_use blocks (arguments parsed; empty → {}); tool messages → tool_result blocks in one user turn, before its text',
      {
        messages: [
          { role: 'user', content: "What's the weather in Paris and the time?" },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              {
                id: 'call_abc123',
                type: 'function',
                function: { name: 'get_weather', arguments: '{"location":"Paris, France"}' },
              },
              { id: 'call_def456', type: 'function', function: { name: 'get_time', arguments: '' } },
            ],
          },
          { role: 'tool', tool_call_id: 'call_abc123', content: '{"temperature":14,"unit":"celsius"}' },
          { role: 'tool', tool_call_id: 'call_def456', content: [{ type: 'text', text: '15:04' }] },
          { role: 'user', content: 'Thanks, and tomorrow?' },
        ],
      },
      {
        messages: [
          { role: 'user', content: [{ type: 'text', text: "What's the weather in Paris and the time?" }] },
          {
            role: 'assistant',
            content: [
              { type: 'tool_use', id: 'call_abc123', name: 'get_weather', input: { location: 'Paris, France' } },
              { type: 'tool_use', id: 'call_def456', name: 'get_time', input: {} },
            ],
          },
          {
            role: 'user',
            content: [
              {
                type: 'tool_result',
                tool_use_id: 'call_abc123',
                content: [{ type: 'text', text: '{"temperature":14,"unit":"celsius"}' }],
              },
              { type: 'tool_result', tool_use_id: 'call_def456', content: [{ type: 'text', text: '15:04' }] },
              { type: 'text', text: 'Thanks, and tomorrow?' },
            ],
          },
        ],
      },
    ],
    [
      'assistant text with tool calls → text block then tool_use; empty assistant text is left out',
      {
        messages: [
          { role: 'user', content: 'Weather?' },
          {
            role: 'assistant',
            content: 'Let me check.',
            tool_calls: [
              { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Oslo"}' } },
            ],
          },
          { role: 'tool', tool_call_id: 'call_1', content: 'Snow' },
          { role: 'assistant', content: '' },
          { role: 'user', content: 'Ok' },
        ],
      },
      {
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'Weather?' }] },
          {
            role: 'assistant',
            content: [
              { type: 'text', text: 'Let me check.' },
              { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { location: 'Oslo' } },
            ],
          },
          {
            role: 'user',
            content: [
              { type: 'tool_result', tool_use_id: 'call_1', content: [{ type: 'text', text: 'Snow' }] },
              { type: 'text', text: 'Ok' },
            ],
          },
        ],
      },
    ],
    [
      'a user message slipped between the tool calls and their results: the tool_result still comes first in the merged turn',
      {
        messages: [
          { role: 'user', content: 'Weather?' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }],
          },
          { role: 'user', content: 'Hurry up.' },
          { role: 'tool', tool_call_id: 'call_1', content: 'Rain' },
        ],
      },
      {
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'Weather?' }] },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'call_1', name: 'get_weather', input: {} }] },
          {
            role: 'user',
            content: [
              { type: 'tool_result', tool_use_id: 'call_1', content: [{ type: 'text', text: 'Rain' }] },
              { type: 'text', text: 'Hurry up.' },
            ],
          },
        ],
      },
    ],
    [
      `no max_tokens → the default (${DEFAULT_MAX_TOKENS}), since Anthropic requires it`,
      {},
      { max_tokens: DEFAULT_MAX_TOKENS },
    ],
    ['max_tokens → max_tokens', { max_tokens: 300 }, { max_tokens: 300 }],
    [
      'max_completion_tokens → max_tokens, and wins over max_tokens',
      { max_completion_tokens: 500, max_tokens: 300 },
      { max_tokens: 500 },
    ],
    [
      'temperature, top_p, top_k pass through; stop (string) → stop_sequences',
      { temperature: 0.2, top_p: 0.9, top_k: 40, stop: '\n\nHuman:' },
      { temperature: 0.2, top_p: 0.9, top_k: 40, stop_sequences: ['\n\nHuman:'] },
    ],
    ['stop (array) → stop_sequences', { stop: ['END', '###'] }, { stop_sequences: ['END', '###'] }],
    ['an empty stop array sends nothing', { stop: [] }, { stop_sequences: undefined }],
    ['user → metadata.user_id', { user: 'user-1234' }, { metadata: { user_id: 'user-1234' } }],
    [
      'reasoning_effort low → thinking with a 1024 budget; max_tokens = budget + default',
      { reasoning_effort: 'low' },
      { thinking: { type: 'enabled', budget_tokens: 1024 }, max_tokens: 1024 + DEFAULT_MAX_TOKENS },
    ],
    [
      'reasoning_effort continuing a tool call the client cannot replay signed thinking for → no thinking on this turn (Anthropic would refuse it)',
      {
        reasoning_effort: 'high',
        messages: [
          { role: 'user', content: 'Weather?' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'w', arguments: '{}' } }],
          },
          { role: 'tool', tool_call_id: 'toolu_1', content: 'sunny' },
        ],
      },
      { thinking: undefined, max_tokens: DEFAULT_MAX_TOKENS },
    ],
    [
      "tool-call ids outside Anthropic's [a-zA-Z0-9_-] (Kimi's functions.get_weather:0) are mapped alike on the call and its result",
      {
        messages: [
          { role: 'user', content: 'Weather?' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: 'functions.get_weather:0', type: 'function', function: { name: 'get_weather', arguments: '{}' } },
            ],
          },
          { role: 'tool', tool_call_id: 'functions.get_weather:0', content: 'sunny' },
        ],
      },
      {
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'Weather?' }] },
          {
            role: 'assistant',
            content: [{ type: 'tool_use', id: 'functions_get_weather_0', name: 'get_weather', input: {} }],
          },
          {
            role: 'user',
            content: [
              {
                type: 'tool_result',
                tool_use_id: 'functions_get_weather_0',
                content: [{ type: 'text', text: 'sunny' }],
              },
            ],
          },
        ],
      },
    ],
    [
      'reasoning_effort minimal → the minimum budget',
      { reasoning_effort: 'minimal' },
      { thinking: { type: 'enabled', budget_tokens: 1024 } },
    ],
    [
      'reasoning_effort medium → 4096',
      { reasoning_effort: 'medium' },
      { thinking: { type: 'enabled', budget_tokens: 4096 }, max_tokens: 4096 + DEFAULT_MAX_TOKENS },
    ],
    [
      'reasoning_effort high → 16384',
      { reasoning_effort: 'high' },
      { thinking: { type: 'enabled', budget_tokens: 16384 }, max_tokens: 16384 + DEFAULT_MAX_TOKENS },
    ],
    [
      'reasoning_effort xhigh → as high',
      { reasoning_effort: 'xhigh' },
      { thinking: { type: 'enabled', budget_tokens: 16384 } },
    ],
    [
      'reasoning_effort none → no thinking',
      { reasoning_effort: 'none' },
      { thinking: undefined, max_tokens: DEFAULT_MAX_TOKENS },
    ],
    [
      'reasoning_effort with max_completion_tokens: the budget is capped at half of it, the cap is kept',
      { reasoning_effort: 'high', max_completion_tokens: 3000 },
      { thinking: { type: 'enabled', budget_tokens: 1500 }, max_tokens: 3000 },
    ],
    [
      'reasoning_effort with a small cap: the budget never goes under 1024',
      { reasoning_effort: 'medium', max_completion_tokens: 1500 },
      { thinking: { type: 'enabled', budget_tokens: 1024 }, max_tokens: 1500 },
    ],
    [
      'reasoning_effort with a cap that leaves room: the effort budget is kept',
      { reasoning_effort: 'medium', max_tokens: 32000 },
      { thinking: { type: 'enabled', budget_tokens: 4096 }, max_tokens: 32000 },
    ],
    [
      'reasoning_effort with tools on auto: thinking and tools together',
      { reasoning_effort: 'low', tools: [weatherTool], tool_choice: 'auto' },
      { thinking: { type: 'enabled', budget_tokens: 1024 }, tool_choice: { type: 'auto' } },
    ],
    [
      'response_format json_schema → a forced tool named after the schema (tools and tool_choice replaced)',
      {
        response_format: {
          type: 'json_schema',
          json_schema: {
            name: 'weather report',
            description: 'A weather report',
            schema: { type: 'object', properties: { summary: { type: 'string' } }, required: ['summary'] },
            strict: true,
          },
        },
      },
      {
        tools: [
          {
            name: 'weather_report',
            description: 'A weather report',
            input_schema: { type: 'object', properties: { summary: { type: 'string' } }, required: ['summary'] },
          },
        ],
        tool_choice: { type: 'tool', name: 'weather_report' },
      },
    ],
    [
      'response_format json_schema alongside client tools → the JSON tool is added last and forced',
      {
        tools: [weatherTool],
        tool_choice: 'auto',
        response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object' } } },
      },
      {
        tools: [
          {
            name: 'get_weather',
            description: 'Get the current weather in a given location',
            input_schema: weatherSchema,
          },
          {
            name: 'answer',
            description: 'Respond with a JSON value that matches this schema.',
            input_schema: { type: 'object' },
          },
        ],
        tool_choice: { type: 'tool', name: 'answer' },
      },
    ],
    [
      'response_format json_object → a forced json_output tool taking any object',
      { response_format: { type: 'json_object' } },
      {
        tools: [
          {
            name: 'json_output',
            description: 'Respond with a JSON value that matches this schema.',
            input_schema: { type: 'object' },
          },
        ],
        tool_choice: { type: 'tool', name: 'json_output' },
      },
    ],
    [
      'response_format text → nothing',
      { response_format: { type: 'text' } },
      { tools: undefined, tool_choice: undefined },
    ],
    [
      'stream → stream: true (stream_options has no Anthropic counterpart: usage always comes)',
      { stream: true, stream_options: { include_usage: true } },
      { stream: true, stream_options: undefined },
    ],
    [
      'bookkeeping that does not change the answer is dropped: store, metadata, service_tier, prompt_cache_key, safety_identifier, prediction',
      {
        store: true,
        metadata: { session: 'abc' },
        service_tier: 'flex',
        prompt_cache_key: 'k1',
        prompt_cache_retention: '24h',
        safety_identifier: 'hashed-user',
        prediction: { type: 'content', content: 'old text' },
      },
      {
        store: undefined,
        metadata: undefined,
        service_tier: undefined,
        prompt_cache_key: undefined,
        prompt_cache_retention: undefined,
        safety_identifier: undefined,
        prediction: undefined,
      },
    ],
    [
      'n 1 and zero penalties change nothing, so they are accepted',
      { n: 1, frequency_penalty: 0, presence_penalty: 0 },
      { n: undefined, frequency_penalty: undefined, presence_penalty: undefined },
    ],
    [
      'defaults sent explicitly ask for nothing, so they are accepted: logprobs false, top_logprobs 0, empty logit_bias, text-only modalities',
      { logprobs: false, top_logprobs: 0, logit_bias: {}, modalities: ['text'] },
      { logprobs: undefined, top_logprobs: undefined, logit_bias: undefined, modalities: undefined },
    ],
  ];

  it.each(cases)('%s', (_what, body, expected) => {
    const anthropic = toAnthropic(body);
    expect(anthropic.model).toBe(MODEL);
    for (const [key, value] of Object.entries(expected)) expect({ [key]: anthropic[key] }).toEqual({ [key]: value });
  });

  it('sends only keys Anthropic knows for a full request', () => {
    const body = toAnthropic({
      messages: [
        { role: 'system', content: 'Be terse.' },
        { role: 'user', content: 'Hi' },
      ],
      tools: [weatherTool],
      tool_choice: 'auto',
      max_tokens: 100,
      temperature: 0.5,
      stop: 'x',
      user: 'u',
      stream: true,
    });
    expect(Object.keys(body).sort()).toEqual(
      [
        'max_tokens',
        'messages',
        'metadata',
        'model',
        'stop_sequences',
        'stream',
        'system',
        'temperature',
        'tool_choice',
        'tools',
      ].sort(),
    );
  });

  it('merges the turns left adjacent when an empty assistant message disappears', () => {
    const body = toAnthropic({
      messages: [
        { role: 'user', content: 'a' },
        { role: 'assistant', content: '' },
        { role: 'user', content: 'b' },
      ],
    });
    expect(body.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'a' },
          { type: 'text', text: 'b' },
        ],
      },
    ]);
  });
});

describe('OpenAI client request → refused with a 400 naming the parameter', () => {
  // [what, OpenAI body fields, the parameter named]
  const refusals: [string, Record<string, unknown>, string][] = [
    ['n > 1 (Anthropic returns one answer)', { n: 2 }, 'n'],
    ['seed', { seed: 42 }, 'seed'],
    ['frequency_penalty', { frequency_penalty: 0.5 }, 'frequency_penalty'],
    ['presence_penalty', { presence_penalty: -0.5 }, 'presence_penalty'],
    ['logprobs', { logprobs: true }, 'logprobs'],
    ['top_logprobs', { top_logprobs: 3 }, 'top_logprobs'],
    ['logit_bias', { logit_bias: { '50256': -100 } }, 'logit_bias'],
    ['modalities (audio output)', { modalities: ['text', 'audio'] }, 'modalities'],
    ['audio', { audio: { voice: 'alloy', format: 'wav' } }, 'audio'],
    ['web_search_options', { web_search_options: {} }, 'web_search_options'],
    ['verbosity', { verbosity: 'low' }, 'verbosity'],
    ['deprecated top-level functions', { functions: [{ name: 'f', parameters: { type: 'object' } }] }, 'functions'],
    ['logprobs', { logprobs: true }, 'logprobs'],
    ['a non-empty logit_bias', { logit_bias: { '50256': -100 } }, 'logit_bias'],
    ['audio output', { modalities: ['text', 'audio'] }, 'modalities'],
    ['an unknown parameter', { frobnicate: 1 }, 'frobnicate'],
    ['custom (non-function) tools', { tools: [{ type: 'custom', custom: { name: 'grammar' } }] }, 'tools'],
    [
      'audio input parts',
      {
        messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }] }],
      },
      'messages',
    ],
    [
      'file parts by file_id',
      { messages: [{ role: 'user', content: [{ type: 'file', file: { file_id: 'file-abc123' } }] }] },
      'messages',
    ],
    [
      "deprecated 'function' messages",
      {
        messages: [
          { role: 'user', content: 'x' },
          { role: 'function', name: 'f', content: '1' },
        ],
      },
      'messages',
    ],
    [
      'deprecated function_call on an assistant message',
      {
        messages: [
          { role: 'user', content: 'x' },
          { role: 'assistant', content: null, function_call: { name: 'f', arguments: '{}' } },
        ],
      },
      'function_call',
    ],
    [
      'reasoning_effort with max_completion_tokens ≤ 1024 (no room for the minimum budget)',
      { reasoning_effort: 'low', max_completion_tokens: 1000 },
      'max_completion_tokens',
    ],
    [
      'reasoning_effort with response_format (Anthropic cannot think while forced to call the JSON tool)',
      { reasoning_effort: 'low', response_format: { type: 'json_object' } },
      'reasoning_effort',
    ],
    [
      'reasoning_effort with tool_choice required (a forced tool call)',
      { reasoning_effort: 'low', tools: [weatherTool], tool_choice: 'required' },
      'reasoning_effort',
    ],
    [
      'reasoning_effort with a named tool_choice',
      {
        reasoning_effort: 'medium',
        tools: [weatherTool],
        tool_choice: { type: 'function', function: { name: 'get_weather' } },
      },
      'reasoning_effort',
    ],
    [
      'a json_schema whose root is not an object',
      {
        response_format: {
          type: 'json_schema',
          json_schema: { name: 'list', schema: { type: 'array', items: { type: 'string' } } },
        },
      },
      'response_format',
    ],
  ];

  it.each(refusals)('%s', (_what, body, param) => {
    const error = errorOf(() => toAnthropic(body));
    expect(error.status).toBe(400);
    expect(error.code).toBe('unsupported_parameter');
    expect(error.param).toBe(param);
    expect(error.message).toContain(`'${param}'`);
  });

  it.each([
    [
      'tool-call arguments that are not JSON',
      {
        messages: [
          { role: 'user', content: 'x' },
          {
            role: 'assistant',
            tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{oops' } }],
          },
        ],
      },
      'invalid_tool_arguments',
    ],
    [
      'a data: URL that is not base64',
      { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png,rawbytes' } }] }] },
      'invalid_data_url',
    ],
    ['an unknown role', { messages: [{ role: 'robot', content: 'x' }] }, 'invalid_messages'],
    ['no messages', { messages: [] }, 'invalid_messages'],
    ['an unknown reasoning_effort', { reasoning_effort: 'extreme' }, 'invalid_reasoning_effort'],
  ])('rejects %s as an invalid request', (_what, body, code) => {
    const error = errorOf(() => toAnthropic(body));
    expect(error.status).toBe(400);
    expect(error.code).toBe(code);
  });
});

/** An Anthropic answer, as the OpenAI client that sent `body` receives it. */
function answerToOpenAI(answer: Record<string, unknown>, body: Record<string, unknown> = {}): Record<string, any> {
  const request = parseOpenAIRequest({ model: MODEL, messages: [{ role: 'user', content: 'Hello' }], ...body });
  return encodeOpenAIResponse(decodeAnthropicResponse(Buffer.from(JSON.stringify(answer)), request));
}

const anthropicMessage = (fields: Record<string, unknown>) => ({
  id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-5-20250929',
  content: [{ type: 'text', text: 'Hi! My name is Claude.' }],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: { input_tokens: 2095, output_tokens: 503, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
  ...fields,
});

describe('Anthropic answer → OpenAI client response', () => {
  it('a text answer → chat.completion with content, finish_reason and usage', () => {
    const out = answerToOpenAI(anthropicMessage({}));
    expect(out).toMatchObject({
      id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
      object: 'chat.completion',
      model: 'claude-sonnet-4-5-20250929',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Hi! My name is Claude.', refusal: null },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage: {
        prompt_tokens: 2095,
        completion_tokens: 503,
        total_tokens: 2598,
        prompt_tokens_details: { cached_tokens: 0 },
      },
    });
    expect(typeof out.created).toBe('number');
    expect(out.choices[0].message).not.toHaveProperty('tool_calls');
  });

  it('cache reads count in prompt_tokens (Anthropic leaves them out of input_tokens) and show as cached_tokens', () => {
    const out = answerToOpenAI(
      anthropicMessage({
        usage: {
          input_tokens: 21,
          cache_creation_input_tokens: 188,
          cache_read_input_tokens: 1800,
          output_tokens: 393,
        },
      }),
    );
    expect(out.usage).toEqual({
      prompt_tokens: 21 + 188 + 1800,
      completion_tokens: 393,
      total_tokens: 21 + 188 + 1800 + 393,
      prompt_tokens_details: { cached_tokens: 1800 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });
  });

  it('tool_use blocks → tool_calls with JSON arguments, keeping the text', () => {
    const out = answerToOpenAI(
      anthropicMessage({
        content: [
          { type: 'text', text: "I'll check the current weather in San Francisco for you." },
          {
            type: 'tool_use',
            id: 'toolu_01A09q90qw90lq917835lq9',
            name: 'get_weather',
            input: { location: 'San Francisco, CA', unit: 'celsius' },
          },
          { type: 'tool_use', id: 'toolu_02B', name: 'get_time', input: {} },
        ],
        stop_reason: 'tool_use',
      }),
      { tools: [weatherTool] },
    );
    expect(out.choices[0]).toMatchObject({
      message: {
        content: "I'll check the current weather in San Francisco for you.",
        tool_calls: [
          {
            id: 'toolu_01A09q90qw90lq917835lq9',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"location":"San Francisco, CA","unit":"celsius"}' },
          },
          { id: 'toolu_02B', type: 'function', function: { name: 'get_time', arguments: '{}' } },
        ],
      },
      finish_reason: 'tool_calls',
    });
    expect(JSON.parse(out.choices[0].message.tool_calls[0].function.arguments)).toEqual({
      location: 'San Francisco, CA',
      unit: 'celsius',
    });
  });

  it('a tool-only answer has content null', () => {
    const out = answerToOpenAI(
      anthropicMessage({
        content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_time', input: {} }],
        stop_reason: 'tool_use',
      }),
    );
    expect(out.choices[0].message.content).toBeNull();
  });

  it('thinking → reasoning_content (redacted thinking is not shown)', () => {
    const out = answerToOpenAI(
      anthropicMessage({
        content: [
          {
            type: 'thinking',
            thinking: 'To approach this, let me think about what I know about prime numbers...',
            signature: 'zbbJhbGciOiJFU8zI1NiIsImtpZCI6ImtleS0xMjM0In0',
          },
          { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP' },
          { type: 'text', text: 'Yes, there are infinitely many prime numbers.' },
        ],
      }),
    );
    expect(out.choices[0].message).toEqual({
      role: 'assistant',
      content: 'Yes, there are infinitely many prime numbers.',
      refusal: null,
      reasoning_content: 'To approach this, let me think about what I know about prime numbers...',
    });
  });

  // [Anthropic stop_reason, OpenAI finish_reason]
  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['pause_turn', 'stop'],
    ['max_tokens', 'length'],
    ['model_context_window_exceeded', 'length'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
    ['something_new', 'stop'],
  ])('stop_reason %s → finish_reason %s', (stopReason, finishReason) => {
    expect(answerToOpenAI(anthropicMessage({ stop_reason: stopReason })).choices[0].finish_reason).toBe(finishReason);
  });

  it('the forced JSON tool comes back as the message text, finish_reason stop', () => {
    const body = {
      response_format: { type: 'json_schema', json_schema: { name: 'weather report', schema: { type: 'object' } } },
    };
    const out = answerToOpenAI(
      anthropicMessage({
        content: [{ type: 'tool_use', id: 'toolu_9', name: 'weather_report', input: { summary: 'Sunny', high: 21 } }],
        stop_reason: 'tool_use',
      }),
      body,
    );
    expect(out.choices[0].message.content).toBe('{"summary":"Sunny","high":21}');
    expect(out.choices[0].message).not.toHaveProperty('tool_calls');
    expect(out.choices[0].finish_reason).toBe('stop');
  });

  it('json_object: the json_output tool comes back as text', () => {
    const out = answerToOpenAI(
      anthropicMessage({
        content: [{ type: 'tool_use', id: 'toolu_9', name: 'json_output', input: { ok: true } }],
        stop_reason: 'tool_use',
      }),
      {
        response_format: { type: 'json_object' },
      },
    );
    expect(out.choices[0]).toMatchObject({ message: { content: '{"ok":true}' }, finish_reason: 'stop' });
  });

  it('an answer that is not a Messages API message → 502', () => {
    const request = parseOpenAIRequest({ model: MODEL, messages: [{ role: 'user', content: 'x' }] });
    expect(errorOf(() => decodeAnthropicResponse(Buffer.from('<html>oops</html>'), request)).status).toBe(502);
    expect(errorOf(() => decodeAnthropicResponse(Buffer.from('{"type":"message"}'), request)).status).toBe(502);
  });
});

function irRequest(body: Record<string, unknown> = {}): ChatRequest {
  return parseOpenAIRequest({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'Hi' }],
    stream: true,
    ...body,
  });
}

function encodeEvents(events: StreamEvent[], body: Record<string, unknown> = {}): string {
  const encoder = openAIChat.streamEncoder(irRequest(body));
  return events.map((event) => encoder.encode(event)).join('');
}

describe('OpenAI stream encoder (IR events → chat.completion.chunk events)', () => {
  const toolEvents: StreamEvent[] = [
    { type: 'start', id: 'msg_01', model: 'claude-sonnet-4-5' },
    { type: 'text-delta', text: 'Checking.' },
    { type: 'tool-call-start', index: 0, id: 'toolu_01', name: 'get_weather' },
    { type: 'tool-call-delta', index: 0, arguments: '{"location":' },
    { type: 'tool-call-delta', index: 0, arguments: ' "Paris"}' },
    { type: 'tool-call-end', index: 0 },
    { type: 'tool-call-start', index: 1, id: 'toolu_02', name: 'get_time' },
    { type: 'tool-call-delta', index: 1, arguments: '{}' },
    { type: 'tool-call-end', index: 1 },
    { type: 'finish', reason: 'tool_calls' },
    { type: 'usage', usage: { inputTokens: 120, cachedInputTokens: 100, outputTokens: 30 } },
    { type: 'end' },
  ];

  it('first chunk has role assistant; tool calls keep index/id/name then argument fragments; finish; [DONE] last', () => {
    const { chunks, done } = readOpenAIStream(encodeEvents(toolEvents));
    expect(done).toBe(true);
    for (const chunk of chunks)
      expect(chunk).toMatchObject({ id: 'msg_01', object: 'chat.completion.chunk', model: 'claude-sonnet-4-5' });
    expect(new Set(chunks.map((c) => c.created)).size).toBe(1);
    expect(chunks.map((c) => c.choices[0])).toEqual([
      { index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null },
      { index: 0, delta: { content: 'Checking.' }, logprobs: null, finish_reason: null },
      {
        index: 0,
        delta: {
          tool_calls: [
            { index: 0, id: 'toolu_01', type: 'function', function: { name: 'get_weather', arguments: '' } },
          ],
        },
        logprobs: null,
        finish_reason: null,
      },
      {
        index: 0,
        delta: { tool_calls: [{ index: 0, function: { arguments: '{"location":' } }] },
        logprobs: null,
        finish_reason: null,
      },
      {
        index: 0,
        delta: { tool_calls: [{ index: 0, function: { arguments: ' "Paris"}' } }] },
        logprobs: null,
        finish_reason: null,
      },
      {
        index: 0,
        delta: {
          tool_calls: [{ index: 1, id: 'toolu_02', type: 'function', function: { name: 'get_time', arguments: '' } }],
        },
        logprobs: null,
        finish_reason: null,
      },
      {
        index: 0,
        delta: { tool_calls: [{ index: 1, function: { arguments: '{}' } }] },
        logprobs: null,
        finish_reason: null,
      },
      { index: 0, delta: {}, logprobs: null, finish_reason: 'tool_calls' },
    ]);
    // Without include_usage: no usage chunk, and no usage field on the chunks.
    for (const chunk of chunks) expect(chunk).not.toHaveProperty('usage');
  });

  it('with stream_options.include_usage: usage null on every chunk, then a usage chunk with empty choices before [DONE]', () => {
    const { chunks, done } = readOpenAIStream(encodeEvents(toolEvents, { stream_options: { include_usage: true } }));
    expect(done).toBe(true);
    const last = chunks.at(-1) as Record<string, any>;
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual({
      prompt_tokens: 120,
      completion_tokens: 30,
      total_tokens: 150,
      prompt_tokens_details: { cached_tokens: 100 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });
    for (const chunk of chunks.slice(0, -1)) expect(chunk.usage).toBeNull();
  });

  it('reasoning → reasoning_content deltas; signatures are not sent', () => {
    const { chunks } = readOpenAIStream(
      encodeEvents([
        { type: 'start', id: 'msg_02', model: 'm' },
        { type: 'reasoning-delta', text: 'Let me think' },
        { type: 'reasoning-signature', signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds' },
        { type: 'text-delta', text: '42' },
        { type: 'finish', reason: 'stop' },
        { type: 'end' },
      ]),
    );
    expect(chunks.map((c) => c.choices[0].delta)).toEqual([
      { role: 'assistant', content: '' },
      { reasoning_content: 'Let me think' },
      { content: '42' },
      {},
    ]);
  });

  it.each([
    ['stop', 'stop'],
    ['length', 'length'],
    ['tool_calls', 'tool_calls'],
    ['content_filter', 'content_filter'],
  ] as const)('finish %s → finish_reason %s', (reason, finish) => {
    const { chunks } = readOpenAIStream(
      encodeEvents([{ type: 'start', id: 'x', model: 'm' }, { type: 'finish', reason }, { type: 'end' }]),
    );
    expect(chunks.at(-1)?.choices[0].finish_reason).toBe(finish);
  });

  it('the role chunk comes first even when the first event is a delta', () => {
    const { chunks } = readOpenAIStream(
      encodeEvents([{ type: 'text-delta', text: 'Hi' }, { type: 'finish', reason: 'stop' }, { type: 'end' }]),
    );
    expect(chunks[0]?.choices[0].delta).toEqual({ role: 'assistant', content: '' });
    expect(chunks[0]?.model).toBe('gpt-4o-mini'); // no start event: the requested model
  });

  it("an error → one data: event in OpenAI's error shape, no [DONE]", () => {
    const text = encodeEvents([
      { type: 'start', id: 'x', model: 'm' },
      { type: 'error', status: 529, code: 'overloaded_error', message: 'Overloaded' },
    ]);
    const { chunks, done } = readOpenAIStream(text);
    expect(done).toBe(false);
    expect(chunks.at(-1)).toEqual({
      error: { message: 'Overloaded', type: 'api_error', param: null, code: 'overloaded_error' },
    });
  });

  it.each([
    [429, 'rate_limit_error'],
    [400, 'invalid_request_error'],
    [401, 'authentication_error'],
    [500, 'api_error'],
  ])('a mid-stream error with status %i has type %s', (status, type) => {
    const { chunks } = readOpenAIStream(encodeEvents([{ type: 'error', status, code: 'x', message: 'm' }]));
    expect(chunks[0]?.error.type).toBe(type);
  });
});

const chunkBase = {
  id: 'chatcmpl-123',
  object: 'chat.completion.chunk',
  created: 1694268190,
  model: 'gpt-4o-mini-2024-07-18',
  system_fingerprint: 'fp_44709d6fcb',
};
const choiceChunk = (
  delta: Record<string, unknown>,
  finish: string | null = null,
  extra: Record<string, unknown> = {},
) => openAIChunk({ ...chunkBase, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...extra });

describe('OpenAI stream decoder (chat.completion.chunk events → IR events)', () => {
  const decode = (text: string, size = 7) =>
    decodeAll(openAIChat.streamDecoder(irRequest()), splitEvery(bytesOf(text), size));

  it('text, finish, usage chunk and [DONE] → start, deltas, finish, usage, end', () => {
    const stream =
      choiceChunk({ role: 'assistant', content: '', refusal: null }) +
      choiceChunk({ content: 'Hello' }) +
      choiceChunk({ content: ' there' }) +
      choiceChunk({}, 'stop') +
      openAIChunk({
        ...chunkBase,
        choices: [],
        usage: {
          prompt_tokens: 19,
          completion_tokens: 10,
          total_tokens: 29,
          prompt_tokens_details: { cached_tokens: 0 },
          completion_tokens_details: { reasoning_tokens: 0 },
        },
      }) +
      DONE;
    expect(decode(stream)).toEqual([
      { type: 'start', id: 'chatcmpl-123', model: 'gpt-4o-mini-2024-07-18' },
      { type: 'text-delta', text: 'Hello' },
      { type: 'text-delta', text: ' there' },
      { type: 'finish', reason: 'stop' },
      { type: 'usage', usage: { inputTokens: 19, cachedInputTokens: 0, outputTokens: 10, reasoningTokens: 0 } },
      { type: 'end' },
    ]);
  });

  it('streamed tool calls → start (id, name), argument deltas, end, per index', () => {
    const stream =
      choiceChunk({
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            index: 0,
            id: 'call_DdmO9pD3xa9XTPNJ32zg2hcA',
            type: 'function',
            function: { name: 'get_weather', arguments: '' },
          },
        ],
      }) +
      choiceChunk({ tool_calls: [{ index: 0, function: { arguments: '{"' } }] }) +
      choiceChunk({ tool_calls: [{ index: 0, function: { arguments: 'location' } }] }) +
      choiceChunk({ tool_calls: [{ index: 0, function: { arguments: '":"Paris"}' } }] }) +
      choiceChunk({
        tool_calls: [{ index: 1, id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '{}' } }],
      }) +
      choiceChunk({}, 'tool_calls') +
      DONE;
    expect(decode(stream, 5)).toEqual([
      { type: 'start', id: 'chatcmpl-123', model: 'gpt-4o-mini-2024-07-18' },
      { type: 'tool-call-start', index: 0, id: 'call_DdmO9pD3xa9XTPNJ32zg2hcA', name: 'get_weather' },
      { type: 'tool-call-delta', index: 0, arguments: '{"' },
      { type: 'tool-call-delta', index: 0, arguments: 'location' },
      { type: 'tool-call-delta', index: 0, arguments: '":"Paris"}' },
      { type: 'tool-call-end', index: 0 },
      { type: 'tool-call-start', index: 1, id: 'call_2', name: 'get_time' },
      { type: 'tool-call-delta', index: 1, arguments: '{}' },
      { type: 'tool-call-end', index: 1 },
      { type: 'finish', reason: 'tool_calls' },
      { type: 'end' },
    ]);
  });

  it('a provider that reuses index 0 for every call: a new id is a new call', () => {
    const stream =
      choiceChunk({
        tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'f', arguments: '{"x":1}' } }],
      }) +
      choiceChunk({
        tool_calls: [{ index: 0, id: 'call_b', type: 'function', function: { name: 'g', arguments: '{"y":2}' } }],
      }) +
      choiceChunk({}, 'tool_calls') +
      DONE;
    const starts = decode(stream).filter((e) => e.type === 'tool-call-start');
    expect(starts).toEqual([
      { type: 'tool-call-start', index: 0, id: 'call_a', name: 'f' },
      { type: 'tool-call-start', index: 1, id: 'call_b', name: 'g' },
    ]);
  });

  it('reasoning_content (DeepSeek, vLLM) and reasoning (OpenRouter, Groq) → reasoning deltas', () => {
    const stream =
      choiceChunk({ reasoning_content: 'Hmm.' }) +
      choiceChunk({ reasoning: ' Yes.' }) +
      choiceChunk({ content: 'Done' }) +
      choiceChunk({}, 'stop') +
      DONE;
    expect(decode(stream).filter((e) => e.type === 'reasoning-delta' || e.type === 'text-delta')).toEqual([
      { type: 'reasoning-delta', text: 'Hmm.' },
      { type: 'reasoning-delta', text: ' Yes.' },
      { type: 'text-delta', text: 'Done' },
    ]);
  });

  // [OpenAI finish_reason, IR finish]
  it.each([
    ['stop', 'stop'],
    ['length', 'length'],
    ['tool_calls', 'tool_calls'],
    ['function_call', 'tool_calls'],
    ['content_filter', 'content_filter'],
    ['eos', 'stop'],
  ])('finish_reason %s → %s', (finish, reason) => {
    expect(decode(choiceChunk({ content: 'x' }) + choiceChunk({}, finish) + DONE)).toContainEqual({
      type: 'finish',
      reason,
    });
  });

  it("tool calls then finish_reason stop (OpenAI's answer to a named tool_choice) → finish tool_calls; length stays length", () => {
    const call = choiceChunk({
      tool_calls: [
        {
          index: 0,
          id: 'call_1',
          type: 'function',
          function: { name: 'get_weather', arguments: '{"location":"Seoul"}' },
        },
      ],
    });
    expect(decode(call + choiceChunk({}, 'stop') + DONE)).toContainEqual({ type: 'finish', reason: 'tool_calls' });
    expect(decode(call + choiceChunk({}, 'length') + DONE)).toContainEqual({ type: 'finish', reason: 'length' });
  });

  it('usage on the finish chunk itself (some providers) is read too, with cached tokens', () => {
    const events = decode(
      choiceChunk({ content: 'x' }) +
        choiceChunk({}, 'stop', {
          usage: { prompt_tokens: 50, completion_tokens: 5, prompt_tokens_details: { cached_tokens: 32 } },
        }) +
        DONE,
    );
    expect(events).toContainEqual({
      type: 'usage',
      usage: { inputTokens: 50, cachedInputTokens: 32, outputTokens: 5, reasoningTokens: 0 },
    });
  });

  it('no [DONE] after the finish chunk still ends normally', () => {
    expect(decode(choiceChunk({ content: 'x' }) + choiceChunk({}, 'stop')).at(-1)).toEqual({ type: 'end' });
  });

  it('a stream cut before any finish_reason → an incomplete-stream error, not a silent end', () => {
    const events = decode(choiceChunk({ content: 'Partial ans' }));
    expect(events.at(-1)).toMatchObject({ type: 'error', status: 502, code: 'upstream_stream_incomplete' });
    expect(events.some((e) => e.type === 'end')).toBe(false);
  });

  it('[DONE] before any finish_reason → the same error', () => {
    expect(decode(choiceChunk({ content: 'x' }) + DONE).at(-1)).toMatchObject({
      type: 'error',
      code: 'upstream_stream_incomplete',
    });
  });

  it('a mid-stream error object → an error event with its status and type, and nothing after it', () => {
    const events = decode(
      choiceChunk({ content: 'x' }) +
        openAIChunk({
          error: { message: 'The server had an error while processing your request.', type: 'server_error', code: 503 },
        }) +
        choiceChunk({ content: 'late' }),
    );
    expect(events.slice(-1)).toEqual([
      {
        type: 'error',
        status: 503,
        code: 'server_error',
        message: 'The server had an error while processing your request.',
      },
    ]);
  });

  it('ignores keep-alive comments', () => {
    expect(
      decode(`: keep-alive\n\n${choiceChunk({ content: 'x' })}: ping\n\n${choiceChunk({}, 'stop')}${DONE}`).map(
        (e) => e.type,
      ),
    ).toEqual(['start', 'text-delta', 'finish', 'end']);
  });
});

describe('OpenAI answer decoding (provider side)', () => {
  it('reads content, tool calls, reasoning, finish and usage (cached and reasoning tokens)', () => {
    const answer = {
      id: 'chatcmpl-abc',
      object: 'chat.completion',
      created: 1741569952,
      model: 'o4-mini-2025-04-16',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: null,
            reasoning_content: 'The user wants weather.',
            tool_calls: [
              {
                id: 'call_12345xyz',
                type: 'function',
                function: { name: 'get_weather', arguments: '{"location":"Paris, France"}' },
              },
            ],
            refusal: null,
          },
          logprobs: null,
          finish_reason: 'tool_calls',
        },
      ],
      usage: {
        prompt_tokens: 82,
        completion_tokens: 17,
        total_tokens: 99,
        prompt_tokens_details: { cached_tokens: 64 },
        completion_tokens_details: { reasoning_tokens: 10 },
      },
    };
    expect(decodeOpenAIResponse(Buffer.from(JSON.stringify(answer)))).toEqual({
      id: 'chatcmpl-abc',
      model: 'o4-mini-2025-04-16',
      content: [
        { type: 'reasoning', text: 'The user wants weather.' },
        { type: 'tool-call', id: 'call_12345xyz', name: 'get_weather', arguments: '{"location":"Paris, France"}' },
      ],
      finishReason: 'tool_calls',
      usage: { inputTokens: 82, cachedInputTokens: 64, outputTokens: 17, reasoningTokens: 10 },
    });
  });

  it('a refusal becomes the text', () => {
    const answer = {
      id: 'x',
      model: 'gpt-4o',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: null, refusal: "I'm sorry, I can't help with that." },
          finish_reason: 'stop',
        },
      ],
    };
    expect(decodeOpenAIResponse(Buffer.from(JSON.stringify(answer))).content).toEqual([
      { type: 'text', text: "I'm sorry, I can't help with that." },
    ]);
  });

  it('an answer without choices → 502', () => {
    expect(errorOf(() => decodeOpenAIResponse(Buffer.from('{"id":"x","choices":[]}'))).status).toBe(502);
  });
});
