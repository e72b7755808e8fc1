import { describe, expect, it } from 'vitest';
import { cohereFormat } from '../../../src/formats/cohere/index.ts';
import { finishReasonOf } from '../../../src/formats/cohere/response.ts';
import type { ChatRequest, StreamEvent } from '../../../src/formats/ir.ts';
import { chatRequest, decodeAll, splitAt, typedSse } from '../../helpers/formats.ts';

const build = (fields: Partial<ChatRequest>) =>
  cohereFormat.provider.chat.buildRequest(chatRequest(fields), 'command-a-03-2025');
const decode = (body: object) =>
  cohereFormat.provider.chat.decodeResponse(Buffer.from(JSON.stringify(body)), chatRequest({ model: 'command-a' }));

describe('Cohere v2 chat request', () => {
  it('maps system, messages and sampling parameters to /v2/chat', () => {
    expect(
      build({
        system: [{ type: 'text', text: 'You respond in concise sentences.' }],
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'Hello' }] },
          { role: 'assistant', content: [{ type: 'text', text: 'Hi, how can I help you today?' }] },
          { role: 'user', content: [{ type: 'text', text: "What's the weather like?" }] },
        ],
        maxTokens: 100,
        temperature: 0.3,
        topP: 0.75,
        topK: 10,
        stop: ['END'],
        seed: 42,
        frequencyPenalty: 0.1,
        presencePenalty: 0.2,
        stream: true,
      }),
    ).toEqual({
      path: '/v2/chat',
      body: {
        model: 'command-a-03-2025',
        stream: true,
        messages: [
          { role: 'system', content: [{ type: 'text', text: 'You respond in concise sentences.' }] },
          { role: 'user', content: [{ type: 'text', text: 'Hello' }] },
          { role: 'assistant', content: [{ type: 'text', text: 'Hi, how can I help you today?' }] },
          { role: 'user', content: [{ type: 'text', text: "What's the weather like?" }] },
        ],
        max_tokens: 100,
        temperature: 0.3,
        p: 0.75,
        k: 10,
        stop_sequences: ['END'],
        seed: 42,
        frequency_penalty: 0.1,
        presence_penalty: 0.2,
      },
    });
  });

  it('maps tools, tool calls with their plan, and tool results (the tool-use guide example)', () => {
    const parameters = {
      type: 'object',
      properties: {
        day: { type: 'string', description: 'Retrieves sales data for this day, formatted as YYYY-MM-DD.' },
      },
      required: ['day'],
    };
    const { body } = build({
      tools: [
        {
          name: 'query_daily_sales_report',
          description:
            'Connects to a database to retrieve overall sales volumes and sales information for a given day.',
          parameters,
        },
      ],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Can you provide a sales summary for 29th September 2023?' }] },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'I will retrieve the sales data for 29 September 2023.' },
            {
              type: 'tool-call',
              id: 'query_daily_sales_report_k3dy4mvhesjs',
              name: 'query_daily_sales_report',
              arguments: '{"day":"2023-09-29"}',
            },
          ],
        },
        {
          role: 'user',
          content: [
            {
              type: 'tool-result',
              toolCallId: 'query_daily_sales_report_k3dy4mvhesjs',
              name: 'query_daily_sales_report',
              content: [{ type: 'text', text: '{"total_sales_amount":10000,"total_units_sold":250}' }],
            },
          ],
        },
      ],
    });
    expect(body.tools).toEqual([
      {
        type: 'function',
        function: {
          name: 'query_daily_sales_report',
          description:
            'Connects to a database to retrieve overall sales volumes and sales information for a given day.',
          parameters,
        },
      },
    ]);
    expect((body.messages as any[]).slice(1)).toEqual([
      {
        role: 'assistant',
        tool_plan: 'I will retrieve the sales data for 29 September 2023.',
        tool_calls: [
          {
            id: 'query_daily_sales_report_k3dy4mvhesjs',
            type: 'function',
            function: { name: 'query_daily_sales_report', arguments: '{"day":"2023-09-29"}' },
          },
        ],
      },
      {
        role: 'tool',
        tool_call_id: 'query_daily_sales_report_k3dy4mvhesjs',
        content: [{ type: 'text', text: '{"total_sales_amount":10000,"total_units_sold":250}' }],
      },
    ]);
  });

  it('keeps tool results and user text in their order, and says when a tool failed', () => {
    const { body } = build({
      messages: [
        { role: 'assistant', content: [{ type: 'tool-call', id: 'a', name: 'f', arguments: '' }] },
        {
          role: 'user',
          content: [
            {
              type: 'tool-result',
              toolCallId: 'a',
              name: 'f',
              isError: true,
              content: [{ type: 'text', text: 'file not found' }],
            },
            { type: 'text', text: 'Try another file.' },
          ],
        },
      ],
    });
    expect(body.messages).toEqual([
      { role: 'assistant', tool_calls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: '{}' } }] },
      {
        role: 'tool',
        tool_call_id: 'a',
        content: [
          { type: 'text', text: 'Error:' },
          { type: 'text', text: 'file not found' },
        ],
      },
      { role: 'user', content: [{ type: 'text', text: 'Try another file.' }] },
    ]);
  });

  it.each([
    [{ type: 'required' }, ['f', 'g'], 'REQUIRED'],
    [{ type: 'none' }, ['f', 'g'], 'NONE'],
    [{ type: 'tool', name: 'g' }, ['g'], 'REQUIRED'],
    [{ type: 'auto' }, ['f', 'g'], undefined],
  ] as const)('maps tool choice %o (a named tool: offered alone, and required)', (toolChoice, offered, expected) => {
    const { body } = build({
      tools: [
        { name: 'f', parameters: {} },
        { name: 'g', parameters: {} },
      ],
      toolChoice,
    });
    expect((body.tools as any[]).map((t) => t.function.name)).toEqual(offered);
    expect(body.tool_choice).toBe(expected);
  });

  it('sends images as image_url content, base64 ones as data URLs', () => {
    const { body } = build({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Describe both.' },
            { type: 'image', source: { kind: 'url', url: 'https://example.com/a.png' }, detail: 'low' },
            { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBORw0KGgo=' } },
          ],
        },
      ],
    });
    expect((body.messages as any)[0].content.slice(1)).toEqual([
      { type: 'image_url', image_url: { url: 'https://example.com/a.png', detail: 'low' } },
      { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
    ]);
  });

  it.each([
    [{ reasoning: { budgetTokens: 2000 } }, 'command-a-reasoning-08-2025', { type: 'enabled', token_budget: 2000 }],
    [{ reasoning: { effort: 'medium' } }, 'command-a-reasoning-08-2025', { type: 'enabled', token_budget: 4096 }],
    [{ reasoning: false }, 'command-a-reasoning-08-2025', { type: 'disabled' }],
    [{ reasoning: false }, 'command-r-plus-08-2024', undefined],
  ] as const)('maps reasoning %o for %s to thinking', (fields, model, thinking) => {
    expect(
      cohereFormat.provider.chat.buildRequest(chatRequest(fields as Partial<ChatRequest>), model).body.thinking,
    ).toEqual(thinking);
  });

  it.each([
    [{ type: 'json' }, { type: 'json_object' }],
    [
      { type: 'json-schema', name: 'x', schema: { type: 'object', properties: { a: { type: 'string' } } } },
      { type: 'json_object', json_schema: { type: 'object', properties: { a: { type: 'string' } } } },
    ],
  ] as const)('maps response format %o', (responseFormat, expected) => {
    expect(build({ responseFormat } as Partial<ChatRequest>).body.response_format).toEqual(expected);
  });

  it('passes Cohere-native documents, citation options and safety mode as they are, and refuses other unmapped parameters', () => {
    const documents = [{ id: 'doc:0', data: { title: 'benefits.txt', text: 'AI provides: 1. Automation of tasks' } }];
    const { body } = build({ unmapped: { documents, citation_options: { mode: 'FAST' }, safety_mode: 'STRICT' } });
    expect(body).toMatchObject({ documents, citation_options: { mode: 'FAST' }, safety_mode: 'STRICT' });
    expect(() => build({ unmapped: { logit_bias: { 1: 2 } } })).toThrow(/'logit_bias'/);
  });

  it.each([
    ['n > 1', { n: 2 }, /'n'/],
    [
      'parallel_tool_calls: false',
      { tools: [{ name: 'f', parameters: {} }], parallelToolCalls: false },
      /parallel_tool_calls/,
    ],
    [
      'a document in a message',
      { messages: [{ role: 'user', content: [{ type: 'file', mediaType: 'application/pdf', data: 'JVBERi0=' }] }] },
      /documents/,
    ],
    [
      'an image in a tool result',
      {
        messages: [
          {
            role: 'user',
            content: [
              {
                type: 'tool-result',
                toolCallId: 'a',
                name: 'f',
                content: [{ type: 'image', source: { kind: 'url', url: 'https://x/y.png' } }],
              },
            ],
          },
        ],
      },
      /text only/,
    ],
  ] as const)('refuses %s', (_name, fields, message) => {
    expect(() => build(fields as Partial<ChatRequest>)).toThrow(message);
  });
});

