import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startGateway, type TestGateway } from '../helpers/gateway.ts';
import { chatCompletion, chatCompletionChunks, json, MockUpstream, streamEvents } from '../helpers/mock-upstream.ts';

describe('custom providers', () => {
  let upstream: MockUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    upstream = await new MockUpstream().start();
    upstream.handle((req, res) => {
      if (req.url.includes('/messages')) {
        return json(res, 200, {
          id: 'msg_1',
          type: 'message',
          role: 'assistant',
          model: req.json.model,
          content: [{ type: 'text', text: 'from the custom anthropic endpoint' }],
          stop_reason: 'end_turn',
          stop_sequence: null,
          usage: { input_tokens: 3, output_tokens: 5 },
        });
      }
      if (req.json?.stream === true) return streamEvents(res, chatCompletionChunks(['o', 'k']));
      json(res, 200, chatCompletion('ok', req.json?.model));
    });
    gw = await startGateway({
      CUSTOM_PROVIDERS: JSON.stringify([
        {
          // The Azure-style example of the reference documentation.
          name: 'azure-gpt4',
          base_url: upstream.url,
          api_key: 'azure-SECRET',
          auth_header: 'api-key',
          auth_scheme: '',
          path_prefix: '/openai/deployments/gpt-4o',
          query_params: 'api-version=2024-02-01',
        },
        {
          name: 'my-vllm',
          base_url: `${upstream.url}/vllm/v1`,
          models: ['Qwen/Qwen2.5-Coder-32B-Instruct'],
          headers: { 'X-Team': 'infra' },
        },
        {
          name: 'my-claude',
          base_url: `${upstream.url}/claude`,
          format: 'anthropic',
          api_key: 'claude-SECRET',
          auth_header: 'x-api-key',
          auth_scheme: '',
        },
      ]),
    });
  });
  afterAll(async () => {
    await gw.close();
    await upstream.close();
  });

  it('builds exactly the URL, headers and query of the Azure-style example', async () => {
    const result = await postJson(
      `${gw.url}/v1/chat/completions`,
      { messages: [{ role: 'user', content: 'Hello' }], model: 'gpt-4o' },
      { 'x-provider': 'azure-gpt4' },
    );
    expect(result.status).toBe(200);
    expect(upstream.last.url).toBe('/openai/deployments/gpt-4o/chat/completions?api-version=2024-02-01');
    expect(upstream.last.headers['api-key']).toBe('azure-SECRET');
    expect(upstream.last.headers.authorization).toBeUndefined();
  });

  it("serves the reference's Azure example with no model: the deployment is in the path (issue 15 item 18)", async () => {
    const result = await postJson(
      `${gw.url}/v1/chat/completions`,
      { messages: [{ role: 'user', content: 'Hello' }] },
      { 'x-provider': 'azure-gpt4' },
    );
    expect(result.status).toBe(200);
    expect(result.json.choices[0].message.content).toBe('ok');
    expect(upstream.last.url).toBe('/openai/deployments/gpt-4o/chat/completions?api-version=2024-02-01');
    expect(upstream.last.json).toEqual({ messages: [{ role: 'user', content: 'Hello' }] });
    const streamed = await postJson(
      `${gw.url}/v1/chat/completions`,
      { stream: true, messages: [{ role: 'user', content: 'Hello' }] },
      { 'x-provider': 'azure-gpt4' },
    );
    expect(streamed.status).toBe(200);
    expect(streamed.text).toContain('[DONE]');
    expect(upstream.last.json.model).toBeUndefined();
  });

  it('still needs a model when no provider is pinned, or when the pinned one is translated to', async () => {
    const unpinned = await postJson(`${gw.url}/v1/chat/completions`, { messages: [{ role: 'user', content: 'Hi' }] });
    expect(unpinned.status).toBe(400);
    expect(unpinned.json.error.code).toBe('missing_model');
    const translated = await postJson(
      `${gw.url}/v1/messages`,
      { max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] },
      { 'x-provider': 'azure-gpt4' },
    );
    expect(translated.status).toBe(400);
    expect(translated.json.error.type).toBe('invalid_request_error');
    expect(JSON.stringify(translated.json)).toContain('model');
  });

  it('Azure OpenAI with AZURE_OPENAI_DEPLOYMENT, pinned, needs no model either; without it, it does', async () => {
    const azure = (deployment: Record<string, string>) =>
      startGateway({
        AZURE_OPENAI_API_KEY: 'azure-SECRET-2',
        AZURE_OPENAI_BASE_URL: `${upstream.url}/openai`,
        ...deployment,
      });
    const body = { messages: [{ role: 'user', content: 'Hello' }] };
    const pinned = await azure({ AZURE_OPENAI_DEPLOYMENT: 'prod-4o' });
    try {
      const result = await postJson(`${pinned.url}/v1/chat/completions`, body, { 'x-provider': 'azure-openai' });
      expect(result.status).toBe(200);
      expect(upstream.last.url).toMatch(/^\/openai\/deployments\/prod-4o\/chat\/completions\?api-version=/);
    } finally {
      await pinned.close();
    }
    const byModel = await azure({});
    try {
      const result = await postJson(`${byModel.url}/v1/chat/completions`, body, { 'x-provider': 'azure-openai' });
      expect(result.status).toBe(400);
      expect(result.json.error.code).toBe('missing_model');
    } finally {
      await byModel.close();
    }
  });

  it('is selected by prefix and by the models it lists, with its static headers', async () => {
    await postJson(`${gw.url}/v1/chat/completions`, { model: 'my-vllm/some-model', messages: [] });
    expect(upstream.last.url).toBe('/vllm/v1/chat/completions');
    expect(upstream.last.json.model).toBe('some-model');
    const byName = await postJson(`${gw.url}/v1/chat/completions`, {
      model: 'Qwen/Qwen2.5-Coder-32B-Instruct',
      messages: [],
    });
    expect(byName.headers.get('x-gateway-provider')).toBe('my-vllm');
    expect(upstream.last.headers['x-team']).toBe('infra');
    const models = (await (await fetch(`${gw.url}/v1/models?provider=my-vllm`)).json()).data;
    expect(models.map((m: { id: string }) => m.id)).toEqual(['my-vllm/Qwen/Qwen2.5-Coder-32B-Instruct']);
  });

  it('an Anthropic-format custom provider serves the Anthropic SDK', async () => {
    const client = new Anthropic({ baseURL: gw.url, apiKey: 'unused', maxRetries: 0 });
    const message = await client.messages.create({
      model: 'my-claude/claude-opus-4-1',
      max_tokens: 20,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(message.content[0]).toEqual({ type: 'text', text: 'from the custom anthropic endpoint' });
    expect(upstream.last.url).toBe('/claude/v1/messages');
    expect(upstream.last.json.model).toBe('claude-opus-4-1');
    expect(upstream.last.headers['x-api-key']).toBe('claude-SECRET');
    expect(upstream.last.headers['anthropic-version']).toBeDefined();
  });

  it('an OpenAI-format request to an Anthropic-format custom provider is translated', async () => {
    const result = await postJson(`${gw.url}/v1/chat/completions`, {
      model: 'my-claude/claude-opus-4-1',
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(result.status).toBe(200);
    expect(upstream.last.url).toBe('/claude/v1/messages');
    expect(upstream.last.json).toMatchObject({
      model: 'claude-opus-4-1',
      max_tokens: 4096,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
    });
    expect(result.json.choices[0].message.content).toBe('from the custom anthropic endpoint');
    expect(result.json.choices[0].finish_reason).toBe('stop');
  });

  it('invalid definitions stop start-up naming the variable', async () => {
    await expect(startGateway({ CUSTOM_PROVIDERS: '[{"name":"x"}]' })).rejects.toThrow(
      /CUSTOM_PROVIDERS: entry 0\.base_url/,
    );
    await expect(startGateway({ CUSTOM_PROVIDERS: '[{"name":"openai","base_url":"http://a"}]' })).rejects.toThrow(
      /built-in provider id/,
    );
    await expect(startGateway({ CUSTOM_PROVIDERS: 'not json' })).rejects.toThrow(/CUSTOM_PROVIDERS: not valid JSON/);
  });
});
