import { describe, expect, it } from 'vitest';
import { LatencyTracker } from '../../src/routing/latency.ts';
import {
  createStrategy,
  type PriceCatalog,
  type RequestEstimate,
  STRATEGY_NAMES,
  type StrategyOptions,
  type Target,
} from '../../src/routing/strategies.ts';
import { mulberry32 } from '../helpers/seeded-random.ts';

const ESTIMATE: RequestEstimate = { inputTokens: 1000, outputTokens: 500 };
const NO_PRICES: PriceCatalog = { find: () => undefined };

function t(spec: string): Target {
  const cut = spec.indexOf('/');
  return { provider: spec.slice(0, cut), model: spec.slice(cut + 1) };
}
const targets = (...specs: string[]) => specs.map(t);
const names = (list: readonly Target[]) => list.map((target) => `${target.provider}/${target.model}`);

function options(overrides: Partial<StrategyOptions> = {}): StrategyOptions {
  return { catalog: NO_PRICES, latency: new LatencyTracker(), random: mulberry32(1), ...overrides };
}

describe('every strategy', () => {
  it.each(STRATEGY_NAMES)(
    '%s returns a new array with each candidate exactly once, leaving the input alone',
    (name) => {
      const random = mulberry32(7);
      const latency = new LatencyTracker();
      const strategy = createStrategy(name, {
        priority: ['c', 'a'],
        weights: new Map([['b', 5]]),
        catalog: {
          find: (provider) =>
            provider === 'd' ? undefined : { pricing: { input: provider.charCodeAt(0), output: 1 } },
        },
        latency,
        explorationRate: 0.5,
        random,
      });
      const pool = targets('a/m1', 'b/m1', 'c/m1', 'd/m1', 'a/m2', 'e/m1');
      for (let round = 0; round < 200; round++) {
        const size = Math.floor(random() * (pool.length + 1));
        const candidates = Object.freeze(pool.slice(0, size));
        if (round % 3 === 0 && size > 0)
          latency.observe(candidates[Math.floor(random() * size)] as Target, random() * 500);
        const ordered = strategy.order(candidates, ESTIMATE);
        expect(ordered).not.toBe(candidates);
        expect(new Set(ordered).size).toBe(candidates.length);
        expect([...ordered].sort(byName)).toEqual([...candidates].sort(byName));
      }
    },
  );

  it('an unknown name (from an untyped caller) is refused', () => {
    expect(() => createStrategy('fastest' as never, options())).toThrow(/Unknown routing strategy 'fastest'/);
  });
});

function byName(a: Target, b: Target): number {
  return `${a.provider}/${a.model}`.localeCompare(`${b.provider}/${b.model}`);
}

describe('priority', () => {
  it('keeps the given (registry) order without PROVIDER_PRIORITY', () => {
    const strategy = createStrategy('priority', options());
    expect(names(strategy.order(targets('openai/gpt-4o', 'azure/gpt-4o', 'groq/llama'), ESTIMATE))).toEqual([
      'openai/gpt-4o',
      'azure/gpt-4o',
      'groq/llama',
    ]);
  });

  it('puts listed providers first in PROVIDER_PRIORITY order, the rest after in their given order', () => {
    const strategy = createStrategy('priority', options({ priority: ['groq', 'azure'] }));
    const ordered = strategy.order(targets('openai/a', 'mistral/a', 'azure/a', 'together/a', 'groq/a'), ESTIMATE);
    expect(names(ordered)).toEqual(['groq/a', 'azure/a', 'openai/a', 'mistral/a', 'together/a']);
  });

  it('is stable: targets of the same provider keep their given order', () => {
    const strategy = createStrategy('priority', options({ priority: ['groq'] }));
    expect(names(strategy.order(targets('openai/x', 'groq/b', 'openai/y', 'groq/a'), ESTIMATE))).toEqual([
      'groq/b',
      'groq/a',
      'openai/x',
      'openai/y',
    ]);
  });
});

