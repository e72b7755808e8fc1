/** Responses streams ⇄ IR events, answers ⇄ IR, and the pass-through usage readers. */
import { describe, expect, it } from 'vitest';
import type { ChatRequest, StreamEvent } from '../../../src/formats/ir.ts';
import { openAIResponsesFormat } from '../../../src/formats/openai-responses/index.ts';
import { decodeAll, readSse, splitEvery } from '../../helpers/formats.ts';

const { client, provider } = openAIResponsesFormat;

const request = (fields: Partial<ChatRequest> = {}): ChatRequest => ({
  model: 'claude-sonnet-4-5',
  system: [],
  messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
  stream: true,
  includeUsage: false,
  sourceFormat: 'openai-responses',
  unmapped: {},
  ...fields,
});

function encode(events: StreamEvent[], fields: Partial<ChatRequest> = {}) {
  const encoder = client.chat.streamEncoder(request(fields));
  const text = events.map((event) => encoder.encode(event)).join('');
  return readSse(text).map(({ event, data }) => {
    const parsed = JSON.parse(data);
    expect(parsed.type).toBe(event); // the SSE event name is the payload's type
    return parsed;
  });
}

/** Codex's tools as the request parser gives them: a namespace member and a custom tool. */
const SPAWN_TOOL = {
  name: 'multi_agent_v1__spawn_agent',
  parameters: { type: 'object' },
  declared: { kind: 'function' as const, name: 'spawn_agent', namespace: 'multi_agent_v1' },
};
const PATCH_TOOL = {
  name: 'apply_patch',
  parameters: { type: 'object', properties: { input: { type: 'string' } }, required: ['input'] },
  declared: { kind: 'custom' as const, name: 'apply_patch' },
};

