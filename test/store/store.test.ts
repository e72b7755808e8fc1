import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres } from '../../src/store/postgres.ts';
import { openSqlite, switchToWal } from '../../src/store/sqlite.ts';
import { RequestStore } from '../../src/store/store.ts';
import { freePort } from '../helpers/ports.ts';
import { HAS_POSTGRES, PostgresServer } from '../helpers/postgres-server.ts';
import { requestRecord } from '../helpers/request-records.ts';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 1, 10, 0, 0);

/**
 * Known traffic: team-a sends 10 requests to gpt-4o in hour 10 (latencies 10…100 ms, one 500),
 * team-b sends 4 to claude in hour 11 (latencies 200…800 ms), one with no key at all.
 */
const TRAFFIC = [
  ...Array.from({ length: 10 }, (_, i) =>
    requestRecord({
      time: T0 + i * 1000,
      requestId: `a-${i}`,
      key: 'team-a',
      user: i < 5 ? 'alice' : 'bob',
      session: 's-1',
      latencyMs: (i + 1) * 10,
      status: i === 9 ? 500 : 200,
      errorCode: i === 9 ? 'upstream_failed' : null,
      costUsd: 0.01,
      inputTokens: 100,
      outputTokens: 10,
    }),
  ),
  ...[200, 400, 600, 800].map((latencyMs, i) =>
    requestRecord({
      time: T0 + HOUR + i * 1000,
      requestId: `b-${i}`,
      key: 'team-b',
      user: 'carol',
      provider: 'anthropic',
      model: 'claude-sonnet-4-5',
      latencyMs,
      costUsd: 0.5,
      inputTokens: 1000,
      cachedInputTokens: 400,
      outputTokens: 100,
      reasoningTokens: 20,
      status: i === 3 ? 429 : 200,
    }),
  ),
  requestRecord({
    time: T0 + 2 * HOUR,
    requestId: 'anon',
    key: null,
    costUsd: null,
    inputTokens: null,
    outputTokens: null,
  }),
];

const backends: [string, boolean, () => Promise<{ store: RequestStore; stop: () => Promise<void> }>][] = [
  [
    'sqlite',
    true,
    async () => {
      const store = new RequestStore('sqlite', await openSqlite(mkdtempSync(join(tmpdir(), 'switchyard-store-'))));
      return { store, stop: () => store.close() };
    },
  ],
  [
    'postgres',
    HAS_POSTGRES,
    async () => {
      const server = new PostgresServer(await freePort());
      await server.start();
      const store = new RequestStore('postgres', await openPostgres(server.url));
      return {
        store,
        stop: async () => {
          await store.close();
          await server.stop();
        },
      };
    },
  ],
];

describe.each(backends)('request store on %s', (_name, available, open) => {
  let store: RequestStore;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    if (!available) return;
    ({ store, stop } = await open());
    await store.migrate();
    // A second start-up finds the schema current and changes nothing.
    await store.migrate();
    await store.insert(TRAFFIC);
  }, 30_000);
  afterAll(async () => stop?.());

  it.runIf(available)('returns every field as it was written, newest first', async () => {
    const page = await store.requests({}, 100);
    expect(page.data.map((r) => r.requestId)).toEqual(TRAFFIC.map((r) => r.requestId).reverse());
    const { id, time, ...stored } = page.data.find((r) => r.requestId === 'b-1')!;
    const { time: written, requestBody, responseBody, gatewayHeaders, ...expected } = TRAFFIC[11]!;
    expect(time).toBe(new Date(written).toISOString());
    expect(stored).toEqual({ ...expected, gatewayHeaders: JSON.parse(gatewayHeaders) });
    expect(typeof id).toBe('number');
    expect(page.nextCursor).toBeNull();
  });

  it.runIf(available)('filters by key, user, session, provider, model, status and time range', async () => {
    const ids = async (filter: Parameters<RequestStore['requests']>[0]) =>
      (await store.requests(filter, 100)).data.map((r) => r.requestId).sort();
    expect(await ids({ key: 'team-b' })).toEqual(['b-0', 'b-1', 'b-2', 'b-3']);
    expect(await ids({ user: 'alice' })).toEqual(['a-0', 'a-1', 'a-2', 'a-3', 'a-4']);
    expect((await ids({ session: 's-1' })).length).toBe(10);
    expect((await ids({ provider: 'anthropic' })).length).toBe(4);
    expect(await ids({ model: 'gpt-4o', status: { exact: 500 } })).toEqual(['a-9']);
    expect(await ids({ status: { class: 4 } })).toEqual(['b-3']);
    expect(await ids({ from: T0 + HOUR, to: T0 + HOUR + 2000 })).toEqual(['b-0', 'b-1']);
    expect(await ids({ key: 'nobody' })).toEqual([]);
  });

  it.runIf(available)('pages with a cursor, without skipping or repeating a row', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await store.requests({}, 4, cursor);
      seen.push(...page.data.map((r) => r.requestId));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    expect(pages).toBe(4);
    expect(seen).toEqual(TRAFFIC.map((r) => r.requestId).reverse());
  });

  it.runIf(available)('sums usage by key, with nearest-rank p50/p95 latency and error rate', async () => {
    const rows = await store.usage({ from: T0, to: T0 + 3 * HOUR }, 'key');
    expect(rows).toEqual([
      {
        group: 'team-a',
        requests: 10,
        errors: 1,
        errorRate: 0.1,
        costUsd: expect.closeTo(0.1, 10),
        inputTokens: 1000,
        cachedInputTokens: 0,
        cacheWriteTokens: 0,
        outputTokens: 100,
        reasoningTokens: 0,
        p50LatencyMs: 50,
        p95LatencyMs: 100,
      },
      {
        group: 'team-b',
        requests: 4,
        errors: 1,
        errorRate: 0.25,
        costUsd: 2,
        inputTokens: 4000,
        cachedInputTokens: 1600,
        cacheWriteTokens: 0,
        outputTokens: 400,
        reasoningTokens: 80,
        p50LatencyMs: 400,
        p95LatencyMs: 800,
      },
      expect.objectContaining({ group: null, requests: 1, costUsd: 0, inputTokens: 0 }),
    ]);
  });

  it.runIf(available)('groups per hour and per day, by model, user or provider', async () => {
    const hourly = await store.usage({ from: T0 - HOUR, to: T0 + 3 * HOUR }, undefined, 'hour');
    expect(hourly.map((r) => [r.bucket, r.requests])).toEqual([
      ['2026-01-01T10:00:00.000Z', 10],
      ['2026-01-01T11:00:00.000Z', 4],
      ['2026-01-01T12:00:00.000Z', 1],
    ]);
    const daily = await store.usage({}, 'model', 'day');
    expect(daily.map((r) => [r.bucket, r.group, r.requests])).toEqual([
      ['2026-01-01T00:00:00.000Z', 'gpt-4o', 11],
      ['2026-01-01T00:00:00.000Z', 'claude-sonnet-4-5', 4],
    ]);
    const byUser = await store.usage({ key: 'team-a' }, 'user');
    expect(byUser.map((r) => [r.group, r.requests, r.p50LatencyMs])).toEqual([
      ['alice', 5, 30],
      ['bob', 5, 80],
    ]);
    const byProvider = await store.usage({ from: T0 + HOUR }, 'provider');
    expect(byProvider.map((r) => [r.group, r.requests])).toEqual([
      ['anthropic', 4],
      ['openai', 1],
    ]);
  });

  it.runIf(available)('deletes requests older than the retention', async () => {
    expect(await store.deleteBefore(T0 + 2 * HOUR)).toBe(14);
    expect((await store.requests({}, 100)).data.map((r) => r.requestId)).toEqual(['anon']);
  });
});

