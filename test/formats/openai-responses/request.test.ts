/** Responses API requests → IR (what Codex CLI and the `openai` SDK send) and IR → Responses requests. */
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/errors.ts';
import type { ChatRequest } from '../../../src/formats/ir.ts';
import { openAIResponsesFormat } from '../../../src/formats/openai-responses/index.ts';
import { encodeReasoningProof } from '../../../src/formats/openai-responses/request.ts';

const { parseRequest } = openAIResponsesFormat.client.chat;
const { buildRequest } = openAIResponsesFormat.provider.chat;

function refusal(body: Record<string, unknown>): GatewayError {
  try {
    parseRequest(body);
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('the request was accepted');
}

describe('parseRequest', () => {
  it('instructions, developer messages and a string input', () => {
    expect(parseRequest({ model: 'm', instructions: 'Be brief.', input: 'Hi' })).toMatchObject({
      system: [{ type: 'text', text: 'Be brief.' }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
      sourceFormat: 'openai-responses',
      stream: false,
    });
    const items = parseRequest({
      model: 'm',
      input: [
        { role: 'developer', content: 'Use tools.' },
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Hi' }] },
      ],
    });
    expect(items.system).toEqual([{ type: 'text', text: 'Use tools.' }]);
  });

  it('images, files, function calls and their outputs, as a Codex tool loop sends them', () => {
    const request = parseRequest({
      model: 'gpt-5-codex',
      input: [
        {
          type: 'message',
          role: 'user',
          content: [
            { type: 'input_text', text: 'Look' },
            { type: 'input_image', image_url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'high' },
            { type: 'input_file', filename: 'a.pdf', file_data: 'data:application/pdf;base64,JVBERi0=' },
          ],
        },
        {
          type: 'reasoning',
          id: 'rs_1',
          summary: [{ type: 'summary_text', text: 'Thinking.' }],
          encrypted_content: 'gAAAA',
        },
        { type: 'function_call', id: 'fc_1', call_id: 'call_1', name: 'shell', arguments: '{"command":["ls"]}' },
        { type: 'function_call_output', call_id: 'call_1', output: 'a.txt' },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Done.' }] },
      ],
    });
    expect(request.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Look' },
          { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBORw0KGgo=' }, detail: 'high' },
          { type: 'file', mediaType: 'application/pdf', data: 'JVBERi0=', filename: 'a.pdf' },
        ],
      },
      {
        role: 'assistant',
        content: [
          // OpenAI's own encrypted content is not ours to read: only the summary crosses over.
          { type: 'reasoning', text: 'Thinking.' },
          { type: 'tool-call', id: 'call_1', name: 'shell', arguments: '{"command":["ls"]}' },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool-result', toolCallId: 'call_1', name: 'shell', content: [{ type: 'text', text: 'a.txt' }] },
        ],
      },
      { role: 'assistant', content: [{ type: 'text', text: 'Done.' }] },
    ]);
  });

  it('a reasoning item the gateway gave out carries its provider proof back (Anthropic signatures)', () => {
    const proof = encodeReasoningProof({ signature: 'EqQBCgIYAhIM' });
    const request = parseRequest({
      model: 'm',
      input: [
        { role: 'user', content: 'Hi' },
        { type: 'reasoning', summary: [{ type: 'summary_text', text: 'Hm.' }], encrypted_content: proof },
      ],
    });
    expect(request.messages[1]).toEqual({
      role: 'assistant',
      content: [{ type: 'reasoning', text: 'Hm.', signature: 'EqQBCgIYAhIM' }],
    });
  });

  it('tools, tool_choice, sampling, reasoning and structured output', () => {
    const request = parseRequest({
      model: 'm',
      input: 'Hi',
      tools: [{ type: 'function', name: 'f', description: 'd', parameters: { type: 'object' }, strict: true }],
      tool_choice: { type: 'function', name: 'f' },
      parallel_tool_calls: false,
      max_output_tokens: 500,
      temperature: 0.3,
      top_p: 0.9,
      reasoning: { effort: 'xhigh', summary: 'auto' },
      text: { format: { type: 'json_schema', name: 'out', schema: { type: 'object' }, strict: true } },
      stream: true,
      user: 'u1',
      include: ['reasoning.encrypted_content'],
    });
    expect(request).toMatchObject({
      tools: [{ name: 'f', description: 'd', parameters: { type: 'object' }, strict: true }],
      toolChoice: { type: 'tool', name: 'f' },
      parallelToolCalls: false,
      maxTokens: 500,
      temperature: 0.3,
      topP: 0.9,
      reasoning: { effort: 'high' },
      responseFormat: { type: 'json-schema', name: 'out', schema: { type: 'object' }, strict: true },
      stream: true,
      user: 'u1',
      unmapped: {},
    });
    expect(request.tuning).toBeUndefined();
    expect(parseRequest({ model: 'm', input: 'Hi', reasoning: { effort: 'none' } }).reasoning).toBe(false);
  });

  it('Codex’s namespace tools become functions named namespace__name; their calls and choices map alike', () => {
    const spawn = { type: 'function', name: 'spawn_agent', description: 'Spawn.', parameters: { type: 'object' } };
    const request = parseRequest({
      model: 'm',
      tools: [
        { type: 'function', name: 'exec_command', parameters: { type: 'object' }, strict: false },
        { type: 'namespace', name: 'multi_agent_v1', description: 'Sub-agents.', tools: [spawn] },
        // MCP server namespaces already end in the separator.
        { type: 'namespace', name: 'mcp__docs__', description: 'Docs.', tools: [{ ...spawn, name: 'search' }] },
      ],
      tool_choice: { type: 'function', name: 'spawn_agent', namespace: 'multi_agent_v1' },
      input: [
        { role: 'user', content: 'Go.' },
        { type: 'function_call', call_id: 'c1', name: 'spawn_agent', namespace: 'multi_agent_v1', arguments: '{}' },
        { type: 'function_call_output', call_id: 'c1', output: 'spawned' },
      ],
    });
    expect(request.tools).toEqual([
      { name: 'exec_command', parameters: { type: 'object' }, strict: false },
      {
        name: 'multi_agent_v1__spawn_agent',
        description: 'Spawn.',
        parameters: { type: 'object' },
        declared: { kind: 'function', name: 'spawn_agent', namespace: 'multi_agent_v1' },
      },
      {
        name: 'mcp__docs__search',
        description: 'Spawn.',
        parameters: { type: 'object' },
        declared: { kind: 'function', name: 'search', namespace: 'mcp__docs__' },
      },
    ]);
    expect(request.toolChoice).toEqual({ type: 'tool', name: 'multi_agent_v1__spawn_agent' });
    expect(request.messages.slice(1)).toEqual([
      {
        role: 'assistant',
        content: [{ type: 'tool-call', id: 'c1', name: 'multi_agent_v1__spawn_agent', arguments: '{}' }],
      },
      {
        role: 'user',
        content: [
          {
            type: 'tool-result',
            toolCallId: 'c1',
            name: 'multi_agent_v1__spawn_agent',
            content: [{ type: 'text', text: 'spawned' }],
          },
        ],
      },
    ]);
  });

  it('a flattened name longer than providers take is cut and ended with a hash: unique, the same every time', () => {
    const ns = `mcp__${'a'.repeat(30)}__`;
    const tools = [
      {
        type: 'namespace',
        name: ns,
        description: '',
        tools: [{ type: 'function', name: 'search_documents_in_the_knowledge_base' }],
      },
      {
        type: 'namespace',
        name: ns,
        description: '',
        tools: [{ type: 'function', name: 'search_documents_in_the_knowledge_bass' }],
      },
    ];
    const [one, two] = parseRequest({ model: 'm', input: 'Hi', tools }).tools ?? [];
    expect(one?.name).toHaveLength(64);
    expect(one?.name).toMatch(/^mcp__a{30}__search_documents_i_[0-9a-f]{8}$/);
    expect(two?.name).not.toBe(one?.name);
    expect(one?.declared).toEqual({ kind: 'function', name: 'search_documents_in_the_knowledge_base', namespace: ns });
    const call = parseRequest({
      model: 'm',
      input: [
        {
          type: 'function_call',
          call_id: 'c',
          name: 'search_documents_in_the_knowledge_base',
          namespace: ns,
          arguments: '{}',
        },
      ],
    }).messages[0]?.content[0];
    expect(call).toMatchObject({ type: 'tool-call', name: one?.name });
  });

  it('a custom (freeform) tool becomes a function of one input string, its grammar described; calls carry the raw input', () => {
    const request = parseRequest({
      model: 'm',
      tools: [
        {
          type: 'custom',
          name: 'apply_patch',
          description: 'Patch files.',
          format: { type: 'grammar', syntax: 'lark', definition: 'start: begin_patch' },
        },
        { type: 'custom', name: 'note' },
      ],
      tool_choice: { type: 'custom', name: 'apply_patch' },
      input: [
        { role: 'user', content: 'Fix it.' },
        { type: 'custom_tool_call', call_id: 'c1', name: 'apply_patch', input: '*** Begin Patch\n"x"' },
        { type: 'custom_tool_call_output', call_id: 'c1', output: 'Success.' },
      ],
    });
    const [patch, note] = request.tools as NonNullable<ChatRequest['tools']>;
    expect(patch).toMatchObject({
      name: 'apply_patch',
      description: 'Patch files.',
      parameters: { type: 'object', required: ['input'], additionalProperties: false },
      declared: { kind: 'custom', name: 'apply_patch' },
    });
    const input = (patch!.parameters.properties as Record<string, { type: string; description: string }>).input;
    expect(input?.type).toBe('string');
    expect(input?.description).toContain('lark grammar:\nstart: begin_patch');
    expect(JSON.stringify(note!.parameters)).not.toContain('grammar');
    expect(request.toolChoice).toEqual({ type: 'tool', name: 'apply_patch' });
    const [, call, output] = request.messages as [unknown, { content: { arguments?: string }[] }, unknown];
    expect(call).toEqual({
      role: 'assistant',
      content: [
        { type: 'tool-call', id: 'c1', name: 'apply_patch', arguments: '{"input":"*** Begin Patch\\n\\"x\\""}' },
      ],
    });
    expect(JSON.parse(String(call.content[0]?.arguments))).toEqual({
      input: '*** Begin Patch\n"x"',
    });
    expect(output).toMatchObject({
      role: 'user',
      content: [
        { type: 'tool-result', toolCallId: 'c1', name: 'apply_patch', content: [{ type: 'text', text: 'Success.' }] },
      ],
    });
  });

  it('tool names that clash once namespaces are flattened, and built-in tools inside a namespace, are refused', () => {
    const f = { type: 'function', name: 'f', parameters: { type: 'object' } };
    const clash = refusal({
      model: 'm',
      input: 'Hi',
      tools: [
        { ...f, name: 'ns__f' },
        { type: 'namespace', name: 'ns', description: '', tools: [f] },
      ],
    });
    expect(clash.status).toBe(400);
    expect(clash.message).toContain("'ns__f'");
    const builtIn = refusal({
      model: 'm',
      input: 'Hi',
      tools: [{ type: 'namespace', name: 'ns', description: '', tools: [{ type: 'web_search' }] }],
    });
    expect(builtIn.status).toBe(400);
    expect(builtIn.message).toContain("'web_search'");
  });

  it('bookkeeping parameters are tuning (dropped and reported); explicit defaults are nothing', () => {
    const request = parseRequest({
      model: 'm',
      input: 'Hi',
      store: false,
      metadata: { a: '1' },
      safety_identifier: 's',
      prompt_cache_key: 'k',
      service_tier: 'auto',
      truncation: 'disabled',
      top_logprobs: 0,
      text: { verbosity: 'low' },
      client_metadata: { session_id: 's1' },
    });
    expect(request.tuning).toEqual({
      store: false,
      metadata: { a: '1' },
      client_metadata: { session_id: 's1' },
      safety_identifier: 's',
      prompt_cache_key: 'k',
      service_tier: 'auto',
      'text.verbosity': 'low',
    });
    expect(request.unmapped).toEqual({});
  });

  it('server-side state is unmapped (refused by any target but a native one)', () => {
    const request = parseRequest({ model: 'm', input: 'Hi', previous_response_id: 'resp_1', conversation: 'c' });
    expect(Object.keys(request.unmapped)).toEqual(['previous_response_id', 'conversation']);
  });

  it.each([
    [{ tools: [{ type: 'web_search' }] }, 'tools', "'web_search'"],
    [{ tools: [{ type: 'code_interpreter', container: { type: 'auto' } }] }, 'tools', "'code_interpreter'"],
    [{ tool_choice: { type: 'file_search' } }, 'tool_choice', "'file_search'"],
    [{ input: [{ type: 'item_reference', id: 'msg_1' }] }, 'input', 'item_reference'],
    [{ input: [{ type: 'computer_call_output', call_id: 'c' }] }, 'input', "'computer_call_output'"],
    [{ input: [{ type: 'additional_tools', role: 'developer', tools: [] }] }, 'input', "'additional_tools'"],
    [{ include: ['message.output_text.logprobs'] }, 'include', 'logprobs'],
    [{ input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'file-1' }] }] }, 'input', 'file_id'],
  ])('refuses %j by name', (fields, param, named) => {
    const error = refusal({ model: 'm', input: 'Hi', ...fields });
    expect(error.status).toBe(400);
    expect(error.param).toBe(param);
    expect(error.message).toContain(named);
  });

  it('malformed input is a 400 naming it', () => {
    expect(refusal({ model: 'm', input: [] }).param).toBe('input');
    expect(refusal({ model: 'm', input: 'x', max_output_tokens: 'many' }).param).toBe('max_output_tokens');
    expect(refusal({ model: 'm', input: 'x', reasoning: { effort: 'extreme' } }).param).toBe('reasoning.effort');
  });
});

