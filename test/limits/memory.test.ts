import { describe, expect, it } from 'vitest';
import { MemoryCounters } from '../../src/limits/memory-counters.ts';
import {
  type Admission,
  createRateLimiter,
  type Demand,
  type LimitSettings,
  partOf,
  type Subject,
  validateLimits,
} from '../../src/limits/rate-limiter.ts';

/** 12:00:48 UTC: 12 s left in the minute, 11 h 59 min 12 s (43 152 s) to midnight UTC. */
const T = Date.UTC(2025, 5, 1, 12, 0, 48);
const SECONDS_TO_MIDNIGHT = 43_152;
const NOTHING: Demand = { tokens: 0, costUsd: 0 };

const SETTINGS = {
  requests: 'RATE_LIMIT_RPM',
  tokens: 'RATE_LIMIT_TPM',
  budget: 'BUDGET_USD_DAILY',
  'monthly-budget': 'BUDGET_USD_MONTHLY',
} as const;

const subject = (id: string, limits: LimitSettings): Subject => ({ id, limits, settings: SETTINGS });

/** A limiter on a clock the test moves by hand, and one subject with the given limits. */
function limiterAt(limits: LimitSettings) {
  const clock = { now: T };
  const limiter = createRateLimiter(true, { onWarning: () => undefined, now: () => clock.now });
  const alice = [subject('alice', limits)];
  return { limiter, clock, alice, reserve: (demand = NOTHING) => limiter.reserve(alice, demand) };
}

function refused(admission: Admission) {
  if (admission.allowed) throw new Error(`expected a refusal, got ${JSON.stringify(admission)}`);
  return admission;
}

function allowed(admission: Admission) {
  if (!admission.allowed) throw new Error(`expected an admission, got ${JSON.stringify(admission)}`);
  return admission;
}