describe('round-robin', () => {
  it('starts each request one further along, the rest following in cyclic order', () => {
    const strategy = createStrategy('round-robin', options());
    const orders = Array.from({ length: 4 }, () => names(strategy.order(targets('a/m', 'b/m', 'c/m'), ESTIMATE)));
    expect(orders).toEqual([
      ['a/m', 'b/m', 'c/m'],
      ['b/m', 'c/m', 'a/m'],
      ['c/m', 'a/m', 'b/m'],
      ['a/m', 'b/m', 'c/m'],
    ]);
  });

  it('keeps a separate counter per candidate set, keyed by content rather than object identity', () => {
    const strategy = createStrategy('round-robin', options());
    const first = (...specs: string[]) => names(strategy.order(targets(...specs), ESTIMATE))[0];
    expect(first('a/m', 'b/m')).toBe('a/m');
    expect(first('a/x', 'b/x', 'c/x')).toBe('a/x');
    expect(first('a/m', 'b/m')).toBe('b/m');
    expect(first('a/x', 'b/x', 'c/x')).toBe('b/x');
    expect(first('a/x', 'b/x', 'c/x')).toBe('c/x');
    expect(first('a/m', 'b/m')).toBe('a/m');
  });
});

describe('weighted', () => {
  it('draws the first target in proportion to its weight (3:1 → 75% ± 2% over 10,000 requests)', () => {
    const strategy = createStrategy('weighted', options({ weights: new Map([['openai', 3]]), random: mulberry32(42) }));
    const candidates = targets('anthropic/m', 'openai/m');
    let openaiFirst = 0;
    for (let i = 0; i < 10_000; i++) if (strategy.order(candidates, ESTIMATE)[0]?.provider === 'openai') openaiFirst++;
    expect(openaiFirst / 10_000).toBeGreaterThan(0.73);
    expect(openaiFirst / 10_000).toBeLessThan(0.77);
  });

  it('splits three ways (5:3:2) within tolerance', () => {
    const strategy = createStrategy(
      'weighted',
      options({
        weights: new Map([
          ['a', 5],
          ['b', 3],
          ['c', 2],
        ]),
        random: mulberry32(3),
      }),
    );
    const counts = new Map<string, number>();
    for (let i = 0; i < 10_000; i++) {
      const first = strategy.order(targets('c/m', 'a/m', 'b/m'), ESTIMATE)[0]?.provider ?? '';
      counts.set(first, (counts.get(first) ?? 0) + 1);
    }
    expect(Math.abs((counts.get('a') ?? 0) / 10_000 - 0.5)).toBeLessThan(0.02);
    expect(Math.abs((counts.get('b') ?? 0) / 10_000 - 0.3)).toBeLessThan(0.02);
    expect(Math.abs((counts.get('c') ?? 0) / 10_000 - 0.2)).toBeLessThan(0.02);
  });

  it('orders the rest by descending weight, ties (and unlisted providers, weight 1) in given order', () => {
    const strategy = createStrategy(
      'weighted',
      options({
        weights: new Map([
          ['heavy', 3],
          ['mid1', 2],
          ['mid2', 2],
        ]),
        random: mulberry32(9),
      }),
    );
    const candidates = targets('light/m', 'mid1/m', 'heavy/m', 'other/m', 'mid2/m');
    const seen = new Map<string, string[]>();
    for (let i = 0; i < 500; i++) {
      const ordered = names(strategy.order(candidates, ESTIMATE));
      seen.set(ordered[0] ?? '', ordered);
    }
    expect(seen.get('light/m')).toEqual(['light/m', 'heavy/m', 'mid1/m', 'mid2/m', 'other/m']);
    expect(seen.get('mid2/m')).toEqual(['mid2/m', 'heavy/m', 'mid1/m', 'light/m', 'other/m']);
    expect(seen.get('heavy/m')).toEqual(['heavy/m', 'mid1/m', 'mid2/m', 'light/m', 'other/m']);
    expect(seen.size).toBe(5);
  });

  it('refuses a weight that is not positive', () => {
    expect(() => createStrategy('weighted', options({ weights: new Map([['a', 0]]) }))).toThrow(
      /weight of 'a' must be a positive number/,
    );
    expect(() => createStrategy('weighted', options({ weights: new Map([['a', Number.NaN]]) }))).toThrow(RangeError);
  });
});

