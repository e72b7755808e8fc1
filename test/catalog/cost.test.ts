import { describe, expect, it } from 'vitest';
import { loadBuiltinCatalog } from '../../src/catalog/catalog.ts';
import { costUsd } from '../../src/catalog/cost.ts';
import type { CatalogEntry, ModelPricing } from '../../src/catalog/types.ts';
import { anthropicUsageToTokenUsage } from '../../src/formats/anthropic/usage.ts';
import { openAIUsageToTokenUsage } from '../../src/formats/openai/usage.ts';

function entryWith(pricing: ModelPricing): CatalogEntry {
  return {
    provider: 'test',
    routable: true,
    model: 'test-model',
    mode: 'chat',
    pricing,
    capabilities: { tools: false, vision: false, reasoning: false, promptCaching: false, jsonSchema: false },
  };
}

const catalog = loadBuiltinCatalog();
const gpt4o = catalog.find('openai', 'gpt-4o'); // 2.5 / 10, cached 1.25
const sonnet = catalog.find('anthropic', 'claude-sonnet-4-5'); // 3 / 15, cached 0.3, cache write 3.75
const o3 = catalog.find('openai', 'o3'); // 2 / 8, no separate reasoning price

describe('costUsd', () => {
  it('prices a plain request', () => {
    // 1000 × 2.5 + 500 × 10 = 7500 µ$
    expect(costUsd(gpt4o, { inputTokens: 1000, outputTokens: 500 })).toBe(0.0075);
  });

  it('prices OpenAI-style cached input (cached tokens inside prompt_tokens)', () => {
    const usage = openAIUsageToTokenUsage({
      prompt_tokens: 2000,
      completion_tokens: 100,
      prompt_tokens_details: { cached_tokens: 1500 },
    });
    // 500 × 2.5 + 1500 × 1.25 + 100 × 10 = 4125 µ$
    expect(costUsd(gpt4o, usage)).toBe(0.004125);
  });

  it('prices Anthropic-style cache reads and writes (outside input_tokens)', () => {
    const usage = anthropicUsageToTokenUsage({
      input_tokens: 100,
      cache_read_input_tokens: 10_000,
      cache_creation_input_tokens: 2000,
      output_tokens: 500,
    });
    // 100 × 3 + 10000 × 0.3 + 2000 × 3.75 + 500 × 15 = 18300 µ$
    expect(costUsd(sonnet, usage)).toBe(0.0183);
  });

  it('prices reasoning tokens at the output price when there is no reasoning price', () => {
    const usage = openAIUsageToTokenUsage({
      prompt_tokens: 100,
      completion_tokens: 1000,
      completion_tokens_details: { reasoning_tokens: 800 },
    });
    // 100 × 2 + 200 × 8 + 800 × 8 = 8200 µ$
    expect(costUsd(o3, usage)).toBe(0.0082);
  });

  it('prices reasoning tokens at their own price when there is one', () => {
    const entry = entryWith({ input: 0.15, output: 0.6, reasoning: 3.5 });
    // 1000 × 0.15 + 200 × 0.6 + 800 × 3.5 = 3070 µ$
    expect(costUsd(entry, { inputTokens: 1000, outputTokens: 1000, reasoningTokens: 800 })).toBe(0.00307);
  });

  it('falls back to the input price for cached and cache-write tokens', () => {
    const entry = entryWith({ input: 1, output: 2 });
    expect(
      costUsd(entry, { inputTokens: 1000, cachedInputTokens: 600, cacheWriteInputTokens: 100, outputTokens: 0 }),
    ).toBe(0.001);
  });

  it('is null, never 0, for an unknown model', () => {
    expect(costUsd(catalog.find('openai', 'no-such-model'), { inputTokens: 10, outputTokens: 10 })).toBeNull();
    expect(costUsd(undefined, { inputTokens: 0, outputTokens: 0 })).toBeNull();
  });

  it('is null when tokens of a kind have no applicable price', () => {
    expect(costUsd(entryWith({ input: 1 }), { inputTokens: 10, outputTokens: 5 })).toBeNull();
    expect(costUsd(entryWith({ output: 1 }), { inputTokens: 10, outputTokens: 5 })).toBeNull();
    expect(costUsd(entryWith({}), { inputTokens: 1, outputTokens: 0 })).toBeNull();
    expect(costUsd(entryWith({ output: 1 }), { inputTokens: 10, cachedInputTokens: 10, outputTokens: 0 })).toBeNull();
  });

  it('needs no price for a kind with zero tokens (embeddings have no output)', () => {
    expect(costUsd(entryWith({ input: 0.02 }), { inputTokens: 1000, outputTokens: 0 })).toBe(0.00002);
    expect(costUsd(catalog.find('openai', 'text-embedding-3-small'), { inputTokens: 1_000_000, outputTokens: 0 })).toBe(
      0.02,
    );
    expect(costUsd(entryWith({}), { inputTokens: 0, outputTokens: 0 })).toBe(0);
  });

  it('is 0 for free models', () => {
    expect(costUsd(catalog.find('ollama', 'llama3:70b'), { inputTokens: 5000, outputTokens: 5000 })).toBe(0);
  });

  it('rounds away float noise', () => {
    // 3 × 0.1 = 0.30000000000000004 in binary floating point
    expect(costUsd(entryWith({ input: 0.1, output: 0.1 }), { inputTokens: 3, outputTokens: 0 })).toBe(3e-7);
  });

  it('never goes negative on inconsistent usage', () => {
    const cost = costUsd(gpt4o, { inputTokens: 10, cachedInputTokens: 50, outputTokens: 5, reasoningTokens: 20 });
    expect(cost).not.toBeNull();
    expect(cost).toBeGreaterThanOrEqual(0);
  });
});

