import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import { chatCompletion, json, MockUpstream } from '../helpers/mock-upstream.ts';

const KEYS = ['sk-pool-key-aaaa', 'sk-pool-key-bbbb', 'sk-pool-key-cccc'];

describe('provider key pools', () => {
  let upstream: MockUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    upstream = await new MockUpstream().start();
    upstream.handle((req, res) => {
      const key = String(req.headers.authorization).replace('Bearer ', '');
      if (key === KEYS[1])
        return json(res, 429, { error: { message: 'Rate limit reached', type: 'requests' } }, { 'retry-after': '20' });
      if (key === KEYS[2])
        return json(res, 401, { error: { message: 'Incorrect API key provided', type: 'invalid_request_error' } });
      json(res, 200, chatCompletion('ok', 'gpt-4o'));
    });
    gw = await startGateway({ OPENAI_API_KEY: KEYS.join(','), OPENAI_BASE_URL: `${upstream.url}/v1` });
  });
  afterAll(async () => {
    await gw.close();
    await upstream.close();
  });

  it('spreads requests over the keys; a key answering 429 or 401 cools down alone, the provider keeps serving', async () => {
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    for (let i = 0; i < 9; i++) {
      const completion = await client.chat.completions.create({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'Hi' }],
      });
      expect(completion.choices[0]?.message.content).toBe('ok');
    }
    const used = upstream.received.map((r) => KEYS.indexOf(String(r.headers.authorization).replace('Bearer ', '')));
    // Each key was tried; the failing ones once each, before they cooled down.
    expect(used.filter((k) => k === 1)).toHaveLength(1);
    expect(used.filter((k) => k === 2)).toHaveLength(1);
    expect(used.filter((k) => k === 0)).toHaveLength(9);

    const status = await (await fetch(`${gw.url}/v1/gateway/status`)).json();
    expect(status.keyPools.openai.map((k: { index: number; state: string }) => [k.index, k.state])).toEqual([
      [0, 'ready'],
      [1, 'cooling'],
      [2, 'cooling'],
    ]);
    expect(status.keyPools.openai[1].lastStatus).toBe(429);
    expect(status.keyPools.openai[1].coolingForMs).toBeLessThanOrEqual(20_000);
    expect(status.keyPools.openai[2].lastStatus).toBe(401);
    // The provider itself was never marked failing.
    expect(JSON.stringify(status.targets)).not.toContain('cooling');
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toContain('switchyard_provider_key_cooldowns_total{provider="openai",key="1"} 1');
    expect(metrics).toContain('switchyard_provider_key_cooldowns_total{provider="openai",key="2"} 1');
    for (const key of KEYS) expect(JSON.stringify(status) + metrics).not.toContain(key);
  });
});
