import { describe, expect, it } from 'vitest';
import { type HealthOptions, TargetHealth } from '../../src/routing/health.ts';
import type { Target } from '../../src/routing/strategies.ts';

const A: Target = { provider: 'openai', model: 'gpt-4o' };
const B: Target = { provider: 'azure', model: 'gpt-4o' };
const C: Target = { provider: 'groq', model: 'llama' };
const T0 = Date.UTC(2025, 5, 1, 12, 0, 0);

/** 3 failures within 60 s cool a target down for 30 s; the clock only moves when the test says. */
function healthAt(overrides: Partial<HealthOptions> = {}) {
  const clock = { now: T0 };
  const health = new TargetHealth({
    failuresToCoolDown: 3,
    windowMs: 60_000,
    coolDownMs: 30_000,
    now: () => clock.now,
    ...overrides,
  });
  const advance = (ms: number) => {
    clock.now += ms;
  };
  return { health, clock, advance };
}

const ids = (targets: readonly Target[]) => targets.map((target) => target.provider);

function failTimes(health: TargetHealth, target: Target, times: number) {
  for (let i = 0; i < times; i++) health.failure(target);
}

describe('TargetHealth', () => {
  it('a target with no history is healthy and arrange keeps the given order', () => {
    const { health } = healthAt();
    expect(health.state(A)).toBe('healthy');
    const candidates = [A, B, C];
    const arranged = health.arrange(candidates);
    expect(arranged).toEqual([A, B, C]);
    expect(arranged).not.toBe(candidates);
  });

  it('N failures within the window cool a target down; fewer do not', () => {
    const { health, advance } = healthAt();
    health.failure(A);
    advance(20_000);
    health.failure(A);
    expect(health.state(A)).toBe('healthy');
    advance(20_000);
    health.failure(A);
    expect(health.state(A)).toBe('cooling');
  });

  it('failures spread wider than the window do not cool it down (the window slides)', () => {
    const { health, advance } = healthAt();
    for (let i = 0; i < 10; i++) {
      health.failure(A);
      advance(30_000);
    }
    expect(health.state(A)).toBe('healthy');
    // The last two failures are 30 s apart; a third 10 s later makes three within 60 s.
    advance(-20_000);
    health.failure(A);
    expect(health.state(A)).toBe('cooling');
  });

  it('successes in between do not reset the count of failures in the window', () => {
    const { health } = healthAt();
    health.failure(A);
    health.success(A);
    health.failure(A);
    health.success(A);
    health.failure(A);
    expect(health.state(A)).toBe('cooling');
  });

  it('cooling targets go last but stay present, in their given order', () => {
    const { health } = healthAt();
    failTimes(health, A, 3);
    failTimes(health, C, 3);
    expect(ids(health.arrange([A, B, C]))).toEqual(['azure', 'openai', 'groq']);
    // When every candidate is cooling they are all still offered.
    expect(ids(health.arrange([C, A]))).toEqual(['groq', 'openai']);
  });

  it('after coolDownMs exactly one probe is let through; others see it cooling until it reports', () => {
    const { health, advance } = healthAt();
    failTimes(health, A, 3);
    advance(29_999);
    expect(health.state(A)).toBe('cooling');
    advance(1);
    expect(health.state(A)).toBe('probe');
    // state() only looks; arrange() hands the probe out.
    expect(health.state(A)).toBe('probe');
    expect(ids(health.arrange([A, B]))).toEqual(['openai', 'azure']);
    expect(health.state(A)).toBe('cooling');
    expect(ids(health.arrange([A, B]))).toEqual(['azure', 'openai']);
    advance(5_000);
    expect(ids(health.arrange([A, B]))).toEqual(['azure', 'openai']);
  });

  it('a probe success restores the target and forgets its failures', () => {
    const { health, advance } = healthAt();
    failTimes(health, A, 3);
    advance(30_000);
    health.arrange([A, B]);
    health.success(A);
    expect(health.state(A)).toBe('healthy');
    expect(ids(health.arrange([A, B]))).toEqual(['openai', 'azure']);
    // It takes a fresh run of failures to cool it again.
    failTimes(health, A, 2);
    expect(health.state(A)).toBe('healthy');
    health.failure(A);
    expect(health.state(A)).toBe('cooling');
  });

  it('a probe failure cools it down again for coolDownMs', () => {
    const { health, advance } = healthAt();
    failTimes(health, A, 3);
    advance(30_000);
    health.arrange([A]);
    health.failure(A);
    expect(health.state(A)).toBe('cooling');
    advance(29_999);
    expect(health.state(A)).toBe('cooling');
    advance(1);
    expect(health.state(A)).toBe('probe');
  });

  it('a probe that never reports back (its request was served elsewhere) is offered again after probeTimeoutMs', () => {
    const { health, advance } = healthAt({ probeTimeoutMs: 10_000 });
    failTimes(health, A, 3);
    advance(30_000);
    health.arrange([B, A]);
    advance(9_999);
    expect(health.state(A)).toBe('cooling');
    advance(1);
    expect(health.state(A)).toBe('probe');
  });

  it('reports from requests in flight during the cool-down neither end nor extend it', () => {
    const { health, advance } = healthAt();
    failTimes(health, A, 3);
    advance(10_000);
    health.success(A);
    expect(health.state(A)).toBe('cooling');
    health.failure(A);
    advance(20_000);
    expect(health.state(A)).toBe('probe');
  });

  it('Retry-After cools a target at once, for its own duration', () => {
    const { health, advance } = healthAt();
    health.failure(A, 5_000);
    expect(health.state(A)).toBe('cooling');
    advance(4_999);
    expect(health.state(A)).toBe('cooling');
    advance(1);
    expect(health.state(A)).toBe('probe');

    // Longer than coolDownMs too.
    health.failure(B, 120_000);
    advance(30_000);
    expect(health.state(B)).toBe('cooling');
    advance(90_000);
    expect(health.state(B)).toBe('probe');
  });

  it('a shorter Retry-After does not cut a running cool-down short; a longer one extends it', () => {
    const { health, advance } = healthAt();
    failTimes(health, A, 3);
    health.failure(A, 1_000);
    advance(1_000);
    expect(health.state(A)).toBe('cooling');
    health.failure(A, 60_000);
    advance(59_999);
    expect(health.state(A)).toBe('cooling');
    advance(1);
    expect(health.state(A)).toBe('probe');
  });

  it('snapshot shows state, cool-down end and recent counts, and forgets idle targets', () => {
    const { health, advance } = healthAt();
    health.success(B);
    health.success(B);
    health.failure(B);
    failTimes(health, A, 3);
    expect(health.snapshot()).toEqual([
      { provider: 'azure', model: 'gpt-4o', state: 'healthy', recentErrors: 1, recentRequests: 3 },
      {
        provider: 'openai',
        model: 'gpt-4o',
        state: 'cooling',
        coolingUntil: '2025-06-01T12:00:30.000Z',
        recentErrors: 3,
        recentRequests: 3,
      },
    ]);
    advance(30_000);
    expect(health.snapshot()[1]).toMatchObject({ state: 'probe', coolingUntil: '2025-06-01T12:00:30.000Z' });
    health.arrange([A]);
    health.success(A);
    advance(60_000);
    expect(health.snapshot()).toEqual([]);
  });

  it('recent counts cover about the last window and no more', () => {
    const { health, advance } = healthAt({ failuresToCoolDown: 100 });
    for (let second = 0; second < 120; second++) {
      health.failure(A);
      health.success(A);
      advance(1_000);
    }
    const [row] = health.snapshot();
    // One request and one error per second; the window is 60 s, counted in 6 s slices.
    expect(row?.recentRequests).toBeGreaterThanOrEqual(108);
    expect(row?.recentRequests).toBeLessThanOrEqual(120);
    expect(row?.recentErrors).toBe((row?.recentRequests ?? 0) / 2);
  });

  it('refuses nonsensical options', () => {
    expect(() => new TargetHealth({ failuresToCoolDown: 0, windowMs: 1, coolDownMs: 1 })).toThrow(RangeError);
    expect(() => new TargetHealth({ failuresToCoolDown: 1, windowMs: 0, coolDownMs: 1 })).toThrow(RangeError);
    expect(() => new TargetHealth({ failuresToCoolDown: 1, windowMs: 1, coolDownMs: -1 })).toThrow(RangeError);
  });
});