describe('usage mapping', () => {
  it('maps OpenAI chat usage', () => {
    expect(
      openAIUsageToTokenUsage({
        prompt_tokens: 2000,
        completion_tokens: 300,
        prompt_tokens_details: { cached_tokens: 1024 },
        completion_tokens_details: { reasoning_tokens: 128 },
      }),
    ).toStrictEqual({ inputTokens: 2000, cachedInputTokens: 1024, outputTokens: 300, reasoningTokens: 128 });
  });

  it('maps OpenAI usage without details, or with nulls', () => {
    expect(openAIUsageToTokenUsage({ prompt_tokens: 10, completion_tokens: 2 })).toStrictEqual({
      inputTokens: 10,
      cachedInputTokens: 0,
      outputTokens: 2,
      reasoningTokens: 0,
    });
    expect(
      openAIUsageToTokenUsage({
        prompt_tokens: 10,
        completion_tokens: 2,
        prompt_tokens_details: null,
        completion_tokens_details: null,
      }),
    ).toMatchObject({ inputTokens: 10, outputTokens: 2 });
  });

  it('maps Anthropic usage, adding cache reads and writes to the input', () => {
    expect(
      anthropicUsageToTokenUsage({
        input_tokens: 50,
        cache_read_input_tokens: 1000,
        cache_creation_input_tokens: 200,
        output_tokens: 70,
      }),
    ).toStrictEqual({ inputTokens: 1250, cachedInputTokens: 1000, cacheWriteInputTokens: 200, outputTokens: 70 });
    expect(
      anthropicUsageToTokenUsage({ input_tokens: 50, output_tokens: 70, cache_read_input_tokens: null }),
    ).toStrictEqual({
      inputTokens: 50,
      cachedInputTokens: 0,
      cacheWriteInputTokens: 0,
      outputTokens: 70,
    });
  });
});