describe('ChatStreamEncoder', () => {
  it('reasoning, text and a tool call: every item opened, filled and closed, numbered from 0', () => {
    const events = encode([
      { type: 'start', id: 'msg_01', model: 'claude-sonnet-4-5-20250929' },
      { type: 'usage', usage: { inputTokens: 30 } },
      { type: 'reasoning-delta', text: 'Let me ' },
      { type: 'reasoning-delta', text: 'check.' },
      { type: 'reasoning-signature', signature: 'sig-1' },
      { type: 'text-delta', text: 'Checking.' },
      { type: 'tool-call-start', index: 0, id: 'toolu_1', name: 'get_weather' },
      { type: 'tool-call-delta', index: 0, arguments: '{"city":' },
      { type: 'tool-call-delta', index: 0, arguments: '"Paris"}' },
      { type: 'tool-call-end', index: 0 },
      { type: 'finish', reason: 'tool_calls' },
      { type: 'usage', usage: { outputTokens: 20, reasoningTokens: 5 } },
      { type: 'end' },
    ]);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    expect(events.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.reasoning_summary_part.added',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.done',
      'response.reasoning_summary_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    const completed = events.at(-1).response;
    expect(completed).toMatchObject({
      object: 'response',
      status: 'completed',
      model: 'claude-sonnet-4-5-20250929',
      incomplete_details: null,
      usage: {
        input_tokens: 30,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens: 20,
        output_tokens_details: { reasoning_tokens: 5 },
        total_tokens: 50,
      },
    });
    expect(completed.id).toMatch(/^resp_/);
    expect(completed.output.map((item: any) => item.type)).toEqual(['reasoning', 'message', 'function_call']);
    expect(completed.output[0].summary).toEqual([{ type: 'summary_text', text: 'Let me check.' }]);
    expect(completed.output[0].encrypted_content).toMatch(/^swy1:/);
    expect(completed.output[1].content[0].text).toBe('Checking.');
    expect(completed.output[2]).toMatchObject({
      call_id: 'toolu_1',
      name: 'get_weather',
      arguments: '{"city":"Paris"}',
    });
    // Each item's id is the same in its added, done and the final output.
    const added = events.filter((e) => e.type === 'response.output_item.added').map((e) => e.item.id);
    expect(completed.output.map((item: any) => item.id)).toEqual(added);
  });

  it('parallel calls whose arguments interleave each keep their own item and arguments', () => {
    const events = encode([
      { type: 'start', id: 'x', model: 'm' },
      { type: 'tool-call-start', index: 0, id: 'call_a', name: 'f' },
      { type: 'tool-call-start', index: 1, id: 'call_b', name: 'g' },
      { type: 'tool-call-delta', index: 1, arguments: '{"b":2}' },
      { type: 'tool-call-delta', index: 0, arguments: '{"a":1}' },
      { type: 'tool-call-end', index: 1 },
      { type: 'tool-call-end', index: 0 },
      { type: 'end' },
    ]);
    const output = events.at(-1).response.output;
    expect(output.map((item: any) => [item.call_id, item.arguments])).toEqual([
      ['call_a', '{"a":1}'],
      ['call_b', '{"b":2}'],
    ]);
    const deltas = events.filter((e) => e.type === 'response.function_call_arguments.delta');
    expect(deltas.map((e) => [e.output_index, e.delta])).toEqual([
      [1, '{"b":2}'],
      [0, '{"a":1}'],
    ]);
  });

  it('calls of namespace and custom tools are given back as the client declared them', () => {
    const events = encode(
      [
        { type: 'start', id: 'x', model: 'm' },
        { type: 'tool-call-start', index: 0, id: 'call_a', name: 'multi_agent_v1__spawn_agent' },
        { type: 'tool-call-delta', index: 0, arguments: '{"task":"t"}' },
        { type: 'tool-call-end', index: 0 },
        { type: 'tool-call-start', index: 1, id: 'call_b', name: 'apply_patch' },
        { type: 'tool-call-delta', index: 1, arguments: '{"input":"*** Begin' },
        { type: 'tool-call-delta', index: 1, arguments: ' Patch\\n\\"x\\""}' },
        { type: 'tool-call-end', index: 1 },
        { type: 'finish', reason: 'tool_calls' },
        { type: 'end' },
      ],
      { tools: [SPAWN_TOOL, PATCH_TOOL] },
    );
    const added = events.filter((e) => e.type === 'response.output_item.added').map((e) => e.item);
    expect(added).toMatchObject([
      { type: 'function_call', name: 'spawn_agent', namespace: 'multi_agent_v1', call_id: 'call_a', arguments: '' },
      { type: 'custom_tool_call', name: 'apply_patch', call_id: 'call_b', input: '', status: 'in_progress' },
    ]);
    expect(added[1].id).toMatch(/^ctc_/);
    const custom = events.filter((e) => e.output_index === 1).map((e) => e.type);
    // The custom tool's input is whole only once its JSON arguments are: one delta, then done.
    expect(custom).toEqual([
      'response.output_item.added',
      'response.custom_tool_call_input.delta',
      'response.custom_tool_call_input.done',
      'response.output_item.done',
    ]);
    expect(events.find((e) => e.type === 'response.custom_tool_call_input.done')).toMatchObject({
      item_id: added[1].id,
      input: '*** Begin Patch\n"x"',
    });
    const completed = events.at(-1);
    expect(completed.type).toBe('response.completed');
    expect(completed.response.output).toMatchObject([
      { type: 'function_call', name: 'spawn_agent', namespace: 'multi_agent_v1', arguments: '{"task":"t"}' },
      { type: 'custom_tool_call', name: 'apply_patch', input: '*** Begin Patch\n"x"', status: 'completed' },
    ]);
    // The response echoes the tools as declared: the namespace regrouped, the custom tool as such.
    expect(completed.response.tools).toMatchObject([
      { type: 'namespace', name: 'multi_agent_v1', tools: [{ type: 'function', name: 'spawn_agent' }] },
      { type: 'custom', name: 'apply_patch' },
    ]);
  });

  it('an answer cut by the output limit ends with response.incomplete and its reason', () => {
    const events = encode([
      { type: 'start', id: 'x', model: 'm' },
      { type: 'text-delta', text: 'Long' },
      { type: 'finish', reason: 'length' },
      { type: 'end' },
    ]);
    expect(events.at(-1)).toMatchObject({
      type: 'response.incomplete',
      response: { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } },
    });
  });

  it('a provider error mid-stream is an error event and response.failed, never a completion', () => {
    const events = encode([
      { type: 'start', id: 'x', model: 'm' },
      { type: 'text-delta', text: 'Par' },
      { type: 'error', status: 529, code: 'overloaded_error', message: 'Overloaded' },
    ]);
    expect(events.slice(-2)).toMatchObject([
      { type: 'error', code: 'overloaded_error', message: 'Overloaded' },
      { type: 'response.failed', response: { status: 'failed', error: { code: 'overloaded_error' } } },
    ]);
  });

  it('echoes the request’s settings in the response object', () => {
    const [created] = encode([{ type: 'start', id: 'x', model: '' }], {
      system: [{ type: 'text', text: 'Be brief.' }],
      maxTokens: 64,
      tools: [{ name: 'f', parameters: { type: 'object' } }],
      toolChoice: { type: 'required' },
    });
    expect(created.response).toMatchObject({
      status: 'in_progress',
      model: 'claude-sonnet-4-5',
      instructions: 'Be brief.',
      max_output_tokens: 64,
      tool_choice: 'required',
      tools: [{ type: 'function', name: 'f', strict: false }],
      output: [],
      usage: null,
    });
  });
});

