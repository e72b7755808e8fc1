/**
 * Today's Messages API read into the IR and written for every other provider format: mid-
 * conversation system messages, `output_config` (effort, format), adaptive thinking,
 * `context_management`, and tools loaded through tool search (`defer_loading`).
 */
import { describe, expect, it } from 'vitest';
import { buildRequest as buildAnthropic, parseRequest } from '../../../src/formats/anthropic/request.ts';
import { buildRequest as buildBedrock } from '../../../src/formats/bedrock/request.ts';
import { buildRequest as buildCohere } from '../../../src/formats/cohere/request.ts';
import { buildRequest as buildGemini } from '../../../src/formats/gemini/request.ts';
import { buildRequest as buildOpenAI } from '../../../src/formats/openai/request.ts';
import { buildRequest as buildReplicate } from '../../../src/formats/replicate/request.ts';

const conversation = {
  model: 'claude-opus-4-8',
  max_tokens: 2048,
  system: 'You are a coding agent.',
  messages: [
    { role: 'user', content: 'List the files.' },
    { role: 'assistant', content: 'Sure.' },
    { role: 'system', content: [{ type: 'text', text: 'The user switched to plan mode.' }] },
    { role: 'user', content: 'Now plan.' },
  ],
};

describe('mid-conversation system messages', () => {
  it('OpenAI: a system message at its position, after the leading one', () => {
    const body = buildOpenAI(parseRequest(conversation), 'gpt-4.1').body;
    expect(body.messages).toEqual([
      { role: 'system', content: 'You are a coding agent.' },
      { role: 'user', content: 'List the files.' },
      { role: 'assistant', content: 'Sure.' },
      { role: 'system', content: 'The user switched to plan mode.' },
      { role: 'user', content: 'Now plan.' },
    ]);
  });

  it('Cohere: a system message at its position', () => {
    const body = buildCohere(parseRequest(conversation), 'command-a-03-2025').body as { messages: unknown[] };
    expect(body.messages[3]).toEqual({
      role: 'system',
      content: [{ type: 'text', text: 'The user switched to plan mode.' }],
    });
  });

  it('Gemini: hoisted into systemInstruction, in order, and the turns keep alternating', () => {
    const body = buildGemini(parseRequest(conversation), 'gemini-2.5-pro').body;
    expect(body.systemInstruction).toEqual({
      parts: [{ text: 'You are a coding agent.' }, { text: 'The user switched to plan mode.' }],
    });
    expect((body.contents as { role: string }[]).map((c) => c.role)).toEqual(['user', 'model', 'user']);
  });

  it('Bedrock Converse: hoisted into system', () => {
    const body = buildBedrock(parseRequest(conversation), 'anthropic.claude-sonnet-4-5-20250929-v1:0').body;
    expect(body.system).toEqual([{ text: 'You are a coding agent.' }, { text: 'The user switched to plan mode.' }]);
    expect((body.messages as { role: string }[]).map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
  });

  it('Anthropic (older Claude models have no mid-conversation system): hoisted into system', () => {
    const body = buildAnthropic(parseRequest(conversation), 'claude-sonnet-4-5').body;
    expect(body.system).toBe('You are a coding agent.\n\nThe user switched to plan mode.');
    expect((body.messages as { role: string }[]).map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
  });

  it('Replicate: a System line at its place in the transcript', () => {
    const input = buildReplicate(parseRequest(conversation), 'meta/meta-llama-3-70b-instruct').body.input as {
      prompt: string;
    };
    expect(input.prompt).toBe(
      'User: List the files.\n\nAssistant: Sure.\n\nSystem: The user switched to plan mode.\n\nUser: Now plan.',
    );
  });

  it('a role other than user, assistant or system is still a 400 naming messages', () => {
    expect(() => parseRequest({ ...conversation, messages: [{ role: 'tool', content: 'x' }] })).toThrow(
      expect.objectContaining({ status: 400, param: 'messages' }),
    );
  });
});

describe('output_config and adaptive thinking', () => {
  const ask = (extra: Record<string, unknown>) =>
    parseRequest({ model: 'claude-opus-4-8', max_tokens: 8192, messages: [{ role: 'user', content: 'Hi' }], ...extra });

  it.each([
    ['low', 'low'],
    ['medium', 'medium'],
    ['high', 'high'],
    ['xhigh', 'high'],
    ['max', 'high'],
  ])('effort %s → OpenAI reasoning_effort %s', (effort, expected) => {
    const body = buildOpenAI(ask({ output_config: { effort }, thinking: { type: 'adaptive' } }), 'o3').body;
    expect(body.reasoning_effort).toBe(expected);
  });

  it('effort → a Gemini thinking budget; adaptive thinking alone → Gemini thinks by its own default', () => {
    expect(
      buildGemini(ask({ output_config: { effort: 'low' } }), 'gemini-2.5-pro').body.generationConfig,
    ).toMatchObject({ thinkingConfig: { thinkingBudget: 1024, includeThoughts: true } });
    const adaptive = buildGemini(ask({ thinking: { type: 'adaptive' } }), 'gemini-2.5-pro').body.generationConfig;
    expect(adaptive).toEqual({ maxOutputTokens: 8192, thinkingConfig: { includeThoughts: true } });
  });

  it("effort → Bedrock Claude's thinking budget; other Bedrock models go without it, reported", () => {
    const claude = buildBedrock(
      ask({ output_config: { effort: 'high' } }),
      'anthropic.claude-sonnet-4-5-20250929-v1:0',
    );
    expect(claude.body.additionalModelRequestFields).toMatchObject({
      thinking: { type: 'enabled', budget_tokens: 4096 },
    });
    const nova = buildBedrock(ask({ thinking: { type: 'adaptive' } }), 'amazon.nova-pro-v1:0');
    expect(nova.body.additionalModelRequestFields).toBeUndefined();
    expect(nova.dropped).toEqual(['thinking']);
  });

  it('adaptive thinking → OpenAI: nothing sent (the model reasons by its own default)', () => {
    const body = buildOpenAI(ask({ thinking: { type: 'adaptive' } }), 'o3').body;
    expect(body).not.toHaveProperty('reasoning_effort');
  });

  it('effort with thinking disabled only shortens answers: dropped and reported', () => {
    const request = ask({ output_config: { effort: 'low' }, thinking: { type: 'disabled' } });
    expect(request.reasoning).toBe(false);
    expect(Object.keys(request.tuning ?? {})).toEqual(['output_config.effort']);
  });

  it('output_config.format → OpenAI response_format json_schema and Gemini responseSchema', () => {
    const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] };
    const request = ask({ output_config: { format: { type: 'json_schema', schema } } });
    expect(buildOpenAI(request, 'gpt-4.1').body.response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'output', schema },
    });
    expect(buildGemini(request, 'gemini-2.5-pro').body.generationConfig).toMatchObject({
      responseMimeType: 'application/json',
    });
  });

  it('an unknown effort is a 400 naming output_config.effort', () => {
    expect(() => ask({ output_config: { effort: 'extreme' } })).toThrow(
      expect.objectContaining({ status: 400, param: 'output_config.effort' }),
    );
  });

  it('an output_config key with no counterpart is refused by name when translated', () => {
    expect(() => buildOpenAI(ask({ output_config: { effort: 'low', verbosity: 'x' } }), 'o3')).toThrow(
      expect.objectContaining({ status: 400, param: 'output_config' }),
    );
  });
});