describe('in-memory limits', () => {
  it('admits exactly RPM requests in a minute, then refuses until the next minute', async () => {
    const { reserve, clock } = limiterAt({ requestsPerMinute: 3 });
    const admitted = [await reserve(), await reserve(), await reserve()];
    expect(admitted.map((a) => a.allowed)).toEqual([true, true, true]);
    expect(admitted.map((a) => a.headers['x-ratelimit-remaining-requests'])).toEqual(['2', '1', '0']);
    expect(admitted[0]?.headers).toEqual({
      'x-ratelimit-limit-requests': '3',
      'x-ratelimit-remaining-requests': '2',
      'x-ratelimit-reset-requests': '12s',
    });

    const refusal = refused(await reserve());
    expect(refusal).toMatchObject({ limit: 'requests', retryAfterSeconds: 12 });
    expect(refusal.message).toBe('Rate limit reached: 3 requests per minute (RATE_LIMIT_RPM). Retry in 12 s.');
    expect(refusal.headers).toEqual({
      'x-ratelimit-limit-requests': '3',
      'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-reset-requests': '12s',
      'retry-after': '12',
    });

    clock.now = T + 11_500; // part of a second left rounds up, never down to 0
    expect(refused(await reserve()).retryAfterSeconds).toBe(1);
    clock.now = T + 12_000; // 12:01:00, a new window
    expect((await reserve()).headers['x-ratelimit-remaining-requests']).toBe('2');
  });

  it('reserves the worst-case tokens before the call and settles them to the real count', async () => {
    const { reserve, limiter, clock } = limiterAt({ tokensPerMinute: 1000 });
    const first = allowed(await reserve({ tokens: 600, costUsd: 0 }));
    expect(first.headers['x-ratelimit-remaining-tokens']).toBe('400');
    // 600 are held: a second 600 does not fit while the first runs.
    const second = refused(await reserve({ tokens: 600, costUsd: 0 }));
    expect(second).toMatchObject({ limit: 'tokens', retryAfterSeconds: 12 });
    expect(second.message).toContain('1000 tokens per minute (RATE_LIMIT_TPM)');
    await limiter.settle(first.reservation!, { tokens: 100, costUsd: 0 });
    expect(allowed(await reserve({ tokens: 600, costUsd: 0 })).headers['x-ratelimit-remaining-tokens']).toBe('300');
    clock.now = T + 12_000;
    expect((await reserve()).headers['x-ratelimit-remaining-tokens']).toBe('1000');
  });

  it('does not let refused requests take a request slot', async () => {
    const { reserve, clock } = limiterAt({ requestsPerMinute: 5, tokensPerMinute: 100 });
    allowed(await reserve({ tokens: 100, costUsd: 0 }));
    for (let i = 0; i < 10; i++) expect(refused(await reserve({ tokens: 1, costUsd: 0 })).limit).toBe('tokens');
    clock.now = T + 12_000;
    expect(allowed(await reserve()).headers['x-ratelimit-remaining-requests']).toBe('4');
  });

  it('N concurrent reservations never commit more than the budget', async () => {
    const { reserve } = limiterAt({ dailyBudgetUsd: 0.1 });
    const answers = await Promise.all(Array.from({ length: 50 }, () => reserve({ tokens: 0, costUsd: 0.06 })));
    expect(answers.filter((a) => a.allowed)).toHaveLength(1);
    const refusal = refused(answers.find((a) => !a.allowed)!);
    expect(refusal).toMatchObject({ limit: 'budget', retryAfterSeconds: SECONDS_TO_MIDNIGHT });
    expect(refusal.message).toBe(
      `Daily budget reached: 0.1 USD per UTC day (BUDGET_USD_DAILY); this request may cost up to 0.06 USD. Retry in ${SECONDS_TO_MIDNIGHT} s, after midnight UTC.`,
    );
    expect(refusal.headers).toEqual({
      'x-ratelimit-limit-budget-usd': '0.1',
      'x-ratelimit-remaining-budget-usd': '0.04',
      'retry-after': String(SECONDS_TO_MIDNIGHT),
    });
  });

  it('settles spend to the real cost, releases a failed call, and resets at midnight UTC', async () => {
    const { reserve, limiter, clock } = limiterAt({ dailyBudgetUsd: 1 });
    const a = allowed(await reserve({ tokens: 0, costUsd: 0.6 }));
    expect(a.headers['x-ratelimit-remaining-budget-usd']).toBe('0.4');
    await limiter.settle(a.reservation!, { tokens: 0, costUsd: 0.25 });
    const b = allowed(await reserve({ tokens: 0, costUsd: 0.6 }));
    expect(b.headers['x-ratelimit-remaining-budget-usd']).toBe('0.15');
    await limiter.settle(b.reservation!, NOTHING); // failed: released
    expect(allowed(await reserve()).headers['x-ratelimit-remaining-budget-usd']).toBe('0.75');
    clock.now = Date.UTC(2025, 5, 2); // midnight UTC: a new day
    expect(allowed(await reserve()).headers['x-ratelimit-remaining-budget-usd']).toBe('1');
  });

  it('admits a request larger than the whole budget only when nothing else is spent', async () => {
    const { reserve, limiter } = limiterAt({ dailyBudgetUsd: 1 });
    const big = allowed(await reserve({ tokens: 0, costUsd: 5 }));
    expect(refused(await reserve({ tokens: 0, costUsd: 0.01 })).limit).toBe('budget');
    await limiter.settle(big.reservation!, { tokens: 0, costUsd: 0.5 });
    expect(refused(await reserve({ tokens: 0, costUsd: 5 })).limit).toBe('budget');
    allowed(await reserve({ tokens: 0, costUsd: 0.5 }));
  });

  it('counts the UTC month for BUDGET_USD_MONTHLY, and names it with its reset', async () => {
    const { reserve, clock } = limiterAt({ monthlyBudgetUsd: 2, dailyBudgetUsd: 1.5 });
    allowed(await reserve({ tokens: 0, costUsd: 1.5 }));
    clock.now = Date.UTC(2025, 5, 2, 12); // next day: the daily budget is fresh, the month is not
    const refusal = refused(await reserve({ tokens: 0, costUsd: 1 }));
    expect(refusal.limit).toBe('monthly-budget');
    expect(refusal.retryAfterSeconds).toBe((Date.UTC(2025, 6, 1) - clock.now) / 1000);
    expect(refusal.message).toContain('2 USD per UTC month (BUDGET_USD_MONTHLY)');
    expect(refusal.headers['x-ratelimit-remaining-budget-usd-monthly']).toBe('0.5');
    clock.now = Date.UTC(2025, 6, 1);
    allowed(await reserve({ tokens: 0, costUsd: 1 }));
  });

  it('reserves against every subject at once, or against none', async () => {
    const clock = { now: T };
    const limiter = createRateLimiter(true, { onWarning: () => undefined, now: () => clock.now });
    const key = subject('team', { requestsPerMinute: 10 });
    const user = (id: string): Subject => ({
      id: `user:${id}`,
      limits: { dailyBudgetUsd: 1 },
      settings: { budget: 'BUDGET_USD_DAILY_PER_USER' },
    });
    allowed(await limiter.reserve([key, user('ann')], { tokens: 0, costUsd: 0.8 }));
    const refusal = refused(await limiter.reserve([key, user('ann')], { tokens: 0, costUsd: 0.8 }));
    expect(refusal.message).toContain('(BUDGET_USD_DAILY_PER_USER)');
    // The refused request took no request slot of the key; another user of the key still fits.
    const bob = allowed(await limiter.reserve([key, user('bob')], { tokens: 0, costUsd: 0.8 }));
    expect(bob.headers['x-ratelimit-remaining-requests']).toBe('8');
    expect(await limiter.state(key)).toEqual([
      { kind: 'requests', limit: 10, used: 2, remaining: 8, resetsInSeconds: 12 },
    ]);
  });

  it('with no limit anywhere, always allows, with no headers and no per-call allocation', async () => {
    const limiter = createRateLimiter(false, { onWarning: () => undefined });
    const first = limiter.reserve([subject('alice', {})], NOTHING);
    expect(limiter.reserve([subject('bob', {})], NOTHING)).toBe(first);
    expect(await first).toEqual({ allowed: true, headers: {}, reservation: undefined });
    expect(Object.isFrozen(await first)).toBe(true);
    await limiter.close();
  });

  it('rejects limits that are not positive numbers', () => {
    expect(() => validateLimits({ requestsPerMinute: 0 })).toThrow(RangeError);
    expect(() => validateLimits({ tokensPerMinute: 1.5 })).toThrow(RangeError);
    expect(() => validateLimits({ dailyBudgetUsd: -1 })).toThrow(RangeError);
    expect(() => validateLimits({ monthlyBudgetUsd: Number.NaN }, { monthlyBudgetUsd: 'x' })).toThrow(/^x must/);
  });
});

