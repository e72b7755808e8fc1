import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Admission,
  createRateLimiter,
  type Demand,
  type LimitSettings,
  type RateLimiter,
} from '../../src/limits/rate-limiter.ts';

import { freePort, HAS_REDIS, REDIS_SERVER, RedisServer } from '../helpers/redis-server.ts';

if (!HAS_REDIS) console.warn(`Skipping the Redis rate-limit tests: ${REDIS_SERVER} is missing.`);

const PASSWORD = 'limits-test-secret';
/** Windows come from this fixed instant, so no test straddles a minute; timeouts use real time. */
const T = Date.UTC(2025, 5, 1, 12, 0, 30);
const MINUTE = Math.floor(T / 60_000);

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

const NOTHING: Demand = { tokens: 0, costUsd: 0 };
const SETTINGS = { requests: 'RATE_LIMIT_RPM', tokens: 'RATE_LIMIT_TPM', budget: 'BUDGET_USD_DAILY' } as const;

interface Warning {
  message: string;
  detail?: object;
}

describe.skipIf(!HAS_REDIS)('rate limits shared through Redis (needs /usr/bin/redis-server)', () => {
  let server: RedisServer;
  let inspector: Redis;
  const limiters: RateLimiter[] = [];

  /** A limiter as one replica of the gateway would create it. */
  function replica(settings: LimitSettings, warnings: Warning[] = []) {
    const limiter = createRateLimiter(true, {
      redisUrl: `redis://:${PASSWORD}@127.0.0.1:${server.port}`,
      onWarning: (message, detail) => warnings.push({ message, detail }),
      now: () => T,
    });
    limiters.push(limiter);
    return {
      limiter,
      reserve: (id: string, demand = NOTHING) =>
        limiter.reserve([{ id, limits: settings, settings: SETTINGS }], demand),
    };
  }

  beforeAll(async () => {
    server = new RedisServer(await freePort(), PASSWORD);
    await server.start();
    inspector = new Redis({
      port: server.port,
      host: '127.0.0.1',
      password: PASSWORD,
      lazyConnect: true,
      maxRetriesPerRequest: 1,
    });
    inspector.on('error', () => undefined);
  });

  afterAll(async () => {
    await Promise.all(limiters.map((limiter) => limiter.close()));
    inspector?.disconnect();
    await server?.stop();
  });

  it('two replicas admit together exactly the limit under concurrent calls', async () => {
    const warnings: Warning[] = [];
    const replicas = [replica({ requestsPerMinute: 10 }, warnings), replica({ requestsPerMinute: 10 }, warnings)];
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => replicas[i % 2]!.reserve('shared')));
    const allowed = answers.filter((a): a is Extract<Admission, { allowed: true }> => a.allowed);
    expect(allowed).toHaveLength(10);
    // Each slot was handed out once: the remaining counts are 9, 8, …, 0, each exactly once.
    expect(allowed.map((a) => Number(a.headers['x-ratelimit-remaining-requests'])).sort((a, b) => a - b)).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
    ]);
    expect(answers.filter((a) => !a.allowed).every((a) => !a.allowed && a.limit === 'requests')).toBe(true);
    expect(await inspector.get(`switchyard:{shared}:requests:${MINUTE}`)).toBe('10');
    expect(warnings).toEqual([]);
  });

  it('two replicas reserve concurrently within the budget and TPM, and settle in one script', async () => {
    const settings = { tokensPerMinute: 1000, dailyBudgetUsd: 0.1 };
    const [a, b] = [replica(settings), replica(settings)];
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => [a, b][i % 2]!.reserve('concurrent', { tokens: 300, costUsd: 0.03 })),
    );
    const admitted = answers.filter((x): x is Extract<Admission, { allowed: true }> => x.allowed);
    // 3 × $0.03 fits $0.10 (and 3 × 300 fits 1000 tokens); a fourth fits neither.
    expect(admitted).toHaveLength(3);
    const spendKey = 'switchyard:{concurrent}:spend:2025-06-01';
    const tokensKey = `switchyard:{concurrent}:tokens:${MINUTE}`;
    expect(Number(await inspector.get(spendKey))).toBeCloseTo(0.09, 10);
    expect(await inspector.get(tokensKey)).toBe('900');
    // Settled: one to its real cost, one released (failed), one unknown-cost success kept whole.
    await a.limiter.settle(admitted[0]!.reservation!, { tokens: 100, costUsd: 0.01 });
    await b.limiter.settle(admitted[1]!.reservation!, NOTHING);
    expect(Number(await inspector.get(spendKey))).toBeCloseTo(0.04, 10);
    expect(await inspector.get(tokensKey)).toBe('400');
    expect((await b.reserve('concurrent')).headers['x-ratelimit-remaining-budget-usd']).toBe('0.06');

    const tokensTtl = await inspector.pttl(tokensKey);
    const spendTtl = await inspector.pttl(spendKey);
    expect(tokensTtl).toBeGreaterThan(60_000);
    expect(tokensTtl).toBeLessThanOrEqual(120_000);
    expect(spendTtl).toBeGreaterThan(86_400_000);
    expect(spendTtl).toBeLessThanOrEqual(172_800_000);
  });

  describe('outage', () => {
    const warnings: Warning[] = [];
    let reserve: ReturnType<typeof replica>['reserve'];

    beforeAll(() => {
      ({ reserve } = replica({ requestsPerMinute: 3, tokensPerMinute: 1_000_000 }, warnings));
    });

    it('counts locally while Redis is down, warning once and answering at once', async () => {
      expect((await reserve('outage')).allowed).toBe(true); // counted in Redis
      await server.stop();

      const answers: Admission[] = [];
      for (let i = 0; i < 4; i++) {
        const { value, ms } = await timed(() => reserve('outage'));
        answers.push(value);
        expect(ms).toBeLessThan(400);
      }
      // Local counters start empty: three more requests fit this minute, the fourth does not.
      expect(answers.map((a) => a.allowed)).toEqual([true, true, true, false]);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatchObject({
        message: 'Redis unreachable: counting locally',
        detail: { redis: `redis://127.0.0.1:${server.port}` },
      });
      expect(JSON.stringify(warnings)).not.toContain(PASSWORD);
    });

    it('goes back to Redis once it answers again, and says so', async () => {
      await server.start();
      await until(() => warnings.length === 2, 5_000, 'the recovery warning');
      expect(warnings[1]).toMatchObject({ message: 'Redis reachable again: counting in Redis' });

      // Counted in the restarted Redis (whose script cache is empty: EVALSHA falls back to EVAL).
      expect((await reserve('after-outage')).allowed).toBe(true);
      expect(await inspector.get(`switchyard:{after-outage}:requests:${MINUTE}`)).toBe('1');
      expect(warnings).toHaveLength(2);
      expect(JSON.stringify(warnings)).not.toContain(PASSWORD);
    });

    it('bounds the wait on a frozen server, then probes it back', async () => {
      server.freeze();
      try {
        const first = await timed(() => reserve('frozen'));
        expect(first.value.allowed).toBe(true);
        expect(first.ms).toBeGreaterThanOrEqual(200);
        expect(first.ms).toBeLessThan(450);
        expect(warnings).toHaveLength(3);
        expect(warnings[2]).toMatchObject({ message: 'Redis unreachable: counting locally' });
        expect(JSON.stringify(warnings[2])).toContain('did not answer within 250 ms');

        // Counting locally now: no more waiting on the frozen server (but for one probe a second).
        const next = await timed(() => reserve('frozen'));
        expect(next.ms).toBeLessThan(100);
      } finally {
        server.thaw();
      }
      const deadline = Date.now() + 5_000;
      while (warnings.length < 4 && Date.now() < deadline) {
        await reserve('thawed');
        await sleep(100);
      }
      expect(warnings[3]).toMatchObject({ message: 'Redis reachable again: counting in Redis' });
      expect(warnings).toHaveLength(4);
    });
  });
});
