import { describe, expect, it } from 'vitest';
import { loadBuiltinCatalog } from '../../src/catalog/catalog.ts';
import { supplementFromGenaiPrices } from '../../src/catalog/from-genai-prices.ts';
import type { CatalogEntry } from '../../src/catalog/types.ts';

const capabilities = { tools: false, vision: false, reasoning: false, promptCaching: false, jsonSchema: false };
const litellm = (model: string, input: number): CatalogEntry => ({
  provider: 'deepseek',
  routable: true,
  model,
  mode: 'chat',
  pricing: { input, output: input * 2 },
  capabilities,
});

describe('supplementFromGenaiPrices', () => {
  it('skips ids that are prefixes genai-prices matches (a fine-tune family), not models', () => {
    const { report } = supplementFromGenaiPrices(
      [],
      [
        {
          id: 'openai',
          models: [
            { id: 'gpt-4o-mini-2024-07-18.ft-', prices: { input_mtok: 0.3, output_mtok: 1.2 } },
            { id: 'gpt-9', prices: { input_mtok: 1, output_mtok: 2 } },
          ],
        },
      ],
      '2026-07-24',
    );
    expect(report.added).toEqual(['openai/gpt-9']);
  });

  it('adds the models LiteLLM lacks, with tiers and 1-hour cache writes', () => {
    const { entries, report } = supplementFromGenaiPrices(
      [],
      [
        {
          id: 'anthropic',
          models: [
            {
              id: 'claude-opus-9',
              context_window: 1_000_000,
              prices: {
                input_mtok: { base: 4, tiers: [{ start: 200_000, price: 8 }] },
                output_mtok: 20,
                cache_write_1h_mtok: 8,
              },
            },
            { id: 'claude-old', deprecated: true, prices: { input_mtok: 1, output_mtok: 2 } },
          ],
        },
      ],
      '2026-07-24',
    );
    expect(report.added).toEqual(['anthropic/claude-opus-9']);
    expect(entries).toEqual([
      {
        provider: 'anthropic',
        routable: true,
        model: 'claude-opus-9',
        mode: 'chat',
        contextWindow: 1_000_000,
        pricing: { input: 4, output: 20, cacheWrite1h: 8, longContext: [{ aboveInputTokens: 200_000, input: 8 }] },
        capabilities,
      },
    ]);
  });

  it('adds time-of-day windows only where the standard price agrees with LiteLLM’s', () => {
    const offPeak = (input: number) => ({
      id: '',
      prices: [
        { prices: { input_mtok: input / 2, output_mtok: input } },
        {
          constraint: { type: 'time_of_date' as const, start_time: '00:30:00Z', end_time: '16:30:00Z' },
          prices: { input_mtok: input, output_mtok: input * 2 },
        },
      ],
    });
    const { entries, report } = supplementFromGenaiPrices(
      [litellm('agrees', 0.28), litellm('disagrees', 0.28)],
      [
        {
          id: 'deepseek',
          models: [
            { ...offPeak(0.28), id: 'agrees' },
            { ...offPeak(0.27), id: 'disagrees' },
          ],
        },
      ],
      '2026-07-24',
    );
    expect(report).toEqual({ added: [], timeOfDay: ['deepseek/agrees'], disagreements: ['deepseek/disagrees'] });
    // The list price holds 00:30–16:30; the rest of the day is the discount.
    expect(entries[0]?.pricing.timeOfDay).toEqual([
      { startUtc: '16:30', endUtc: '00:30', prices: { input: 0.14, output: 0.28 } },
    ]);
    expect(entries[1]?.pricing.timeOfDay).toBeUndefined();
  });

  it('gave the built-in catalog Claude Code’s default model', () => {
    const opus = loadBuiltinCatalog().find('anthropic', 'claude-opus-5-5');
    expect(opus).toMatchObject({ routable: true, mode: 'chat', pricing: { input: 4, output: 20 } });
  });
});