describe('costUsd of units that are not tokens', () => {
  it('prices images by quality/size, size, or the plain per-image price; unknown sizes are null', () => {
    const entry = entryWith({ perImage: 0.04, imageVariants: { 'hd/1024x1792': 0.12, 'standard/1024x1024': 0.04 } });
    const image = (imageSize?: string, imageQuality?: string) =>
      costUsd(entry, { inputTokens: 0, outputTokens: 0, images: 2, imageSize, imageQuality });
    expect(image('1024x1792', 'hd')).toBe(0.24);
    expect(image()).toBe(0.08);
    expect(image('512x512', 'hd')).toBeNull();
    expect(costUsd(entryWith({ perImage: 0.02 }), { inputTokens: 0, outputTokens: 0, images: 3 })).toBe(0.06);
  });

  it('prices characters, seconds and queries per unit, and is null when the unit has no price', () => {
    const none = { inputTokens: 0, outputTokens: 0 };
    expect(costUsd(entryWith({ perCharacter: 1.5e-5 }), { ...none, characters: 1000 })).toBe(0.015);
    expect(costUsd(entryWith({ perSecond: 0.0001 }), { ...none, audioSeconds: 60 })).toBe(0.006);
    expect(costUsd(entryWith({ perQuery: 0.002 }), { ...none, queries: 3 })).toBe(0.006);
    expect(costUsd(entryWith({ input: 1 }), { ...none, characters: 10 })).toBeNull();
  });

  it('prices image tokens apart from text tokens when the entry has their prices', () => {
    const entry = entryWith({ input: 5, imageInput: 10, imageOutput: 40 });
    const usage = { inputTokens: 50, imageInputTokens: 10, outputTokens: 1000, imageOutputTokens: 1000 };
    expect(costUsd(entry, usage)).toBeCloseTo((40 * 5 + 10 * 10 + 1000 * 40) / 1e6, 12);
  });
});

describe('prices that match the bill', () => {
  const at = new Date(Date.UTC(2026, 6, 1, 12));

  it('bills the whole request at the long-context tier once its input passes the threshold', () => {
    const p = sonnet!.pricing;
    const tier = p.longContext![0]!;
    expect(tier.aboveInputTokens).toBe(200_000);
    expect(costUsd(sonnet, { inputTokens: 200_000, outputTokens: 1000 }, at)).toBeCloseTo(
      (200_000 * p.input! + 1000 * p.output!) / 1e6,
      10,
    );
    expect(costUsd(sonnet, { inputTokens: 250_000, outputTokens: 1000 }, at)).toBeCloseTo(
      (250_000 * tier.input! + 1000 * tier.output!) / 1e6,
      10,
    );
  });

  it('prices 1-hour cache writes apart from 5-minute ones', () => {
    const p = sonnet!.pricing;
    const usage = anthropicUsageToTokenUsage({
      input_tokens: 10,
      output_tokens: 0,
      cache_creation_input_tokens: 3000,
      cache_creation: { ephemeral_5m_input_tokens: 1000, ephemeral_1h_input_tokens: 2000 },
    });
    expect(usage.cacheWrite1hInputTokens).toBe(2000);
    expect(costUsd(sonnet, usage, at)).toBeCloseTo(
      (10 * p.input! + 1000 * p.cacheWrite! + 2000 * p.cacheWrite1h!) / 1e6,
      10,
    );
  });

  it('prices OpenAI flex and priority service tiers', () => {
    const gpt5 = catalog.find('openai', 'gpt-5')!;
    const flex = gpt5.pricing.serviceTiers!.flex!;
    const usage = { inputTokens: 1_000_000, outputTokens: 1_000_000 };
    expect(costUsd(gpt5, { ...usage, serviceTier: 'flex' }, at)).toBe(flex.input! + flex.output!);
    expect(costUsd(gpt5, usage, at)).toBe(gpt5.pricing.input! + gpt5.pricing.output!);
  });

  it('prices by the UTC time of day, windows wrapping midnight included', () => {
    const entry = entryWith({
      input: 1,
      output: 2,
      timeOfDay: [{ startUtc: '16:30', endUtc: '00:30', prices: { input: 0.5, output: 1 } }],
    });
    const usage = { inputTokens: 1_000_000, outputTokens: 1_000_000 };
    expect(costUsd(entry, usage, new Date(Date.UTC(2026, 0, 1, 12)))).toBe(3);
    expect(costUsd(entry, usage, new Date(Date.UTC(2026, 0, 1, 17)))).toBe(1.5);
    expect(costUsd(entry, usage, new Date(Date.UTC(2026, 0, 1, 0, 15)))).toBe(1.5);
    expect(costUsd(entry, usage, new Date(Date.UTC(2026, 0, 1, 0, 30)))).toBe(3);
  });

  it('charges reasoning tokens at the reasoning price when the entry has one', () => {
    const entry = entryWith({ input: 1, output: 2, reasoning: 4 });
    expect(costUsd(entry, { inputTokens: 0, outputTokens: 1_000_000, reasoningTokens: 250_000 }, at)).toBe(2.5);
  });
});