const ir = (fields: Partial<ChatRequest> = {}): ChatRequest => ({
  model: 'gpt-5-pro',
  system: [],
  messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
  stream: false,
  includeUsage: false,
  sourceFormat: 'openai',
  unmapped: {},
  ...fields,
});

describe('buildRequest (for Responses-only models)', () => {
  it('writes instructions, input items, tools (strict only when asked) and settings', () => {
    const { path, body } = buildRequest(
      ir({
        system: [{ type: 'text', text: 'Be brief.' }],
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'Weather?' }] },
          { role: 'assistant', content: [{ type: 'tool-call', id: 'call_1', name: 'w', arguments: '{}' }] },
          {
            role: 'user',
            content: [
              { type: 'tool-result', toolCallId: 'call_1', name: 'w', content: [{ type: 'text', text: '18' }] },
            ],
          },
        ],
        tools: [{ name: 'w', parameters: { type: 'object' } }],
        toolChoice: { type: 'required' },
        maxTokens: 100,
        reasoning: { budgetTokens: 8000 },
        responseFormat: { type: 'json' },
        stream: true,
      }),
      'gpt-5-pro',
    );
    expect(path).toBe('/responses');
    expect(body).toEqual({
      model: 'gpt-5-pro',
      store: false,
      instructions: 'Be brief.',
      input: [
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Weather?' }] },
        { type: 'function_call', call_id: 'call_1', name: 'w', arguments: '{}' },
        { type: 'function_call_output', call_id: 'call_1', output: '18' },
      ],
      tools: [{ type: 'function', name: 'w', parameters: { type: 'object' }, strict: false }],
      tool_choice: 'required',
      max_output_tokens: 100,
      reasoning: { effort: 'medium' },
      text: { format: { type: 'json_object' } },
      stream: true,
    });
  });

  it('refuses what the Responses API has no parameter for, by the client’s name', () => {
    expect(() => buildRequest(ir({ stop: ['END'] }), 'o3-pro')).toThrow(/'stop'/);
    expect(() => buildRequest(ir({ n: 2 }), 'o3-pro')).toThrow(/'n'/);
    expect(() => buildRequest(ir({ unmapped: { logprobs: true } }), 'o3-pro')).toThrow(/'logprobs'/);
  });
});