describe('request store indexes on sqlite', () => {
  it('index key, user and session only on rows that have one, and filters on them use those indexes', async () => {
    const db = await openSqlite(mkdtempSync(join(tmpdir(), 'switchyard-store-')));
    const store = new RequestStore('sqlite', db);
    try {
      await store.migrate();
      await store.insert(TRAFFIC);
      const indexes = await db.all("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL", []);
      const sqlOf = (name: string) => String(indexes.find((i) => String(i.name).endsWith(name))?.sql);
      expect(sqlOf('_key_time')).toMatch(/WHERE key_name IS NOT NULL$/);
      expect(sqlOf('_user_time')).toMatch(/WHERE user_id IS NOT NULL$/);
      expect(sqlOf('_session_time')).toMatch(/WHERE session_id IS NOT NULL$/);
      for (const [column, index] of [
        ['key_name', '_key_time'],
        ['user_id', '_user_time'],
        ['session_id', '_session_time'],
      ]) {
        const plan = await db.all(
          `EXPLAIN QUERY PLAN SELECT id FROM switchyard_requests WHERE ${column} = $1 ORDER BY time_ms DESC LIMIT 10`,
          ['team-a'],
        );
        expect(plan.map((row) => String(row.detail)).join(' ')).toContain(`switchyard_requests${index}`);
      }
      expect((await store.requests({ user: 'alice' }, 100)).data).toHaveLength(5);
    } finally {
      await store.close();
    }
  });
});

describe('switchToWal', () => {
  /**
   * A new file another connection holds locked, and a second connection without a busy timeout:
   * as when SQLite skips its busy handler, every try fails at once while the lock is held.
   */
  async function lockedFile() {
    const { DatabaseSync } = await import('node:sqlite');
    const file = join(mkdtempSync(join(tmpdir(), 'switchyard-wal-')), 'switchyard.db');
    const holder = new DatabaseSync(file);
    holder.exec('CREATE TABLE t (a INTEGER); BEGIN EXCLUSIVE; INSERT INTO t VALUES (1);');
    return { holder, db: new DatabaseSync(file, { timeout: 0 }) };
  }

  it('waits for a lock another connection holds instead of failing at once (gateways starting together)', async () => {
    const { holder, db } = await lockedFile();
    expect(() => db.exec('PRAGMA journal_mode = WAL')).toThrow(/database is locked/);
    setTimeout(() => holder.exec('COMMIT'), 150);
    await switchToWal(db, 5000);
    expect(db.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
    holder.close();
    db.close();
  });

  it('gives up at its deadline with the lock error', async () => {
    const { holder, db } = await lockedFile();
    const started = Date.now();
    await expect(switchToWal(db, 100)).rejects.toThrow(/database is locked/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    holder.exec('COMMIT');
    holder.close();
    db.close();
  });
});
