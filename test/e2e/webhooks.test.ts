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
});