const sse = (events: object[]) =>
  events.map((e) => `event: ${(e as { type: string }).type}\ndata: ${JSON.stringify(e)}\n\n`).join('');

const STREAM = sse([
  {
    type: 'response.created',
    sequence_number: 0,
    response: { id: 'resp_1', model: 'o3-pro', status: 'in_progress', output: [], usage: null },
  },
  {
    type: 'response.output_item.added',
    sequence_number: 1,
    output_index: 0,
    item: { id: 'rs_1', type: 'reasoning', summary: [] },
  },
  {
    type: 'response.reasoning_summary_text.delta',
    sequence_number: 2,
    item_id: 'rs_1',
    output_index: 0,
    summary_index: 0,
    delta: 'Plan.',
  },
  {
    type: 'response.reasoning_summary_part.added',
    sequence_number: 3,
    item_id: 'rs_1',
    output_index: 0,
    summary_index: 1,
    part: { type: 'summary_text', text: '' },
  },
  {
    type: 'response.reasoning_summary_text.delta',
    sequence_number: 4,
    item_id: 'rs_1',
    output_index: 0,
    summary_index: 1,
    delta: 'Act.',
  },
  {
    type: 'response.output_item.added',
    sequence_number: 5,
    output_index: 1,
    item: { id: 'fc_1', type: 'function_call', call_id: 'call_9', name: 'calc', arguments: '' },
  },
  {
    type: 'response.function_call_arguments.delta',
    sequence_number: 6,
    item_id: 'fc_1',
    output_index: 1,
    delta: '{"a":1}',
  },
  {
    type: 'response.function_call_arguments.done',
    sequence_number: 7,
    item_id: 'fc_1',
    output_index: 1,
    arguments: '{"a":1}',
  },
  {
    type: 'response.output_item.done',
    sequence_number: 8,
    output_index: 1,
    item: { id: 'fc_1', type: 'function_call', call_id: 'call_9', name: 'calc', arguments: '{"a":1}' },
  },
  {
    type: 'response.completed',
    sequence_number: 9,
    response: {
      id: 'resp_1',
      model: 'o3-pro',
      status: 'completed',
      usage: {
        input_tokens: 10,
        input_tokens_details: { cached_tokens: 4 },
        output_tokens: 7,
        output_tokens_details: { reasoning_tokens: 3 },
      },
    },
  },
]);

describe('ChatStreamDecoder', () => {
  it('reads reasoning summaries, calls and the completion, whatever the chunking', () => {
    for (const size of [7, 64, 10_000]) {
      const events = decodeAll(provider.chat.streamDecoder(), splitEvery(Buffer.from(STREAM), size));
      expect(events).toEqual([
        { type: 'start', id: 'resp_1', model: 'o3-pro' },
        { type: 'reasoning-delta', text: 'Plan.' },
        { type: 'reasoning-delta', text: '\n\n' },
        { type: 'reasoning-delta', text: 'Act.' },
        { type: 'tool-call-start', index: 0, id: 'call_9', name: 'calc' },
        { type: 'tool-call-delta', index: 0, arguments: '{"a":1}' },
        { type: 'tool-call-end', index: 0 },
        { type: 'usage', usage: { inputTokens: 10, outputTokens: 7, cachedInputTokens: 4, reasoningTokens: 3 } },
        { type: 'finish', reason: 'tool_calls' },
        { type: 'end' },
      ]);
    }
  });

  it('an error event, or a stream that stops before response.completed, is an error', () => {
    const failed = decodeAll(provider.chat.streamDecoder(), [
      Buffer.from(
        sse([
          {
            type: 'error',
            sequence_number: 2,
            error: { type: 'insufficient_quota', code: 'insufficient_quota', message: 'Quota.' },
          },
        ]),
      ),
    ]);
    expect(failed).toEqual([{ type: 'error', status: 429, code: 'insufficient_quota', message: 'Quota.' }]);
    const cut = decodeAll(provider.chat.streamDecoder(), [Buffer.from(STREAM.slice(0, 400))]);
    expect(cut.at(-1)).toMatchObject({ type: 'error', code: 'upstream_stream_incomplete' });
  });
});