describe('least-latency', () => {
  const fastSlow = targets('fast/m', 'slow/m');

  it('prefers the target with the lower time to first byte', () => {
    const latency = new LatencyTracker();
    latency.observe(t('slow/m'), 900);
    latency.observe(t('fast/m'), 200);
    const strategy = createStrategy('least-latency', options({ latency, explorationRate: 0 }));
    expect(names(strategy.order(targets('slow/m', 'fast/m'), ESTIMATE))).toEqual(['fast/m', 'slow/m']);
  });

  it('puts unmeasured targets first, in their given order, so they get measured', () => {
    const latency = new LatencyTracker();
    latency.observe(t('fast/m'), 50);
    const strategy = createStrategy('least-latency', options({ latency, explorationRate: 0 }));
    expect(names(strategy.order(targets('fast/m', 'new1/m', 'new2/m'), ESTIMATE))).toEqual([
      'new1/m',
      'new2/m',
      'fast/m',
    ]);
  });

  it('moves to the other target once its latency drops, and back when the first recovers', () => {
    const latency = new LatencyTracker();
    const strategy = createStrategy('least-latency', options({ latency, explorationRate: 0 }));
    const observeBoth = (fastMs: number, slowMs: number) => {
      latency.observe(t('fast/m'), fastMs);
      latency.observe(t('slow/m'), slowMs);
    };
    const first = () => strategy.order(fastSlow, ESTIMATE)[0]?.provider;

    observeBoth(200, 800);
    expect(first()).toBe('fast');

    // `slow` gets faster than `fast` (which degrades): within 10 samples the choice follows.
    let switchedAfter: number | undefined;
    for (let sample = 1; sample <= 10 && switchedAfter === undefined; sample++) {
      observeBoth(900, 100);
      if (first() === 'slow') switchedAfter = sample;
    }
    expect(switchedAfter).toBeDefined();
    expect(switchedAfter).toBeLessThanOrEqual(10);
    expect(first()).toBe('slow');

    // `fast` recovers.
    let backAfter: number | undefined;
    for (let sample = 1; sample <= 10 && backAfter === undefined; sample++) {
      observeBoth(150, 600);
      if (first() === 'fast') backAfter = sample;
    }
    expect(backAfter).toBeLessThanOrEqual(10);
  });

  it('explores at about the configured rate, moving a non-first target to the front', () => {
    const latency = new LatencyTracker();
    latency.observe(t('a/m'), 100);
    latency.observe(t('b/m'), 200);
    latency.observe(t('c/m'), 300);
    const strategy = createStrategy(
      'least-latency',
      options({ latency, explorationRate: 0.1, random: mulberry32(123) }),
    );
    const seen = new Map<string, number>();
    for (let i = 0; i < 10_000; i++) {
      const key = names(strategy.order(targets('c/m', 'b/m', 'a/m'), ESTIMATE)).join(' ');
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    // Only three orders can occur: the sorted one, or b or c moved in front of it.
    expect([...seen.keys()].sort()).toEqual(['a/m b/m c/m', 'b/m a/m c/m', 'c/m a/m b/m']);
    const explored = 10_000 - (seen.get('a/m b/m c/m') ?? 0);
    expect(Math.abs(explored / 10_000 - 0.1)).toBeLessThan(0.01);
    // The explored target is picked evenly among the non-first ones.
    expect(Math.abs((seen.get('b/m a/m c/m') ?? 0) / explored - 0.5)).toBeLessThan(0.05);
  });

  it('the default exploration rate is 0.1', () => {
    const latency = new LatencyTracker();
    latency.observe(t('fast/m'), 10);
    latency.observe(t('slow/m'), 20);
    const strategy = createStrategy('least-latency', options({ latency, random: mulberry32(5) }));
    let explored = 0;
    for (let i = 0; i < 10_000; i++) if (strategy.order(fastSlow, ESTIMATE)[0]?.provider === 'slow') explored++;
    expect(Math.abs(explored / 10_000 - 0.1)).toBeLessThan(0.01);
  });

  it('refuses an exploration rate outside [0, 1]', () => {
    expect(() => createStrategy('least-latency', options({ explorationRate: 1.5 }))).toThrow(RangeError);
  });
});

describe('cost', () => {
  /** A fake catalog whose prices the test can change. */
  function fakeCatalog(prices: Record<string, { input?: number; output?: number }>) {
    const table = new Map(Object.entries(prices));
    const catalog: PriceCatalog = {
      find: (provider, model) => {
        const pricing = table.get(`${provider}/${model}`);
        return pricing === undefined ? undefined : { pricing };
      },
    };
    return { catalog, table };
  }

  it('picks the cheaper target for the estimated tokens', () => {
    const { catalog } = fakeCatalog({
      'openai/gpt-4o': { input: 2.5, output: 10 },
      'groq/llama': { input: 0.59, output: 0.79 },
      'anthropic/claude': { input: 3, output: 15 },
    });
    const strategy = createStrategy('cost', options({ catalog }));
    expect(names(strategy.order(targets('anthropic/claude', 'openai/gpt-4o', 'groq/llama'), ESTIMATE))).toEqual([
      'groq/llama',
      'openai/gpt-4o',
      'anthropic/claude',
    ]);
  });

  it('weighs input and output tokens by the request estimate', () => {
    // cheapInput: 1000×1 + 500×20 = 11,000; cheapOutput: 1000×5 + 500×2 = 6,000 (per million).
    const { catalog } = fakeCatalog({
      'p/cheap-input': { input: 1, output: 20 },
      'p/cheap-output': { input: 5, output: 2 },
    });
    const strategy = createStrategy('cost', options({ catalog }));
    const candidates = targets('p/cheap-input', 'p/cheap-output');
    expect(names(strategy.order(candidates, { inputTokens: 1000, outputTokens: 500 }))[0]).toBe('p/cheap-output');
    expect(names(strategy.order(candidates, { inputTokens: 100_000, outputTokens: 10 }))[0]).toBe('p/cheap-input');
  });

  it('puts targets without a price last, never treating them as free', () => {
    const { catalog } = fakeCatalog({
      'a/priced': { input: 30, output: 60 },
      'b/no-prices': {},
      'c/no-output-price': { input: 0.1 },
      'e/priced': { input: 40, output: 60 },
    });
    const strategy = createStrategy('cost', options({ catalog }));
    const ordered = strategy.order(
      targets('b/no-prices', 'd/not-in-catalog', 'c/no-output-price', 'e/priced', 'a/priced'),
      ESTIMATE,
    );
    expect(names(ordered)).toEqual(['a/priced', 'e/priced', 'b/no-prices', 'd/not-in-catalog', 'c/no-output-price']);
  });

  it('needs no price for a kind of token the request does not have (embeddings have no output price)', () => {
    const { catalog } = fakeCatalog({ 'a/embed': { input: 0.13 }, 'b/embed': { input: 0.02 } });
    const strategy = createStrategy('cost', options({ catalog }));
    expect(names(strategy.order(targets('a/embed', 'b/embed'), { inputTokens: 500, outputTokens: 0 }))).toEqual([
      'b/embed',
      'a/embed',
    ]);
  });

  it('keeps the given order between targets of equal cost', () => {
    const { catalog } = fakeCatalog({
      'x/m': { input: 1, output: 1 },
      'y/m': { input: 1, output: 1 },
      'z/m': { input: 1, output: 1 },
    });
    const strategy = createStrategy('cost', options({ catalog }));
    expect(names(strategy.order(targets('z/m', 'x/m', 'y/m'), ESTIMATE))).toEqual(['z/m', 'x/m', 'y/m']);
  });

  it("changes its choice when the catalog's prices change", () => {
    const { catalog, table } = fakeCatalog({ 'openai/m': { input: 1, output: 2 }, 'azure/m': { input: 2, output: 4 } });
    const strategy = createStrategy('cost', options({ catalog }));
    const candidates = targets('openai/m', 'azure/m');
    expect(strategy.order(candidates, ESTIMATE)[0]?.provider).toBe('openai');
    table.set('azure/m', { input: 0.5, output: 1 });
    expect(strategy.order(candidates, ESTIMATE)[0]?.provider).toBe('azure');
  });
});