// What every store must do is in counter-store.contract.test.ts; this is the memory store's own.
describe('MemoryCounters', () => {
  it('drops expired counters, so memory stays bounded', async () => {
    const counters = new MemoryCounters();
    for (const key of ['a', 'b', 'c']) await counters.reserve([{ key, limit: 10, amount: 1, ttlMs: 1000 }], 0);
    expect(counters.size).toBe(3);
    await counters.reserve([{ key: 'd', limit: 10, amount: 1, ttlMs: 1000 }], 5000);
    expect(counters.size).toBe(1);
    expect(await counters.read(['a', 'd'], 5000)).toEqual([0, 1]);
  });
});

describe('WORKERS without Redis: each worker enforces its part of a limit', () => {
  const limiterOf = (limits: LimitSettings, workers: number) => {
    const limiter = createRateLimiter(true, { onWarning: () => undefined, now: () => T, workers });
    return { limiter, alice: [subject('alice', limits)] };
  };

  it('whole requests and tokens (at least one), a plain fraction of a budget', () => {
    expect([partOf('requests', 4, 2), partOf('requests', 5, 2), partOf('requests', 1, 4)]).toEqual([2, 2, 1]);
    expect([partOf('tokens', 1000, 3), partOf('budget', 1, 4), partOf('monthly-budget', 10, 1)]).toEqual([
      333, 0.25, 10,
    ]);
  });

  it('admits its part, says so in the headers, the refusal and the limit state', async () => {
    const { limiter, alice } = limiterOf({ requestsPerMinute: 4, dailyBudgetUsd: 1 }, 2);
    const first = allowed(await limiter.reserve(alice, { tokens: 0, costUsd: 0.1 }));
    expect(first.headers).toMatchObject({ 'x-ratelimit-limit-requests': '2', 'x-ratelimit-limit-budget-usd': '0.5' });
    allowed(await limiter.reserve(alice, NOTHING));
    const refusal = refused(await limiter.reserve(alice, NOTHING));
    expect(refusal.message).toBe(
      "Rate limit reached: 2 requests per minute (RATE_LIMIT_RPM: this worker's part of 4 shared by 2 workers). Retry in 12 s.",
    );
    expect(await limiter.state(alice[0] as Subject)).toEqual([
      { kind: 'requests', limit: 2, used: 2, remaining: 0, resetsInSeconds: 12 },
      { kind: 'budget', limit: 0.5, used: 0.1, remaining: 0.4, resetsInSeconds: SECONDS_TO_MIDNIGHT },
    ]);
  });

  it('with REDIS_URL the count is shared: the whole limit applies', async () => {
    const limiter = createRateLimiter(true, {
      onWarning: () => undefined,
      now: () => T,
      workers: 2,
      // Never reached: the limiter falls back to local counting, with the whole limit.
      redisUrl: 'redis://127.0.0.1:1',
    });
    try {
      const admission = allowed(await limiter.reserve([subject('alice', { requestsPerMinute: 4 })], NOTHING));
      expect(admission.headers['x-ratelimit-limit-requests']).toBe('4');
    } finally {
      await limiter.close();
    }
  });
});
