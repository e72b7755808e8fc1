import { describe, expect, it } from 'vitest';
import { createRateLimiter } from '../../src/limits/rate-limiter.ts';
import { withoutCredentials } from '../../src/limits/redis-counters.ts';
import { freePort } from '../helpers/ports.ts';

describe('Redis never reachable', () => {
  it('counts locally from the first request, warns once, and never shows the password', async () => {
    const port = await freePort();
    const warnings: { message: string; detail?: object }[] = [];
    const limiter = createRateLimiter(true, {
      redisUrl: `redis://switchyard:hunter2-secret@127.0.0.1:${port}/0`,
      onWarning: (message, detail) => warnings.push({ message, detail }),
      now: () => Date.UTC(2025, 5, 1, 12, 0, 0),
    });
    try {
      const started = performance.now();
      const limits = { requestsPerMinute: 2, dailyBudgetUsd: 1 };
      const reserve = (id: string) => limiter.reserve([{ id, limits, settings: {} }], { tokens: 10, costUsd: 0.5 });
      const answers = [await reserve('alice'), await reserve('alice'), await reserve('alice')];
      // The first call waits for the first connection attempt (refused at once), the rest go local directly.
      expect(performance.now() - started).toBeLessThan(1_000);
      expect(answers.map((a) => a.allowed)).toEqual([true, true, false]);
      expect((await reserve('bob')).headers['x-ratelimit-remaining-budget-usd']).toBe('0.5');

      expect(warnings).toHaveLength(1);
      expect(warnings[0]?.message).toBe('Redis unreachable: counting locally');
      expect(warnings[0]?.detail).toMatchObject({ redis: `redis://127.0.0.1:${port}/0` });
      expect(JSON.stringify(warnings)).not.toContain('hunter2');
    } finally {
      await limiter.close();
    }
  });
});

describe('withoutCredentials', () => {
  it('strips user name and password from a Redis URL', () => {
    expect(withoutCredentials('redis://user:p%40ss@cache.internal:6380/2')).toBe('redis://cache.internal:6380/2');
    expect(withoutCredentials('rediss://:secret@cache.internal')).toBe('rediss://cache.internal');
    expect(withoutCredentials('not a url :secret@')).toBe('(unparseable Redis URL)');
  });
});