describe('Cohere v2 chat answer', () => {
  it('reads text, finish reason and billed usage (the Chat reference example)', () => {
    const answer = decode({
      id: 'c14c80c3-18eb-4519-9460-6c92edd8cfb4',
      finish_reason: 'COMPLETE',
      message: { role: 'assistant', content: [{ type: 'text', text: 'LLMs stand for Large Language Models.' }] },
      usage: {
        billed_units: { input_tokens: 17, output_tokens: 386 },
        tokens: { input_tokens: 87, output_tokens: 479 },
      },
    });
    expect(answer).toEqual({
      id: 'c14c80c3-18eb-4519-9460-6c92edd8cfb4',
      model: 'command-a',
      content: [{ type: 'text', text: 'LLMs stand for Large Language Models.' }],
      finishReason: 'stop',
      usage: { inputTokens: 17, outputTokens: 386 },
    });
  });

  it('reads the tool plan as text and tool calls with normalised arguments', () => {
    const answer = decode({
      id: 'x',
      finish_reason: 'TOOL_CALL',
      message: {
        role: 'assistant',
        tool_plan: 'I will use the currentTime tool.',
        tool_calls: [
          { id: 'currentTime_1', type: 'function', function: { name: 'currentTime', arguments: 'null' } },
          { id: 'weather_2', type: 'function', function: { name: 'weather', arguments: '{"location":"Toronto"}' } },
        ],
      },
      usage: { billed_units: { input_tokens: 1, output_tokens: 2 } },
    });
    expect(answer.finishReason).toBe('tool_calls');
    expect(answer.content).toEqual([
      { type: 'text', text: 'I will use the currentTime tool.' },
      { type: 'tool-call', id: 'currentTime_1', name: 'currentTime', arguments: '{}' },
      { type: 'tool-call', id: 'weather_2', name: 'weather', arguments: '{"location":"Toronto"}' },
    ]);
  });

  it('reads thinking content as reasoning', () => {
    const answer = decode({
      id: 'x',
      finish_reason: 'COMPLETE',
      message: {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: '2 + 2…' },
          { type: 'text', text: '4' },
        ],
      },
    });
    expect(answer.content).toEqual([
      { type: 'reasoning', text: '2 + 2…' },
      { type: 'text', text: '4' },
    ]);
    expect(answer.usage).toBeUndefined();
  });

  it.each([
    ['COMPLETE', 'stop'],
    ['STOP_SEQUENCE', 'stop'],
    ['MAX_TOKENS', 'length'],
    ['TOOL_CALL', 'tool_calls'],
    ['ERROR', 'error'],
    ['TIMEOUT', 'error'],
  ])('maps finish reason %s to %s', (reason, expected) => {
    expect(finishReasonOf(reason)).toBe(expected);
  });

  it.each([
    [
      400,
      { message: 'invalid request: message must be at least 1 token long or tool results must be specified.' },
      'invalid_request_error',
    ],
    [401, { message: 'invalid api token' }, 'authentication_error'],
    [429, { message: 'You are using a Trial key, which is limited to 10 API calls / minute.' }, 'rate_limit_error'],
    [500, { message: 'internal server error, this has been reported to our developers' }, 'api_error'],
  ])('reads a %i error body', (status, body, code) => {
    expect(cohereFormat.provider.chat.errorOf(status, Buffer.from(JSON.stringify(body)))).toEqual({
      message: body.message,
      code,
    });
  });
});