describe('context_management and tools loaded through tool search', () => {
  const tool = (name: string, extra: Record<string, unknown> = {}) => ({
    name,
    input_schema: { type: 'object', properties: {} },
    ...extra,
  });
  const request = parseRequest({
    model: 'claude-opus-4-8',
    max_tokens: 1024,
    messages: [{ role: 'user', content: 'Hi' }],
    context_management: { edits: [{ type: 'clear_tool_uses_20250919' }] },
    tools: [
      { type: 'tool_search_tool_regex_20251119', name: 'tool_search_tool_regex' },
      tool('Bash'),
      tool('mcp__github__create_issue', { defer_loading: true }),
    ],
  });

  it('deferred tools are sent as ordinary tools; the tool search tool is left out', () => {
    const body = buildOpenAI(request, 'gpt-4.1').body as { tools: { function: { name: string } }[] };
    expect(body.tools.map((t) => t.function.name)).toEqual(['Bash', 'mcp__github__create_issue']);
    expect(JSON.stringify(body)).not.toContain('defer_loading');
  });

  it('context_management, the tool search tool and defer_loading are reported as dropped', () => {
    expect(Object.keys(request.tuning ?? {})).toEqual([
      'context_management',
      'tools[tool_search_tool_regex_20251119]',
      'tools[].defer_loading',
    ]);
    expect(request.unmapped).toEqual({});
  });
});
