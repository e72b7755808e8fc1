import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { BudgetAlerts } from '../../src/webhooks/budget-alerts.ts';
import { parseEndpoints } from '../../src/webhooks/endpoints.ts';
import { watchKeyExpiry } from '../../src/webhooks/key-expiry.ts';
import { Webhooks } from '../../src/webhooks/webhooks.ts';
import { json, MockUpstream, sleep } from '../helpers/mock-upstream.ts';

const SECRET = 'whsec-test-0123456789abcdef';

/** What a receiver does to check a delivery: recompute the HMAC over "<t>.<body>". */
function verify(header: string | string[] | undefined, body: string): boolean {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(header));
  if (!match) return false;
  const expected = createHmac('sha256', SECRET).update(`${match[1]}.${body}`).digest('hex');
  return expected === match[2] && Math.abs(Date.now() / 1000 - Number(match[1])) < 300;
}

function endpoints(url: string, extra: Record<string, unknown> = {}) {
  const parsed = parseEndpoints({ webhooks: [{ url, secret: SECRET, backoff_ms: 20, ...extra }] });
  if ('problems' in parsed) throw new Error(parsed.problems.join('; '));
  return parsed.endpoints;
}

async function until(check: () => boolean, timeoutMs = 3000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(10);
  }
}

describe('webhooks', () => {
  let receiver: MockUpstream;
  let hooks: Webhooks | undefined;
  afterEach(async () => {
    hooks?.close();
    await receiver?.close();
  });

  it('delivers a signed JSON event', async () => {
    receiver = await new MockUpstream().start();
    hooks = new Webhooks(endpoints(`${receiver.url}/hook`));
    hooks.emit('provider.cooldown', { provider: 'openai', model: 'gpt-4o' });
    await until(() => receiver.received.length === 1);
    const delivery = receiver.last;
    expect(delivery.url).toBe('/hook');
    expect(delivery.headers['x-switchyard-event']).toBe('provider.cooldown');
    expect(verify(delivery.headers['x-switchyard-signature'], delivery.body)).toBe(true);
    expect(verify(delivery.headers['x-switchyard-signature'], delivery.body.replace('gpt-4o', 'gpt-5'))).toBe(false);
    expect(delivery.json).toMatchObject({ type: 'provider.cooldown', data: { provider: 'openai', model: 'gpt-4o' } });
    expect(delivery.json.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('retries failures with growing waits, with the same event id, until it is taken', async () => {
    receiver = await new MockUpstream().start();
    const times: number[] = [];
    receiver.handle((_req, res) => {
      times.push(performance.now());
      if (times.length < 4) json(res, times.length === 2 ? 429 : 503, { error: 'busy' });
      else json(res, 200, { ok: true });
    });
    hooks = new Webhooks(endpoints(receiver.url, { backoff_ms: 100 }));
    hooks.emit('budget.threshold', { percent: 80 });
    await until(() => receiver.received.length === 4, 5000);
    await sleep(100);
    expect(receiver.received).toHaveLength(4);
    expect(new Set(receiver.received.map((r) => r.json.id)).size).toBe(1);
    expect(receiver.received.map((r) => r.headers['x-switchyard-delivery-attempt'])).toEqual(['1', '2', '3', '4']);
    for (const r of receiver.received) expect(verify(r.headers['x-switchyard-signature'], r.body)).toBe(true);
    const waits = times.slice(1).map((t, i) => t - (times[i] as number));
    // 100 ms, 200 ms, 400 ms, each ±20 % (timers never fire early; a busy machine makes them late)
    expect(waits[0]).toBeGreaterThanOrEqual(80 - 5);
    expect(waits[1]).toBeGreaterThanOrEqual(160 - 5);
    expect(waits[2]).toBeGreaterThanOrEqual(320 - 5);
  });

  it('retries an unreachable receiver, and gives up after max_attempts', async () => {
    receiver = await new MockUpstream().start();
    const url = receiver.url;
    await receiver.close();
    const warnings: unknown[] = [];
    const logger = { warn: (fields: unknown) => warnings.push(fields), debug: () => undefined } as never;
    hooks = new Webhooks(endpoints(url, { max_attempts: 3 }), logger);
    hooks.emit('key.expiring', { key: 'alice' });
    await until(() => warnings.length === 1);
    expect(warnings[0]).toMatchObject({ event: 'key.expiring', attempts: 3 });
  });

  it('does not retry an event the receiver refuses (4xx)', async () => {
    receiver = await new MockUpstream().start();
    receiver.handle((_req, res) => json(res, 400, { error: 'no' }));
    hooks = new Webhooks(endpoints(receiver.url));
    hooks.emit('provider.recovered', { provider: 'openai' });
    await until(() => receiver.received.length === 1);
    await sleep(150);
    expect(receiver.received).toHaveLength(1);
  });

  it('emit returns at once however slow the receiver, and sends only subscribed events', async () => {
    receiver = await new MockUpstream().start();
    receiver.handle(async (_req, res) => {
      await sleep(1500);
      json(res, 200, {});
    });
    hooks = new Webhooks(endpoints(receiver.url, { events: ['provider.cooldown'] }));
    const started = performance.now();
    hooks.emit('provider.cooldown', {});
    hooks.emit('budget.threshold', {});
    // far less than the receiver takes to answer (the first fetch of a process starts undici: a few ms)
    expect(performance.now() - started).toBeLessThan(500);
    await until(() => receiver.received.length === 1);
    await sleep(50);
    expect(receiver.received.map((r) => r.json.type)).toEqual(['provider.cooldown']);
  });

  it('refuses a file with a short secret or an unknown event, naming the field', () => {
    expect(parseEndpoints({ webhooks: [{ url: 'http://x', secret: 'short' }] })).toEqual({
      problems: ['webhooks.0.secret: must be at least 16 characters (it keys the HMAC signature)'],
    });
    const unknown = parseEndpoints([{ url: 'http://x', secret: SECRET, events: ['nope'] }]);
    expect('problems' in unknown && unknown.problems[0]).toMatch(/^webhooks\.0\.events\.0:/);
  });
});

describe('budget and key-expiry events', () => {
  const recorder = () => {
    const sent: { type: string; data: Record<string, unknown> }[] = [];
    const hooks = { emit: (type: string, data: Record<string, unknown>) => sent.push({ type, data }) } as never;
    return { sent, hooks };
  };

  it('a budget crossing 80 % and 100 % is told once per threshold per window', () => {
    const { sent, hooks } = recorder();
    let now = Date.parse('2026-12-01T12:00:00Z');
    const alerts = new BudgetAlerts(hooks, () => now);
    const day = (used: number) => [{ kind: 'budget', limit: 10, used, resetsInSeconds: 12 * 3600 }];
    alerts.observe('alice', day(5));
    expect(sent).toEqual([]);
    alerts.observe('alice', day(8.5));
    alerts.observe('alice', day(9));
    expect(sent.map((s) => s.data.threshold)).toEqual([80]);
    expect(sent[0]).toMatchObject({
      type: 'budget.threshold',
      data: { subject: 'alice', budget: 'daily', limitUsd: 10, spentUsd: 8.5, resetsAt: '2026-12-02T00:00:00.000Z' },
    });
    alerts.observe('alice', day(10.2));
    alerts.observe('alice', day(11));
    expect(sent.map((s) => s.data.threshold)).toEqual([80, 100]);
    alerts.observe('bob', day(9)); // another subject has its own
    expect(sent).toHaveLength(3);
    now += 13 * 3600_000; // the next day's window
    alerts.observe('alice', [{ kind: 'budget', limit: 10, used: 8, resetsInSeconds: 23 * 3600 }]);
    expect(sent.map((s) => [s.data.subject, s.data.threshold])).toEqual([
      ['alice', 80],
      ['alice', 100],
      ['bob', 80],
      ['alice', 80],
    ]);
  });

  it('a key expiring within the warning days is told once', () => {
    const { sent, hooks } = recorder();
    const now = Date.parse('2026-12-01T00:00:00Z');
    const keys = [
      { name: 'soon', expiresAt: now + 3 * 86_400_000 },
      { name: 'later', expiresAt: now + 30 * 86_400_000 },
      { name: 'gone', expiresAt: now - 1 },
      { name: 'forever' },
    ];
    const watch = watchKeyExpiry(
      () => keys,
      hooks,
      7,
      () => now,
    );
    watch.check();
    watch.close();
    expect(sent).toEqual([
      { type: 'key.expiring', data: { key: 'soon', expiresAt: '2026-12-04T00:00:00.000Z', daysLeft: 3 } },
    ]);
  });
});