describe('Cohere v2 chat stream', () => {
  const decoder = () => cohereFormat.provider.chat.streamDecoder(chatRequest({ model: 'command-a', stream: true }));

  const TEXT_STREAM = [
    {
      id: '29f14a5a-11de-4cae-9800-25e4747408ea',
      type: 'message-start',
      delta: { message: { role: 'assistant', content: [], tool_plan: '', tool_calls: [], citations: [] } },
    },
    { type: 'content-start', index: 0, delta: { message: { content: { type: 'text', text: '' } } } },
    { type: 'content-delta', index: 0, delta: { message: { content: { text: 'Large' } } } },
    { type: 'content-delta', index: 0, delta: { message: { content: { text: ' Language Models' } } } },
    { type: 'content-end', index: 0 },
    {
      type: 'message-end',
      delta: {
        finish_reason: 'COMPLETE',
        usage: {
          billed_units: { input_tokens: 3, output_tokens: 258 },
          tokens: { input_tokens: 69, output_tokens: 258 },
        },
      },
    },
  ];
  const TEXT_EVENTS: StreamEvent[] = [
    { type: 'start', id: '29f14a5a-11de-4cae-9800-25e4747408ea', model: 'command-a' },
    { type: 'text-delta', text: 'Large' },
    { type: 'text-delta', text: ' Language Models' },
    { type: 'finish', reason: 'stop' },
    { type: 'usage', usage: { inputTokens: 3, outputTokens: 258 } },
    { type: 'end' },
  ];

  it('translates message-start, content deltas and message-end', () => {
    expect(decodeAll(decoder(), [typedSse(TEXT_STREAM)])).toEqual(TEXT_EVENTS);
  });

  it('gives the same events whatever byte boundary the body is split at', () => {
    const bytes = typedSse(TEXT_STREAM);
    for (let cut = 1; cut < bytes.length; cut += 7)
      expect(decodeAll(decoder(), splitAt(bytes, [cut, cut + 3]))).toEqual(TEXT_EVENTS);
  });

  it('streams the tool plan as text, then tool calls, with {} for argument-less calls', () => {
    const stream = [
      { id: 'm', type: 'message-start', delta: { message: { role: 'assistant' } } },
      { type: 'tool-plan-delta', delta: { message: { tool_plan: 'I will look up' } } },
      { type: 'tool-plan-delta', delta: { message: { tool_plan: ' the weather.' } } },
      {
        type: 'tool-call-start',
        index: 0,
        delta: {
          message: { tool_calls: { id: 'weather_1', type: 'function', function: { name: 'weather', arguments: '' } } },
        },
      },
      {
        type: 'tool-call-delta',
        index: 0,
        delta: { message: { tool_calls: { function: { arguments: '{"location":' } } } },
      },
      {
        type: 'tool-call-delta',
        index: 0,
        delta: { message: { tool_calls: { function: { arguments: '"Toronto"}' } } } },
      },
      { type: 'tool-call-end', index: 0 },
      {
        type: 'tool-call-start',
        index: 1,
        delta: { message: { tool_calls: { id: 'now_2', type: 'function', function: { name: 'now', arguments: '' } } } },
      },
      { type: 'tool-call-end', index: 1 },
      {
        type: 'message-end',
        delta: { finish_reason: 'TOOL_CALL', usage: { billed_units: { input_tokens: 46, output_tokens: 14 } } },
      },
    ];
    expect(decodeAll(decoder(), [typedSse(stream)])).toEqual([
      { type: 'start', id: 'm', model: 'command-a' },
      { type: 'text-delta', text: 'I will look up' },
      { type: 'text-delta', text: ' the weather.' },
      { type: 'tool-call-start', index: 0, id: 'weather_1', name: 'weather' },
      { type: 'tool-call-delta', index: 0, arguments: '{"location":' },
      { type: 'tool-call-delta', index: 0, arguments: '"Toronto"}' },
      { type: 'tool-call-end', index: 0 },
      { type: 'tool-call-start', index: 1, id: 'now_2', name: 'now' },
      { type: 'tool-call-delta', index: 1, arguments: '{}' },
      { type: 'tool-call-end', index: 1 },
      { type: 'finish', reason: 'tool_calls' },
      { type: 'usage', usage: { inputTokens: 46, outputTokens: 14 } },
      { type: 'end' },
    ]);
  });

  it('streams thinking content as reasoning', () => {
    const stream = [
      { id: 'm', type: 'message-start', delta: { message: { role: 'assistant' } } },
      { type: 'content-start', index: 0, delta: { message: { content: { type: 'thinking', thinking: '' } } } },
      { type: 'content-delta', index: 0, delta: { message: { content: { thinking: 'Two plus two' } } } },
      { type: 'content-end', index: 0 },
      { type: 'content-start', index: 1, delta: { message: { content: { type: 'text', text: '' } } } },
      { type: 'content-delta', index: 1, delta: { message: { content: { text: '4' } } } },
      { type: 'message-end', delta: { finish_reason: 'MAX_TOKENS' } },
    ];
    expect(decodeAll(decoder(), [typedSse(stream)]).slice(1)).toEqual([
      { type: 'reasoning-delta', text: 'Two plus two' },
      { type: 'text-delta', text: '4' },
      { type: 'finish', reason: 'length' },
      { type: 'end' },
    ]);
  });

  it('reports a message-end carrying an error, and a stream cut before message-end', () => {
    const failed = [
      TEXT_STREAM[0]!,
      { type: 'message-end', delta: { finish_reason: 'ERROR', error: 'The model is overloaded.' } },
    ];
    expect(decodeAll(decoder(), [typedSse(failed)]).slice(1)).toEqual([
      { type: 'error', status: 502, code: 'upstream_error', message: 'The model is overloaded.' },
    ]);
    expect(decodeAll(decoder(), [typedSse(TEXT_STREAM.slice(0, 3))]).at(-1)).toEqual({
      type: 'error',
      status: 502,
      code: 'upstream_stream_incomplete',
      message: expect.stringMatching(/ended before the answer was complete/),
    });
  });
});

