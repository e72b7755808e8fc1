import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/load.ts';
import { loadConfig } from '../../src/config/config.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createGateway } from '../../src/server/server.ts';
import { postJson, startGateway, type TestGateway } from '../helpers/gateway.ts';
import { chatCompletion, json, MockUpstream } from '../helpers/mock-upstream.ts';

const ADMIN = 'sk-admin-SECRET-1';
const TEAM_A = 'sk-gw-team-a-SECRET';
const TEAM_B = 'sk-gw-team-b-SECRET';
const OPENAI_KEY = 'sk-openai-SECRET-admin';

/** Reads the admin API with plain fetch; `key` null sends no credentials. */
async function admin(gw: TestGateway, path: string, key: string | null = ADMIN) {
  const response = await fetch(`${gw.url}${path}`, key ? { headers: { authorization: `Bearer ${key}` } } : {});
  return { status: response.status, body: (await response.json()) as any };
}

/** Polls until the store holds `count` requests matching the query (writes are batched). */
async function waitForRequests(gw: TestGateway, query: string, count: number) {
  const deadline = Date.now() + 3000;
  for (;;) {
    const { body } = await admin(gw, `/v1/gateway/requests?limit=500&${query}`);
    if (body.data.length >= count || Date.now() > deadline) return body.data as any[];
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('admin API over known traffic', () => {
  let upstream: MockUpstream;
  let gw: TestGateway;
  const startedAt = Date.now();

  beforeAll(async () => {
    upstream = await new MockUpstream().start();
    upstream.handle((req, res) => {
      if (req.json?.model === 'gpt-4o-down') return json(res, 503, { error: { message: 'overloaded' } });
      if (req.json?.model === 'gpt-4o-bad')
        return json(res, 400, { error: { message: 'bad', type: 'invalid_request_error' } });
      json(res, 200, chatCompletion('hello', req.json.model));
    });
    gw = await startGateway({
      OPENAI_API_KEY: OPENAI_KEY,
      OPENAI_BASE_URL: `${upstream.url}/v1`,
      GATEWAY_API_KEYS: `team-a:${TEAM_A},team-b:${TEAM_B}`,
      ADMIN_API_KEYS: `ops:${ADMIN}`,
      MAX_RETRIES: '0',
    });
    const chat = (key: string, model: string, headers: Record<string, string> = {}) =>
      postJson(
        `${gw.url}/v1/chat/completions`,
        { model, messages: [{ role: 'user', content: 'hi' }] },
        { authorization: `Bearer ${key}`, ...headers },
      );
    // team-a: 3 by alice in session s-1, 1 by bob (OpenAI's `user` field); team-b: 2 ok, 1 refused, 1 fallback.
    for (let i = 0; i < 3; i++)
      expect((await chat(TEAM_A, 'gpt-4o', { 'x-gateway-user': 'alice', 'x-gateway-session': 's-1' })).status).toBe(
        200,
      );
    expect(
      (
        await postJson(
          `${gw.url}/v1/chat/completions`,
          { model: 'gpt-4o-mini', user: 'bob', messages: [] },
          { authorization: `Bearer ${TEAM_A}` },
        )
      ).status,
    ).toBe(200);
    for (let i = 0; i < 2; i++) expect((await chat(TEAM_B, 'gpt-4o-mini')).status).toBe(200);
    expect((await chat(TEAM_B, 'gpt-4o-bad')).status).toBe(400);
    expect((await chat(TEAM_B, 'gpt-4o-down', { 'x-gateway-fallback': 'openai/gpt-4o' })).status).toBe(200);
    await waitForRequests(gw, '', 8);
  });
  afterAll(async () => {
    await gw.close();
    await upstream.close();
  });

  it('lists every request with what the gateway learnt about it', async () => {
    const { status, body } = await admin(gw, '/v1/gateway/requests');
    expect(status).toBe(200);
    expect(body.object).toBe('list');
    expect(body.data).toHaveLength(8);
    const first = body.data.at(-1);
    expect(first).toMatchObject({
      key: 'team-a',
      user: 'alice',
      session: 's-1',
      clientFormat: 'openai',
      route: '/v1/chat/completions',
      provider: 'openai',
      model: 'gpt-4o',
      selectedBy: expect.any(String),
      status: 200,
      errorCode: null,
      inputTokens: 19,
      outputTokens: 10,
      costUsd: expect.any(Number),
      streamed: false,
      attempts: [{ provider: 'openai', model: 'gpt-4o', outcome: '200', ms: expect.any(Number) }],
    });
    // Bodies are shown by id only, and kept only with LOG_PAYLOADS.
    expect(first).not.toHaveProperty('requestBody');
    expect(Date.parse(first.time)).toBeGreaterThanOrEqual(startedAt - 1000);
    expect(first.latencyMs).toBeGreaterThan(0);
    expect(first.bytesIn).toBeGreaterThan(0);
    expect(first.gatewayHeaders).toMatchObject({
      'x-gateway-provider': 'openai',
      'x-gateway-cost-usd': String(first.costUsd),
      'x-request-id': first.requestId,
    });
    // The fallback: two attempts, the first answered 503, and the model that served it.
    const fallback = body.data.find((r: any) => r.attempts.length === 2);
    expect(fallback.attempts.map((a: any) => [a.model, a.outcome])).toEqual([
      ['gpt-4o-down', '503'],
      ['gpt-4o', '200'],
    ]);
    expect(fallback.model).toBe('gpt-4o');
  });

  it('filters by key, user, session, model, provider, status and time range', async () => {
    const count = async (query: string) => (await admin(gw, `/v1/gateway/requests?${query}`)).body.data.length;
    expect(await count('key=team-a')).toBe(4);
    expect(await count('key=team-b')).toBe(4);
    expect(await count('user=alice')).toBe(3);
    expect(await count('user=bob')).toBe(1);
    expect(await count('session=s-1')).toBe(3);
    expect(await count('model=gpt-4o-mini')).toBe(3);
    expect(await count('provider=openai')).toBe(8);
    expect(await count('status=400')).toBe(1);
    expect(await count('status=4xx&key=team-b')).toBe(1);
    expect(await count('status=2xx')).toBe(7);
    expect(await count(`from=${new Date(startedAt - 60_000).toISOString()}`)).toBe(8);
    expect(await count(`to=${startedAt - 60_000}`)).toBe(0);
  });

  it('pages with nextCursor', async () => {
    const ids: string[] = [];
    let path = '/v1/gateway/requests?limit=3';
    for (;;) {
      const { body } = await admin(gw, path);
      ids.push(...body.data.map((r: any) => r.requestId));
      if (!body.nextCursor) break;
      path = `/v1/gateway/requests?limit=3&cursor=${body.nextCursor}`;
    }
    expect(ids).toHaveLength(8);
    expect(new Set(ids).size).toBe(8);
  });

  it('sums usage by key, user and model; per hour and day', async () => {
    const { body } = await admin(gw, '/v1/gateway/usage?group_by=key');
    expect(body.groupBy).toBe('key');
    const byKey = Object.fromEntries(body.data.map((r: any) => [r.group, r]));
    expect(byKey['team-a']).toMatchObject({ requests: 4, errors: 0, errorRate: 0, inputTokens: 76, outputTokens: 40 });
    expect(byKey['team-b']).toMatchObject({ requests: 4, errors: 1, errorRate: 0.25 });
    expect(byKey['team-a'].costUsd).toBeGreaterThan(0);
    expect(byKey['team-a'].p95LatencyMs).toBeGreaterThanOrEqual(byKey['team-a'].p50LatencyMs);
    const byUser = (await admin(gw, '/v1/gateway/usage?group_by=user&key=team-a')).body.data;
    expect(byUser.map((r: any) => [r.group, r.requests])).toEqual([
      ['alice', 3],
      ['bob', 1],
    ]);
    const byModel = (await admin(gw, '/v1/gateway/usage?group_by=model&interval=day')).body.data;
    expect(byModel.map((r: any) => [r.group, r.requests])).toEqual([
      ['gpt-4o', 4],
      ['gpt-4o-mini', 3],
      ['gpt-4o-bad', 1],
    ]);
    expect(byModel[0].bucket).toBe(`${new Date().toISOString().slice(0, 10)}T00:00:00.000Z`);
    const hourly = (await admin(gw, '/v1/gateway/usage?interval=hour')).body.data;
    expect(hourly.reduce((sum: number, r: any) => sum + r.requests, 0)).toBe(8);
    // Provider grouping covers the same requests.
    const byProvider = (await admin(gw, '/v1/gateway/usage?group_by=provider')).body.data;
    expect(byProvider).toEqual([expect.objectContaining({ group: 'openai', requests: 8 })]);
  });

  it('shows one request by id', async () => {
    const [latest] = (await admin(gw, '/v1/gateway/requests?limit=1')).body.data;
    const { status, body } = await admin(gw, `/v1/gateway/requests/${latest.requestId}`);
    expect(status).toBe(200);
    expect(body.data[0].requestId).toBe(latest.requestId);
    // Without LOG_PAYLOADS no body is kept.
    expect(body.data[0]).toMatchObject({ requestBody: null, responseBody: null });
    expect((await admin(gw, '/v1/gateway/requests/no-such-id')).status).toBe(404);
  });

  it('refuses bad parameters with a 400 naming the parameter', async () => {
    for (const [query, param] of [
      ['status=abc', 'status'],
      ['from=yesterday', 'from'],
      ['limit=0', 'limit'],
      ['from=2000&to=1000', 'from'],
    ]) {
      const { status, body } = await admin(gw, `/v1/gateway/requests?${query}`);
      expect(status).toBe(400);
      expect(body.error.param).toBe(param);
    }
    const { status, body } = await admin(gw, '/v1/gateway/usage?group_by=colour');
    expect(status).toBe(400);
    expect(body.error.param).toBe('group_by');
    expect((await admin(gw, '/v1/gateway/usage?interval=week')).status).toBe(400);
  });

  it('needs an admin key: a gateway key or none gets 401', async () => {
    expect((await admin(gw, '/v1/gateway/requests', null)).status).toBe(401);
    expect((await admin(gw, '/v1/gateway/usage', TEAM_A)).status).toBe(401);
    expect((await admin(gw, '/v1/gateway/config', 'sk-wrong')).status).toBe(401);
    // Status takes either kind of key.
    expect((await admin(gw, '/v1/gateway/status', ADMIN)).status).toBe(200);
    expect((await admin(gw, '/v1/gateway/status', TEAM_A)).status).toBe(200);
    expect((await admin(gw, '/v1/gateway/status', null)).status).toBe(401);
  });

  it('shows the configuration without a secret', async () => {
    const { status, body } = await admin(gw, '/v1/gateway/config');
    expect(status).toBe(200);
    expect(body.providers).toEqual([{ id: 'openai', wireFormat: 'openai', baseUrl: `${upstream.url}/v1` }]);
    expect(body).toMatchObject({ gatewayKeys: 2, adminKeys: 1, requestLog: { store: 'sqlite', payloads: false } });
    const text = JSON.stringify(body);
    for (const secret of [ADMIN, TEAM_A, TEAM_B, OPENAI_KEY]) expect(text).not.toContain(secret);
  });

  it('keeps no secret in the SQLite file', () => {
    // Recent pages sit in the write-ahead log until a checkpoint.
    const file = ['switchyard.db', 'switchyard.db-wal']
      .map((name) => readFileSync(join(gw.dataDir, name)).toString('latin1'))
      .join('');
    expect(file).toContain('team-a'); // the file is what is being read
    for (const secret of [ADMIN, TEAM_A, TEAM_B, OPENAI_KEY]) expect(file).not.toContain(secret);
  });

  it('does not record admin, health or dashboard requests', async () => {
    await fetch(`${gw.url}/health`);
    await admin(gw, '/v1/gateway/usage');
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect((await admin(gw, '/v1/gateway/requests?limit=500')).body.data).toHaveLength(8);
  });
});

describe('admin API without ADMIN_API_KEYS', () => {
  it('answers on a loopback-bound gateway', async () => {
    const gw = await startGateway({ OPENAI_API_KEY: 'sk-x-123456' });
    try {
      expect((await admin(gw, '/v1/gateway/requests', null)).status).toBe(200);
    } finally {
      await gw.close();
    }
  });

  it('is refused (403) on a gateway bound to every interface', async () => {
    const config = loadConfig({
      OPENAI_API_KEY: 'sk-x-123456',
      LOG_LEVEL: 'silent',
      DATA_DIR: mkdtempSync(join(tmpdir(), 'switchyard-admin-')),
    });
    const logger = createLogger('silent');
    const gateway = createGateway({
      config,
      logger,
      catalog: await loadCatalog({ file: undefined, url: undefined }, logger),
    });
    const { port } = await gateway.listen(0, '0.0.0.0');
    try {
      const response = await fetch(`http://127.0.0.1:${port}/v1/gateway/requests`);
      expect(response.status).toBe(403);
      expect(((await response.json()) as any).error.message).toContain('ADMIN_API_KEYS');
    } finally {
      await gateway.close();
    }
  });
});

describe('LOG_PAYLOADS=true', () => {
  it('keeps request and response bodies with the keys scrubbed', async () => {
    const upstream = await new MockUpstream().start();
    upstream.handle((_req, res) => json(res, 200, chatCompletion(`echo ${OPENAI_KEY}`, 'gpt-4o')));
    const gw = await startGateway({
      OPENAI_API_KEY: OPENAI_KEY,
      OPENAI_BASE_URL: `${upstream.url}/v1`,
      GATEWAY_API_KEYS: `team-a:${TEAM_A}`,
      ADMIN_API_KEYS: `ops:${ADMIN}`,
      LOG_PAYLOADS: 'true',
    });
    try {
      const answer = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEAM_A}`, 'content-type': 'application/json', 'x-request-id': 'payload-1' },
        body: JSON.stringify({
          model: 'gpt-4o',
          messages: [{ role: 'user', content: `my keys: ${TEAM_A} and ${OPENAI_KEY}` }],
        }),
      });
      expect(answer.status).toBe(200);
      await waitForRequests(gw, '', 1);
      const { body } = await admin(gw, '/v1/gateway/requests/payload-1');
      const [stored] = body.data;
      expect(JSON.parse(stored.requestBody).messages[0].content).toBe('my keys: [REDACTED] and [REDACTED]');
      expect(JSON.parse(stored.responseBody).choices[0].message.content).toBe('echo [REDACTED]');
    } finally {
      await gw.close();
      await upstream.close();
    }
  });
});
