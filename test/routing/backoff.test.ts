import { describe, expect, it } from 'vitest';
import { parseRetryAfterMs, retryDelayMs } from '../../src/routing/backoff.ts';
import { mulberry32 } from '../helpers/seeded-random.ts';

/** Sun, 06 Nov 1994 08:49:07 GMT: 30 s before the example date of RFC 9110. */
const NOW = Date.UTC(1994, 10, 6, 8, 49, 7);
const base = { baseMs: 100, capMs: 5000, now: () => NOW };

describe('retryDelayMs without Retry-After', () => {
  it('stays within [0, base × 2^attempt) and spreads over that range (full jitter)', () => {
    const random = mulberry32(11);
    for (const attempt of [0, 1, 2, 3]) {
      const ceiling = 100 * 2 ** attempt;
      const delays = Array.from({ length: 2000 }, () => retryDelayMs(attempt, undefined, { ...base, random }));
      expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...delays)).toBeLessThan(ceiling);
      // Full jitter uses the whole interval, not just its top.
      expect(Math.min(...delays)).toBeLessThan(ceiling * 0.05);
      expect(Math.max(...delays)).toBeGreaterThan(ceiling * 0.95);
    }
  });

  it('grows exponentially with the attempt', () => {
    const top = (attempt: number) => retryDelayMs(attempt, undefined, { ...base, random: () => 0.999_999 });
    expect(top(0)).toBeCloseTo(100, 2);
    expect(top(1)).toBeCloseTo(200, 2);
    expect(top(2)).toBeCloseTo(400, 2);
    expect(top(4)).toBeCloseTo(1600, 1);
    expect(retryDelayMs(3, undefined, { ...base, random: () => 0.5 })).toBe(400);
  });

  it('is capped at capMs, even for huge attempts', () => {
    const top = (attempt: number) => retryDelayMs(attempt, undefined, { ...base, random: () => 0.999_999 });
    expect(top(6)).toBeLessThan(5000);
    expect(top(6)).toBeGreaterThan(4999);
    expect(top(10_000)).toBeLessThan(5000);
    expect(retryDelayMs(50, undefined, { ...base, random: () => 0.5 })).toBe(2500);
  });

  it('treats a negative or non-finite attempt as the first retry', () => {
    expect(retryDelayMs(-3, undefined, { ...base, random: () => 0.5 })).toBe(50);
    expect(retryDelayMs(Number.NaN, undefined, { ...base, random: () => 0.5 })).toBe(50);
  });
});

describe('retryDelayMs with Retry-After', () => {
  const never = () => {
    throw new Error('random() must not be called when Retry-After decides');
  };

  it('uses delta-seconds', () => {
    expect(retryDelayMs(0, '2', { ...base, random: never })).toBe(2000);
    expect(retryDelayMs(5, ' 0 ', { ...base, random: never })).toBe(0);
  });

  it('uses an HTTP date (IMF-fixdate, RFC 850 and asctime forms)', () => {
    const options = { ...base, capMs: 60_000, random: never };
    expect(retryDelayMs(0, 'Sun, 06 Nov 1994 08:49:37 GMT', options)).toBe(30_000);
    expect(retryDelayMs(0, 'Sunday, 06-Nov-94 08:49:37 GMT', options)).toBe(30_000);
    expect(retryDelayMs(0, 'Sun Nov  6 08:49:37 1994', options)).toBe(30_000);
  });

  it('a date in the past means no wait', () => {
    expect(retryDelayMs(3, 'Sun, 06 Nov 1994 08:00:00 GMT', { ...base, random: never })).toBe(0);
  });

  it('is capped at capMs', () => {
    expect(retryDelayMs(0, '3600', { ...base, random: never })).toBe(5000);
    expect(retryDelayMs(0, 'Mon, 07 Nov 1994 08:49:37 GMT', { ...base, random: never })).toBe(5000);
  });

  it.each([
    ['empty', ''],
    ['fractional seconds', '1.5'],
    ['negative seconds', '-1'],
    ['words', 'soon'],
    ['a date without GMT', 'Sun, 06 Nov 1994 08:49:37'],
    ['an impossible day', 'Mon, 31 Apr 1995 08:49:37 GMT'],
    ['an impossible hour', 'Sun, 06 Nov 1994 24:49:37 GMT'],
    ['an ISO date', '1994-11-06T08:49:37Z'],
  ])('falls back to backoff on an invalid header (%s)', (_, header) => {
    expect(parseRetryAfterMs(header, NOW)).toBeUndefined();
    expect(retryDelayMs(2, header, { ...base, random: () => 0.5 })).toBe(200);
  });
});

describe('parseRetryAfterMs', () => {
  it('reads a two-digit RFC 850 year as at most 50 years ahead', () => {
    const now = Date.UTC(2025, 0, 1);
    expect(parseRetryAfterMs('Thursday, 01-Jan-75 00:00:00 GMT', now)).toBe(Date.UTC(2075, 0, 1) - now);
    // 2076 would be more than 50 years ahead: it is 1976, in the past.
    expect(parseRetryAfterMs('Thursday, 01-Jan-76 00:00:00 GMT', now)).toBe(0);
  });

  it('accepts any letter case and surrounding whitespace, and a leap second', () => {
    expect(parseRetryAfterMs('  sun, 06 NOV 1994 08:49:37 gmt ', NOW)).toBe(30_000);
    expect(parseRetryAfterMs('Sat, 31 Dec 2016 23:59:60 GMT', Date.UTC(2016, 11, 31, 23, 59, 0))).toBe(60_000);
  });

  it('is undefined without a header', () => {
    expect(parseRetryAfterMs(undefined, NOW)).toBeUndefined();
  });
});
