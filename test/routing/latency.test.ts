import { describe, expect, it } from 'vitest';
import { LatencyTracker } from '../../src/routing/latency.ts';

const A = { provider: 'openai', model: 'gpt-4o' };
const B = { provider: 'azure', model: 'gpt-4o' };

describe('LatencyTracker', () => {
  it('has no estimate before the first sample, then takes the first sample as is', () => {
    const latency = new LatencyTracker();
    expect(latency.estimate(A)).toBeUndefined();
    latency.observe(A, 420);
    expect(latency.estimate(A)).toBe(420);
    expect(latency.estimate(B)).toBeUndefined();
  });

  it('by default follows a step change to within 10% in 10 samples, but not in 5', () => {
    const latency = new LatencyTracker();
    latency.observe(A, 1000);
    const after = (samples: number) => {
      for (let i = 0; i < samples; i++) latency.observe(A, 100);
      return latency.estimate(A) ?? Number.NaN;
    };
    expect(after(5)).toBeGreaterThan(190);
    expect(after(5)).toBeLessThanOrEqual(190);
  });

  it('halfLifeSamples: the old level keeps half its weight after that many samples', () => {
    const latency = new LatencyTracker({ halfLifeSamples: 4 });
    latency.observe(A, 0);
    for (let i = 0; i < 4; i++) latency.observe(A, 1000);
    expect(latency.estimate(A)).toBeCloseTo(500, 6);
  });

  it('damps a single outlier', () => {
    const latency = new LatencyTracker();
    for (let i = 0; i < 5; i++) latency.observe(A, 200);
    latency.observe(A, 5000);
    expect(latency.estimate(A)).toBeLessThan(1300);
  });

  it('ignores negative and non-finite samples', () => {
    const latency = new LatencyTracker();
    latency.observe(A, -5);
    latency.observe(A, Number.NaN);
    latency.observe(A, Number.POSITIVE_INFINITY);
    expect(latency.estimate(A)).toBeUndefined();
    latency.observe(A, 0);
    expect(latency.estimate(A)).toBe(0);
  });

  it('snapshot lists every measured target with its estimate and sample count', () => {
    const latency = new LatencyTracker();
    latency.observe(A, 100);
    latency.observe(A, 100);
    latency.observe(B, 300);
    expect(latency.snapshot()).toEqual([
      { provider: 'openai', model: 'gpt-4o', ttfbMs: 100, samples: 2 },
      { provider: 'azure', model: 'gpt-4o', ttfbMs: 300, samples: 1 },
    ]);
  });

  it('refuses a half-life that is not positive', () => {
    expect(() => new LatencyTracker({ halfLifeSamples: 0 })).toThrow(RangeError);
  });
});
