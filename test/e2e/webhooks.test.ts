import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { postJson, startGateway, type TestGateway } from '../helpers/gateway.ts';
import { chatCompletion, json, MockUpstream, sleep } from '../helpers/mock-upstream.ts';

describe('webhooks from a running gateway', () => {
  let upstream: MockUpstream;
  let receiver: MockUpstream;
  let gw: TestGateway | undefined;
  afterEach(async () => {
    await gw?.close();
    await upstream?.close();
    await receiver?.close();
  });

  it('tell of a provider cooling down and of its recovery, without holding up the request', async () => {
    receiver = await new MockUpstream().start();
    receiver.handle(async (_req, res) => {
      await sleep(1500); // a slow receiver must not slow the requests
      json(res, 200, {});
    });
    upstream = await new MockUpstream().start();
    let failing = true;
    upstream.handle((_req, res) =>
      failing ? json(res, 503, { error: { message: 'overloaded' } }) : json(res, 200, chatCompletion('ok')),
    );
    const file = join(mkdtempSync(join(tmpdir(), 'switchyard-webhooks-')), 'webhooks.json');
    writeFileSync(file, JSON.stringify({ webhooks: [{ url: receiver.url, secret: 'whsec-e2e-0123456789abcdef' }] }));
    gw = await startGateway({
      OPENAI_API_KEY: 'sk-webhooks-e2e',
      OPENAI_BASE_URL: `${upstream.url}/v1`,
      WEBHOOKS_FILE: file,
      COOLDOWN_FAILURES: '1',
      COOLDOWN_MS: '200',
      MAX_RETRIES: '0',
    });
    const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] };
    const started = performance.now();
    expect((await postJson(`${gw.url}/v1/chat/completions`, body)).status).toBe(503);
    expect(performance.now() - started).toBeLessThan(1000);
    for (let i = 0; i < 300 && receiver.received.length < 1; i++) await sleep(10);
    expect(receiver.received[0]?.json).toMatchObject({
      type: 'provider.cooldown',
      data: { provider: 'openai', model: 'gpt-4o-mini' },
    });
    failing = false;
    await sleep(250);
    expect((await postJson(`${gw.url}/v1/chat/completions`, body)).status).toBe(200);
    for (let i = 0; i < 300 && receiver.received.length < 2; i++) await sleep(10);
    expect(receiver.received[1]?.json).toMatchObject({ type: 'provider.recovered', data: { provider: 'openai' } });
  });

  it('tell of a budget crossing 80 % (once) and of a key expiring soon', async () => {
    receiver = await new MockUpstream().start();
    receiver.handle((_req, res) => json(res, 200, {}));
    upstream = await new MockUpstream().start();
    upstream.handle((_req, res) => json(res, 200, chatCompletion('ok')));
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-webhooks-'));
    const hooks = join(dir, 'webhooks.json');
    writeFileSync(hooks, JSON.stringify({ webhooks: [{ url: receiver.url, secret: 'whsec-e2e-0123456789abcdef' }] }));
    const keys = join(dir, 'keys.json');
    const soon = new Date(Date.now() + 2 * 86_400_000).toISOString();
    writeFileSync(
      keys,
      JSON.stringify([
        { name: 'alice', key: 'sk-gw-alice-webhooks-1', budget_usd_daily: 0.00002 },
        { name: 'temp', key: 'sk-gw-temp-webhooks-1', expires_at: soon },
      ]),
    );
    gw = await startGateway({
      OPENAI_API_KEY: 'sk-webhooks-e2e',
      OPENAI_BASE_URL: `${upstream.url}/v1`,
      WEBHOOKS_FILE: hooks,
      GATEWAY_API_KEYS_FILE: keys,
    });
    const types = () => receiver.received.map((r) => r.json.type);
    for (let i = 0; i < 300 && !types().includes('key.expiring'); i++) await sleep(10);
    expect(receiver.received.find((r) => r.json.type === 'key.expiring')?.json.data).toMatchObject({
      key: 'temp',
      daysLeft: 1,
    });
    // gpt-4o-mini at 19 prompt and 10 completion tokens: about $0.0000089 a call, 44 % of the budget
    const body = { model: 'gpt-4o-mini', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] };
    const as = { authorization: 'Bearer sk-gw-alice-webhooks-1' };
    expect((await postJson(`${gw.url}/v1/chat/completions`, body, as)).status).toBe(200);
    await sleep(200);
    expect(types()).not.toContain('budget.threshold');
    expect((await postJson(`${gw.url}/v1/chat/completions`, body, as)).status).toBe(200);
    for (let i = 0; i < 300 && !types().includes('budget.threshold'); i++) await sleep(10);
    expect(receiver.received.find((r) => r.json.type === 'budget.threshold')?.json.data).toMatchObject({
      subject: 'alice',
      budget: 'daily',
      threshold: 80,
      limitUsd: 0.00002,
    });
    await sleep(200);
    expect(types().filter((t) => t === 'budget.threshold')).toHaveLength(1);
  });
});
