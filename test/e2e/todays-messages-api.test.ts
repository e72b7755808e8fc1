/**
 * Claude Code 2.1's requests (today's Messages API) on another provider's model: what used to be
 * refused (`400 Message roles must be user or assistant, not 'system'`, then `context_management`,
 * then `output_config`) is translated, and its Anthropic-only headers stay at the gateway.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startGateway, type TestGateway } from '../helpers/gateway.ts';
import { json, MockUpstream } from '../helpers/mock-upstream.ts';

const openAICompletion = {
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1,
  model: 'gpt-4.1-2025-04-14',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Planned.' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 50, completion_tokens: 2, total_tokens: 52 },
};

const geminiAnswer = {
  candidates: [{ content: { role: 'model', parts: [{ text: 'Planned.' }] }, finishReason: 'STOP' }],
  usageMetadata: { promptTokenCount: 50, candidatesTokenCount: 2, totalTokenCount: 52 },
  modelVersion: 'gemini-2.5-pro',
};

/** The shape of a Claude Code 2.1 turn: a reminder as a system message, effort, context editing, deferred MCP tools. */
const claudeCodeBody = (model: string) => ({
  model,
  max_tokens: 32000,
  stream: false,
  system: [{ type: 'text', text: 'You are Claude Code.', cache_control: { type: 'ephemeral' } }],
  messages: [
    { role: 'user', content: [{ type: 'text', text: 'Fix the bug.' }] },
    { role: 'assistant', content: [{ type: 'text', text: 'Looking.' }] },
    { role: 'system', content: 'Plan mode is active.' },
    { role: 'user', content: [{ type: 'text', text: 'Go on.' }] },
  ],
  thinking: { type: 'adaptive' },
  output_config: { effort: 'high' },
  context_management: { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] },
  tools: [
    { name: 'Bash', description: 'Run a command', input_schema: { type: 'object', properties: {} } },
    {
      name: 'mcp__docs__search',
      description: 'Search the docs',
      input_schema: { type: 'object', properties: {} },
      defer_loading: true,
    },
    { type: 'tool_search_tool_regex_20251119', name: 'tool_search_tool_regex' },
  ],
  metadata: { user_id: 'user_abc' },
});

const claudeCodeHeaders = {
  'anthropic-version': '2023-06-01',
  'anthropic-beta': 'context-management-2025-06-27,interleaved-thinking-2025-05-14',
  'anthropic-dangerous-direct-browser-access': 'true',
  'x-app': 'cli',
  'x-api-key': 'client-key',
};

describe("Claude Code 2.1's Messages requests on other providers", () => {
  let openai: MockUpstream;
  let gemini: MockUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    openai = await new MockUpstream().start();
    openai.handle((_req, res) => json(res, 200, openAICompletion));
    gemini = await new MockUpstream().start();
    gemini.handle((_req, res) => json(res, 200, geminiAnswer));
    gw = await startGateway({
      OPENAI_API_KEY: 'sk-openai-SECRET-today',
      OPENAI_BASE_URL: openai.url,
      GEMINI_API_KEY: 'gemini-SECRET-today',
      GEMINI_BASE_URL: gemini.url,
    });
  });
  afterAll(async () => {
    await gw.close();
    await openai.close();
    await gemini.close();
  });

  it('openai/gpt-4.1: 200, the system message at its position, dropped tuning reported, no Anthropic headers upstream', async () => {
    const response = await postJson(`${gw.url}/v1/messages`, claudeCodeBody('openai/gpt-4.1'), claudeCodeHeaders);
    expect(response.status).toBe(200);
    expect(response.json.content).toEqual([{ type: 'text', text: 'Planned.' }]);
    const sent = openai.last.json;
    expect(sent.messages.map((m: { role: string }) => m.role)).toEqual([
      'system',
      'user',
      'assistant',
      'system',
      'user',
    ]);
    expect(sent.messages[3]).toEqual({ role: 'system', content: 'Plan mode is active.' });
    expect(sent.tools.map((t: { function: { name: string } }) => t.function.name)).toEqual([
      'Bash',
      'mcp__docs__search',
    ]);
    // GPT-4.1 cannot reason (catalog): the effort is dropped instead of being refused by OpenAI.
    expect(sent).not.toHaveProperty('reasoning_effort');
    expect(sent).not.toHaveProperty('context_management');
    expect(response.headers.get('x-gateway-dropped-params')).toBe(
      'context_management, tools[].defer_loading, tools[tool_search_tool_regex_20251119], output_config.effort',
    );
    const headers = openai.last.headers;
    for (const name of Object.keys(claudeCodeHeaders)) expect(headers).not.toHaveProperty(name);
    expect(headers.authorization).toBe('Bearer sk-openai-SECRET-today');
  });

  it('openai/o3 (a reasoning model): output_config.effort → reasoning_effort', async () => {
    const response = await postJson(`${gw.url}/v1/messages`, claudeCodeBody('openai/o3'), claudeCodeHeaders);
    expect(response.status).toBe(200);
    expect(openai.last.json.reasoning_effort).toBe('high');
  });

  it('gemini/gemini-2.5-pro: the system message joins systemInstruction, the effort becomes a thinking budget', async () => {
    const response = await postJson(
      `${gw.url}/v1/messages`,
      claudeCodeBody('gemini/gemini-2.5-pro'),
      claudeCodeHeaders,
    );
    expect(response.status).toBe(200);
    const sent = gemini.last.json;
    expect(sent.systemInstruction.parts.map((p: { text: string }) => p.text)).toEqual([
      'You are Claude Code.',
      'Plan mode is active.',
    ]);
    expect(sent.generationConfig.thinkingConfig).toMatchObject({ includeThoughts: true });
    expect(sent.generationConfig.thinkingConfig.thinkingBudget).toBeGreaterThan(0);
    for (const name of Object.keys(claudeCodeHeaders)) expect(gemini.last.headers).not.toHaveProperty(name);
  });

  it('a request that can never succeed is a 4xx: an Anthropic server tool to GPT is refused by name', async () => {
    const body = {
      ...claudeCodeBody('openai/gpt-4.1'),
      tools: [{ type: 'web_search_20250305', name: 'web_search' }],
    };
    const response = await postJson(`${gw.url}/v1/messages`, body, claudeCodeHeaders);
    expect(response.status).toBe(400);
    expect(response.json.error.message).toContain("'tools'");
  });
});
