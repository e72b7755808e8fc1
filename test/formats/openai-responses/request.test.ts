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
    });
    expect(request.tuning).toEqual({
      store: false,
      metadata: { a: '1' },
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