describe('Cohere v2 embeddings', () => {
  const embeddings = cohereFormat.provider.embeddings!;

  it.each([
    [{ model: 'm', input: ['hello', 'goodbye'] }, { input_type: 'search_document' }],
    [
      { model: 'm', input: ['hello'], inputType: 'classification', dimensions: 512 },
      { input_type: 'classification', output_dimension: 512 },
    ],
  ])('builds /v2/embed for %o', (request, fields) => {
    expect(embeddings.buildRequest(request, 'embed-v4.0')).toEqual({
      path: '/v2/embed',
      body: { model: 'embed-v4.0', texts: request.input, embedding_types: ['float'], ...fields },
    });
  });

  it('reads float embeddings and billed input tokens (the Embed reference example)', () => {
    const body = {
      id: 'da6e531f-54c6-4a73-bf92-f60566d8d753',
      embeddings: {
        float: [
          [0.016296387, -0.008354187],
          [-0.04663086, -0.0056381226],
        ],
      },
      texts: ['hello', 'goodbye'],
      meta: { api_version: { version: '2' }, billed_units: { input_tokens: 2 } },
      response_type: 'embeddings_by_type',
    };
    expect(
      embeddings.decodeResponse(Buffer.from(JSON.stringify(body)), {
        model: 'embed-v4.0',
        input: ['hello', 'goodbye'],
      }),
    ).toEqual({
      model: 'embed-v4.0',
      embeddings: body.embeddings.float,
      usage: { inputTokens: 2 },
    });
  });
});
