import { describe, expect, it } from 'vitest';
import { MemoryCounters } from '../../src/limits/memory-counters.ts';
import { type Admission, createRateLimiter, type LimitSettings } from '../../src/limits/rate-limiter.ts';

/** 12:00:48 UTC: 12 s left in the minute, 11 h 59 min 12 s (43 152 s) to midnight UTC. */
const T = Date.UTC(2025, 5, 1, 12, 0, 48);
const SECONDS_TO_MIDNIGHT = 43_152;

/** A limiter on a clock the test moves by hand. */
function limiterAt(settings: LimitSettings) {
  const clock = { now: T };
  const warnings: string[] = [];
  const limiter = createRateLimiter(settings, { onWarning: (message) => warnings.push(message), now: () => clock.now });
  return { limiter, clock, warnings };
}

function refused(admission: Admission) {
  if (admission.allowed) throw new Error(`expected a refusal, got ${JSON.stringify(admission)}`);
  return admission;
}

describe('in-memory rate limits', () => {
  it('admits exactly RPM requests in a minute, then refuses until the next minute', async () => {
    const { limiter, clock } = limiterAt({ requestsPerMinute: 3 });
    const admitted = [await limiter.admit('alice'), await limiter.admit('alice'), await limiter.admit('alice')];
    expect(admitted.map((a) => a.allowed)).toEqual([true, true, true]);
    expect(admitted.map((a) => a.headers['x-ratelimit-remaining-requests'])).toEqual(['2', '1', '0']);
    expect(admitted[0]?.headers).toEqual({
      'x-ratelimit-limit-requests': '3',
      'x-ratelimit-remaining-requests': '2',
      'x-ratelimit-reset-requests': '12s',
    });

    const refusal = refused(await limiter.admit('alice'));
    expect(refusal).toMatchObject({ limit: 'requests', retryAfterSeconds: 12 });
    expect(refusal.message).toBe('Rate limit reached: 3 requests per minute (RATE_LIMIT_RPM). Retry in 12 s.');
    expect(refusal.headers).toEqual({
      'x-ratelimit-limit-requests': '3',
      'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-reset-requests': '12s',
      'retry-after': '12',
    });

    // Part of a second left rounds up, never down to 0.
    clock.now = T + 11_500;
    expect(refused(await limiter.admit('alice')).retryAfterSeconds).toBe(1);

    clock.now = T + 12_000; // 12:01:00, a new window
    const fresh = await limiter.admit('alice');
    expect(fresh).toEqual({
      allowed: true,
      headers: {
        'x-ratelimit-limit-requests': '3',
        'x-ratelimit-remaining-requests': '2',
        'x-ratelimit-reset-requests': '60s',
      },
    });
  });

  it('does not let refused requests take a slot', async () => {
    const { limiter, clock } = limiterAt({ requestsPerMinute: 5, tokensPerMinute: 100 });
    await limiter.admit('alice');
    await limiter.record('alice', 100, null);
    for (let i = 0; i < 10; i++) expect(refused(await limiter.admit('alice')).limit).toBe('tokens');
    clock.now = T + 12_000;
    const next = await limiter.admit('alice');
    expect(next.allowed).toBe(true);
    expect(next.headers['x-ratelimit-remaining-requests']).toBe('4');
  });

  it('refuses once the tokens recorded this minute reach TPM', async () => {
    const { limiter, clock } = limiterAt({ tokensPerMinute: 1000 });
    expect(await limiter.admit('alice')).toEqual({
      allowed: true,
      headers: {
        'x-ratelimit-limit-tokens': '1000',
        'x-ratelimit-remaining-tokens': '1000',
        'x-ratelimit-reset-tokens': '12s',
      },
    });
    await limiter.record('alice', 600, 0.01);
    expect((await limiter.admit('alice')).headers['x-ratelimit-remaining-tokens']).toBe('400');
    await limiter.record('alice', 400, 0.01);

    const refusal = refused(await limiter.admit('alice'));
    expect(refusal).toMatchObject({ limit: 'tokens', retryAfterSeconds: 12 });
    expect(refusal.message).toBe('Rate limit reached: 1000 tokens per minute (RATE_LIMIT_TPM). Retry in 12 s.');
    expect(refusal.headers).toMatchObject({ 'x-ratelimit-remaining-tokens': '0', 'retry-after': '12' });

    clock.now = T + 12_000;
    expect((await limiter.admit('alice')).headers['x-ratelimit-remaining-tokens']).toBe('1000');
  });

  it('refuses once the spend recorded today reaches the budget, until midnight UTC', async () => {
    const { limiter, clock } = limiterAt({ dailyBudgetUsd: 1 });
    expect(await limiter.admit('alice')).toEqual({
      allowed: true,
      headers: { 'x-ratelimit-limit-budget-usd': '1', 'x-ratelimit-remaining-budget-usd': '1' },
    });
    await limiter.record('alice', 5000, 0.6);
    expect((await limiter.admit('alice')).headers['x-ratelimit-remaining-budget-usd']).toBe('0.4');
    await limiter.record('alice', 5000, 0.4);

    const refusal = refused(await limiter.admit('alice'));
    expect(refusal).toMatchObject({ limit: 'budget', retryAfterSeconds: SECONDS_TO_MIDNIGHT });
    expect(refusal.message).toBe(
      `Daily budget reached: 1 USD per UTC day (BUDGET_USD_DAILY). Retry in ${SECONDS_TO_MIDNIGHT} s, after midnight UTC.`,
    );
    expect(refusal.headers).toEqual({
      'x-ratelimit-limit-budget-usd': '1',
      'x-ratelimit-remaining-budget-usd': '0',
      'retry-after': String(SECONDS_TO_MIDNIGHT),
    });

    clock.now = Date.UTC(2025, 5, 1, 23, 59, 59, 500);
    expect(refused(await limiter.admit('alice')).retryAfterSeconds).toBe(1);
    clock.now = Date.UTC(2025, 5, 2); // midnight UTC: a new day
    expect(await limiter.admit('alice')).toMatchObject({
      allowed: true,
      headers: { 'x-ratelimit-remaining-budget-usd': '1' },
    });
  });

  it('adds nothing for an unknown cost', async () => {
    const { limiter } = limiterAt({ dailyBudgetUsd: 0.5 });
    for (let i = 0; i < 10; i++) await limiter.record('alice', 1_000_000, null);
    expect(await limiter.admit('alice')).toMatchObject({
      allowed: true,
      headers: { 'x-ratelimit-remaining-budget-usd': '0.5' },
    });
  });

  it('names the longest-lasting limit when several are reached', async () => {
    const { limiter } = limiterAt({ requestsPerMinute: 1, tokensPerMinute: 10, dailyBudgetUsd: 1 });
    await limiter.admit('alice');
    await limiter.record('alice', 10, 1);
    const refusal = refused(await limiter.admit('alice'));
    expect(refusal.limit).toBe('budget');
    expect(Object.keys(refusal.headers).sort()).toEqual([
      'retry-after',
      'x-ratelimit-limit-budget-usd',
      'x-ratelimit-limit-requests',
      'x-ratelimit-limit-tokens',
      'x-ratelimit-remaining-budget-usd',
      'x-ratelimit-remaining-requests',
      'x-ratelimit-remaining-tokens',
      'x-ratelimit-reset-requests',
      'x-ratelimit-reset-tokens',
    ]);
  });

  it('counts each subject on its own', async () => {
    const { limiter } = limiterAt({ requestsPerMinute: 1, dailyBudgetUsd: 1 });
    expect((await limiter.admit('alice')).allowed).toBe(true);
    expect((await limiter.admit('alice')).allowed).toBe(false);
    expect((await limiter.admit('bob')).allowed).toBe(true);
    await limiter.record('carol', 0, 2);
    expect(refused(await limiter.admit('carol')).limit).toBe('budget');
    expect((await limiter.admit('192.0.2.7')).allowed).toBe(true);
  });

  it('with no limit set, always allows, with no headers and no per-call allocation', async () => {
    const { limiter } = limiterAt({});
    const first = limiter.admit('alice');
    // One cached promise of one frozen answer, whatever the subject.
    expect(limiter.admit('bob')).toBe(first);
    expect(await first).toEqual({ allowed: true, headers: {} });
    expect(Object.isFrozen(await first)).toBe(true);
    for (let i = 0; i < 1000; i++) await limiter.record('alice', 1_000_000, 1_000);
    expect(await limiter.admit('alice')).toEqual({ allowed: true, headers: {} });
    await limiter.close();
  });

  it('rejects limits that are not positive numbers', () => {
    const onWarning = () => undefined;
    expect(() => createRateLimiter({ requestsPerMinute: 0 }, { onWarning })).toThrow(RangeError);
    expect(() => createRateLimiter({ tokensPerMinute: 1.5 }, { onWarning })).toThrow(RangeError);
    expect(() => createRateLimiter({ dailyBudgetUsd: -1 }, { onWarning })).toThrow(RangeError);
    expect(() => createRateLimiter({ dailyBudgetUsd: Number.NaN }, { onWarning })).toThrow(RangeError);
  });
});

describe('MemoryCounters', () => {
  const query = (minute: number, day: number) => ({ minute, day, requestLimit: 10, tokenLimit: 100, budgetUsd: 1 });

  it('drops the counters of past windows', async () => {
    const counters = new MemoryCounters();
    for (const subject of ['a', 'b', 'c']) {
      await counters.admit(subject, query(100, 1));
      await counters.record(subject, { minute: 100, day: 1, tokens: 5, costUsd: 0.1 });
    }
    expect(counters.size).toBe(9);
    await counters.admit('a', query(101, 1));
    await counters.record('a', { minute: 101, day: 2, tokens: 5, costUsd: 0.1 });
    // Minute 100 and day 1 are gone: one request, one tokens and one spend counter remain.
    expect(counters.size).toBe(3);
    expect(await counters.admit('b', query(101, 2))).toEqual({ admitted: true, requests: 1, tokens: 0, spendUsd: 0 });
  });
});
