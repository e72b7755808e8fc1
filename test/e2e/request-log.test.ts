import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startGateway } from '../helpers/gateway.ts';
import { type GatewayProcess, startGatewayProcess } from '../helpers/gateway-process.ts';
import {
  chatCompletion,
  chatCompletionChunks,
  json,
  MockUpstream,
  sleep,
  streamEvents,
} from '../helpers/mock-upstream.ts';
import { freePort } from '../helpers/ports.ts';
import { HAS_POSTGRES, PostgresServer } from '../helpers/postgres-server.ts';

const ADMIN = 'sk-admin-SECRET-log';

async function listRequests(url: string, query = '') {
  const response = await fetch(`${url}/v1/gateway/requests?limit=500&${query}`, {
    headers: { authorization: `Bearer ${ADMIN}` },
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { data: any[] }).data;
}

/** Waits for `count` stored requests; returns them and how long they took to show. */
async function waitForStored(url: string, count: number, timeoutMs = 5000) {
  const started = Date.now();
  for (;;) {
    const data = await listRequests(url);
    if (data.length >= count) return { data, ms: Date.now() - started };
    if (Date.now() - started > timeoutMs) throw new Error(`only ${data.length} of ${count} requests stored`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Two gateway processes, each sent 3 completions and 1 stream; both read back all 8 from the one store. */
async function twoProcesses(upstream: MockUpstream, store: Record<string, string>) {
  const env = {
    OPENAI_API_KEY: 'sk-openai-SECRET-log',
    OPENAI_BASE_URL: `${upstream.url}/v1`,
    ADMIN_API_KEYS: `ops:${ADMIN}`,
    ...store,
  };
  const started = await Promise.allSettled([startGatewayProcess(env), startGatewayProcess(env)]);
  const processes: GatewayProcess[] = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  try {
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    for (const [index, gw] of processes.entries()) {
      for (let i = 0; i < 3; i++) {
        const answer = await postJson(
          `${gw.url}/v1/chat/completions`,
          { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] },
          { 'x-gateway-user': `user-${index}` },
        );
        expect(answer.status).toBe(200);
      }
      const stream = await postJson(
        `${gw.url}/v1/chat/completions`,
        { model: 'gpt-4o', stream: true, messages: [] },
        { 'x-gateway-user': `user-${index}` },
      );
      expect(stream.text).toContain('[DONE]');
    }
    for (const gw of processes) {
      const { data, ms } = await waitForStored(gw.url, 8);
      expect(data).toHaveLength(8);
      expect(ms).toBeLessThan(1000);
      expect(data.filter((r) => r.user === 'user-0')).toHaveLength(4);
      expect(data.filter((r) => r.user === 'user-1')).toHaveLength(4);
      expect(data.filter((r) => r.streamed)).toHaveLength(2);
      const streamed = data.find((r) => r.streamed);
      expect(streamed).toMatchObject({
        status: 200,
        provider: 'openai',
        model: 'gpt-4o',
        outputTokens: expect.any(Number),
      });
      expect(streamed.ttfbMs).toBeGreaterThan(0);
    }
  } finally {
    await Promise.all(processes.map((gw) => gw.stop()));
  }
  // Nothing was dropped or failed along the way.
  for (const gw of processes)
    expect(gw.logs.filter((line) => line.level === 'warn' && /request log/.test(String(line.msg)))).toEqual([]);
}

describe('request log store shared by two gateway processes', () => {
  let upstream: MockUpstream;

  beforeAll(async () => {
    upstream = await new MockUpstream().start();
    upstream.handle((req, res) => {
      if (req.json?.stream)
        return streamEvents(res, [
          ...chatCompletionChunks(['a', 'b'], 'gpt-4o').slice(0, -1),
          `data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', choices: [], usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 } })}\n\n`,
          'data: [DONE]\n\n',
        ]);
      json(res, 200, chatCompletion('hi', 'gpt-4o'));
    });
  });
  afterAll(() => upstream.close());

  it('SQLite: one file in DATA_DIR', async () => {
    await twoProcesses(upstream, { DATA_DIR: mkdtempSync(join(tmpdir(), 'switchyard-shared-')) });
  });

  it.runIf(HAS_POSTGRES)('PostgreSQL: one DATABASE_URL', { timeout: 30_000 }, async () => {
    const pg = new PostgresServer(await freePort());
    await pg.start();
    try {
      await twoProcesses(upstream, { DATABASE_URL: pg.url });
    } finally {
      await pg.stop();
    }
  });
});

describe('request log store down', () => {
  it.runIf(HAS_POSTGRES)(
    'requests are served and kept in memory until PostgreSQL answers, then written',
    { timeout: 30_000 },
    async () => {
      const upstream = await new MockUpstream().start();
      upstream.handle((_req, res) => json(res, 200, chatCompletion('hi', 'gpt-4o')));
      const pg = new PostgresServer(await freePort());
      const gw = await startGateway({
        OPENAI_API_KEY: 'sk-openai-SECRET-down',
        OPENAI_BASE_URL: `${upstream.url}/v1`,
        ADMIN_API_KEYS: `ops:${ADMIN}`,
        DATABASE_URL: pg.url,
      });
      try {
        expect(gw.logs.some((l) => /cannot reach the request log database at start-up/.test(String(l.msg)))).toBe(true);
        for (let i = 0; i < 3; i++)
          expect((await postJson(`${gw.url}/v1/chat/completions`, { model: 'gpt-4o', messages: [] })).status).toBe(200);
        // The admin API says the store is unavailable, in the error shape clients know.
        const down = await fetch(`${gw.url}/v1/gateway/requests`, { headers: { authorization: `Bearer ${ADMIN}` } });
        expect(down.status).toBe(503);
        expect(((await down.json()) as any).error.code).toBe('store_unavailable');
        // The writer tries (and fails) before the database comes up: wait for that, not a fixed delay.
        const failedWrite = () => gw.logs.some((l) => /cannot write to the request log store/.test(String(l.msg)));
        for (let i = 0; i < 500 && !failedWrite(); i++) await sleep(20);
        expect(failedWrite()).toBe(true);
        await pg.start();
        const { data } = await waitForStored(gw.url, 3, 10_000);
        expect(data).toHaveLength(3);
      } finally {
        await gw.close();
        await pg.stop();
        await upstream.close();
      }
    },
  );
});

describe('request log store misconfigured', () => {
  it('a DATA_DIR that cannot be written fails start-up, naming the variable', () => {
    // A folder inside a regular file can never be created.
    const file = join(mkdtempSync(join(tmpdir(), 'switchyard-file-')), 'plain-file');
    writeFileSync(file, '');
    const result = spawnSync(process.execPath, ['dist/switchyard.mjs'], {
      env: { PATH: process.env.PATH, PORT: '0', HOST: '127.0.0.1', DATA_DIR: join(file, 'data') },
      encoding: 'utf8',
      timeout: 10_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`DATA_DIR: cannot open the request log store in '${join(file, 'data')}'`);
  });
});