describe('whole answers', () => {
  it('encodeResponse: output items, status and usage', () => {
    const body = client.chat.encodeResponse(
      {
        id: 'msg_1',
        model: 'claude',
        content: [
          { type: 'text', text: 'Hi' },
          { type: 'tool-call', id: 'toolu_1', name: 'f', arguments: '{}' },
        ],
        finishReason: 'tool_calls',
        usage: { inputTokens: 5, outputTokens: 2, cachedInputTokens: 1 },
      },
      request(),
    );
    expect(body).toMatchObject({
      object: 'response',
      status: 'completed',
      output: [
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Hi' }] },
        { type: 'function_call', call_id: 'toolu_1', name: 'f', arguments: '{}' },
      ],
      usage: { input_tokens: 5, input_tokens_details: { cached_tokens: 1 }, output_tokens: 2, total_tokens: 7 },
    });
    const cut = client.chat.encodeResponse(
      { id: 'x', model: 'm', content: [], finishReason: 'content_filter', usage: undefined },
      request(),
    );
    expect(cut).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'content_filter' } });
  });

  it('encodeResponse: namespace and custom tool calls as declared; arguments that are not {input} go as written', () => {
    const answer = (args: string) =>
      client.chat.encodeResponse(
        {
          id: 'msg_1',
          model: 'claude',
          content: [
            { type: 'tool-call', id: 'toolu_1', name: 'multi_agent_v1__spawn_agent', arguments: '{}' },
            { type: 'tool-call', id: 'toolu_2', name: 'apply_patch', arguments: args },
          ],
          finishReason: 'tool_calls',
          usage: undefined,
        },
        request({ tools: [SPAWN_TOOL, PATCH_TOOL] }),
      ) as { output: unknown[] };
    expect(answer('{"input":"*** Begin Patch"}').output).toMatchObject([
      { type: 'function_call', call_id: 'toolu_1', name: 'spawn_agent', namespace: 'multi_agent_v1' },
      { type: 'custom_tool_call', call_id: 'toolu_2', name: 'apply_patch', input: '*** Begin Patch' },
    ]);
    expect(answer('not json').output[1]).toMatchObject({ type: 'custom_tool_call', input: 'not json' });
  });

  it('decodeResponse: a provider’s response object into the IR', () => {
    const answer = provider.chat.decodeResponse(
      Buffer.from(
        JSON.stringify({
          id: 'resp_1',
          model: 'o3-pro',
          status: 'incomplete',
          incomplete_details: { reason: 'max_output_tokens' },
          output: [
            { type: 'reasoning', id: 'rs', summary: [{ type: 'summary_text', text: 'S' }] },
            { type: 'web_search_call', id: 'ws', status: 'completed' },
            { type: 'message', id: 'msg', content: [{ type: 'output_text', text: 'Partial', annotations: [] }] },
          ],
          usage: { input_tokens: 3, output_tokens: 4 },
        }),
      ),
    );
    expect(answer).toEqual({
      id: 'resp_1',
      model: 'o3-pro',
      content: [
        { type: 'reasoning', text: 'S' },
        { type: 'text', text: 'Partial' },
      ],
      finishReason: 'length',
      usage: { inputTokens: 3, outputTokens: 4 },
    });
  });
});

describe('pass-through usage', () => {
  it('of a whole response: its own usage, not a tool schema’s "usage" property', () => {
    const body = Buffer.from(
      JSON.stringify({
        id: 'resp_1',
        model: 'gpt-4.1-mini',
        output: [],
        tools: [{ type: 'function', name: 'f', parameters: { properties: { usage: { type: 'string' } } } }],
        usage: {
          input_tokens: 9,
          input_tokens_details: { cached_tokens: 0 },
          output_tokens: 3,
          output_tokens_details: { reasoning_tokens: 0 },
        },
      }),
    );
    expect(client.usageOfResponse(body)).toEqual({ usage: { inputTokens: 9, outputTokens: 3 }, model: 'gpt-4.1-mini' });
  });

  it('of a stream: from response.completed, every byte passed on unchanged', () => {
    const reader = client.streamUsage();
    const bytes = Buffer.from(STREAM);
    let out = Buffer.alloc(0);
    // Whole events at a time, as the relay gives them.
    for (const event of STREAM.split(/(?<=\n\n)/)) out = Buffer.concat([out, reader.events(Buffer.from(event))]);
    expect(out.equals(bytes)).toBe(true);
    expect(reader.usage).toEqual({ inputTokens: 10, outputTokens: 7, cachedInputTokens: 4, reasoningTokens: 3 });
    expect(reader.model).toBe('o3-pro');
    expect(client.asksForStreamUsage).toBe(false);
  });
});
