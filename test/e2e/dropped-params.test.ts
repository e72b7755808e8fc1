/**
 * Parameters that only tune how a provider works travel to a provider of the client's own format
 * and are dropped, and reported, when the request is translated (docs/translation.md, "parameters
 * without a counterpart"): never silently.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startGateway, type TestGateway } from '../helpers/gateway.ts';
import { json, MockUpstream } from '../helpers/mock-upstream.ts';

const anthropicMessage = {
  id: 'msg_01',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-5-20250929',
  content: [{ type: 'text', text: 'Hi.' }],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: { input_tokens: 5, output_tokens: 2 },
};

const openAICompletion = {
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1,
  model: 'gpt-4o-2024-08-06',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hi.' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
};

describe('x-gateway-dropped-params', () => {
  let anthropic: MockUpstream;
  let openai: MockUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    anthropic = await new MockUpstream().start();
    anthropic.handle((_req, res) => json(res, 200, anthropicMessage));
    openai = await new MockUpstream().start();
    openai.handle((_req, res) => json(res, 200, openAICompletion));
    gw = await startGateway({
      ANTHROPIC_API_KEY: 'sk-ant-SECRET-dropped',
      ANTHROPIC_BASE_URL: anthropic.url,
      OPENAI_API_KEY: 'sk-openai-SECRET-dropped',
      OPENAI_BASE_URL: openai.url,
    });
  });
  afterAll(async () => {
    await gw.close();
    await anthropic.close();
    await openai.close();
  });

  it('an OpenAI client reaching Claude: store and service_tier are dropped, named in the header and the log line', async () => {
    const response = await postJson(
      `${gw.url}/v1/chat/completions`,
      {
        model: 'anthropic/claude-sonnet-4-5',
        messages: [{ role: 'user', content: 'Hello' }],
        store: true,
        service_tier: 'flex',
      },
      { 'x-request-id': 'dropped-1' },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('x-gateway-dropped-params')).toBe('store, service_tier');
    expect(anthropic.last.json).not.toHaveProperty('store');
    expect(anthropic.last.json).not.toHaveProperty('service_tier');
    const line = gw.logs.find((entry) => entry.requestId === 'dropped-1');
    expect(line?.droppedParams).toEqual(['store', 'service_tier']);
  });

  it('an Anthropic client reaching GPT: service_tier is dropped and reported', async () => {
    const response = await postJson(`${gw.url}/v1/messages`, {
      model: 'openai/gpt-4o',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Hello' }],
      service_tier: 'auto',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-gateway-dropped-params')).toBe('service_tier');
    expect(openai.last.json).not.toHaveProperty('service_tier');
  });

  it('the same parameters reach a provider of the client format untouched, and nothing is reported', async () => {
    const response = await postJson(`${gw.url}/v1/chat/completions`, {
      model: 'openai/gpt-4o',
      messages: [{ role: 'user', content: 'Hello' }],
      store: true,
      service_tier: 'flex',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-gateway-dropped-params')).toBeNull();
    expect(openai.last.json).toMatchObject({ store: true, service_tier: 'flex' });
  });
});
