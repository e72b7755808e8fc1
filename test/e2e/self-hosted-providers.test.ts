/** vLLM and LM Studio: a base URL, an optional key, and their models listed live from their own `/v1/models`. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startGateway, type TestGateway } from '../helpers/gateway.ts';
import { chatCompletion, json, MockUpstream } from '../helpers/mock-upstream.ts';

describe('self-hosted OpenAI-compatible servers (vLLM, LM Studio)', () => {
  const vllm = new MockUpstream();
  const lmStudio = new MockUpstream();
  let gw: TestGateway;

  beforeAll(async () => {
    await Promise.all([vllm.start(), lmStudio.start()]);
    for (const [mock, model] of [
      [vllm, 'Qwen/Qwen2.5-7B-Instruct'],
      [lmStudio, 'qwen2.5-7b-instruct'],
    ] as const) {
      mock.handle((req, res) =>
        req.method === 'GET' && req.url === '/v1/models'
          ? json(res, 200, { object: 'list', data: [{ id: model, object: 'model', owned_by: 'me' }] })
          : json(res, 200, chatCompletion(`hello from ${model}`, model)),
      );
    }
    gw = await startGateway({
      VLLM_BASE_URL: `${vllm.url}/v1`,
      LM_STUDIO_BASE_URL: `${lmStudio.url}/v1`,
      LM_STUDIO_API_KEY: 'lm-studio-secret-key',
    });
  });
  afterAll(async () => {
    await gw.close();
    await Promise.all([vllm.close(), lmStudio.close()]);
  });

  it('lists what each server serves, asked live (with its key when it has one)', async () => {
    const listed = (await (await fetch(`${gw.url}/v1/models`)).json()) as { data: { id: string }[] };
    const ids = listed.data.map((m) => m.id);
    expect(ids).toContain('vllm/Qwen/Qwen2.5-7B-Instruct');
    expect(ids).toContain('lm-studio/qwen2.5-7b-instruct');
    const vllmList = vllm.received.find((r) => r.url === '/v1/models');
    const lmList = lmStudio.received.find((r) => r.url === '/v1/models');
    expect(vllmList?.headers.authorization).toBeUndefined();
    expect(lmList?.headers.authorization).toBe('Bearer lm-studio-secret-key');
  });

  it('answers a chat completion from each, without a key when none is configured', async () => {
    const fromVllm = await postJson(`${gw.url}/v1/chat/completions`, {
      model: 'vllm/Qwen/Qwen2.5-7B-Instruct',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(fromVllm.status).toBe(200);
    expect(fromVllm.json.choices[0].message.content).toBe('hello from Qwen/Qwen2.5-7B-Instruct');
    expect(vllm.last.url).toBe('/v1/chat/completions');
    expect(vllm.last.json.model).toBe('Qwen/Qwen2.5-7B-Instruct');
    expect(vllm.last.headers.authorization).toBeUndefined();

    const fromLmStudio = await postJson(`${gw.url}/v1/chat/completions`, {
      model: 'lm-studio/qwen2.5-7b-instruct',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(fromLmStudio.status).toBe(200);
    expect(lmStudio.last.headers.authorization).toBe('Bearer lm-studio-secret-key');
  });
});
