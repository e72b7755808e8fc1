import { describe, expect, it } from 'vitest';
import { Catalog, catalogSource, loadBuiltinCatalog } from '../../src/catalog/catalog.ts';
import type { CatalogEntry } from '../../src/catalog/types.ts';

const SWITCHYARD_PROVIDERS = [
  'openai',
  'anthropic',
  'gemini',
  'mistral',
  'groq',
  'cohere',
  'deepseek',
  'together',
  'perplexity',
  'fireworks',
  'ai21',
  'xai',
  'azure-openai',
  'azure-foundry',
  'ollama',
  'bedrock',
  'replicate',
  'vertex-ai',
  'hugging-face',
];

function entry(provider: string, model: string, pricing: CatalogEntry['pricing'] = {}, routable = true): CatalogEntry {
  return {
    provider,
    routable,
    model,
    mode: 'chat',
    pricing,
    capabilities: { tools: false, vision: false, reasoning: false, promptCaching: false, jsonSchema: false },
  };
}

describe('built-in catalog', () => {
  const catalog = loadBuiltinCatalog();

  it('has at least 2,500 entries and records its source', () => {
    expect(catalog.size).toBeGreaterThanOrEqual(2500);
    expect(catalog.entries()).toHaveLength(catalog.size);
    expect(catalogSource()).toStrictEqual({
      name: 'BerriAI/litellm model_prices_and_context_window.json',
      date: '2026-07-24',
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      count: catalog.size,
    });
  });

  // Expected values looked up in the source (per token × 1e6).
  it.each([
    [
      'openai',
      'gpt-4o',
      {
        mode: 'chat',
        contextWindow: 128000,
        maxOutputTokens: 16384,
        pricing: {
          input: 2.5,
          output: 10,
          cachedInput: 1.25,
          serviceTiers: {
            batch: { input: 1.25, output: 5 },
            priority: { input: 4.25, output: 17, cachedInput: 2.125 },
          },
        },
      },
    ],
    [
      'anthropic',
      'claude-sonnet-4-5',
      {
        mode: 'chat',
        contextWindow: 200000,
        maxOutputTokens: 64000,
        pricing: {
          input: 3,
          output: 15,
          cachedInput: 0.3,
          cacheWrite: 3.75,
          cacheWrite1h: 6,
          longContext: [{ aboveInputTokens: 200000, input: 6, output: 22.5, cachedInput: 0.6, cacheWrite: 7.5 }],
        },
      },
    ],
    [
      'bedrock',
      'anthropic.claude-sonnet-4-5-20250929-v1:0',
      {
        mode: 'chat',
        contextWindow: 200000,
        maxOutputTokens: 64000,
        pricing: {
          input: 3,
          output: 15,
          cachedInput: 0.3,
          cacheWrite: 3.75,
          cacheWrite1h: 6,
          longContext: [{ aboveInputTokens: 200000, input: 6, output: 22.5, cachedInput: 0.6, cacheWrite: 7.5 }],
        },
      },
    ],
    [
      'gemini',
      'gemini-2.5-flash',
      {
        mode: 'chat',
        contextWindow: 1048576,
        maxOutputTokens: 65535,
        pricing: { input: 0.3, output: 2.5, cachedInput: 0.03, reasoning: 2.5 },
      },
    ],
    [
      'gemini',
      'gemini-2.5-pro',
      {
        mode: 'chat',
        pricing: {
          input: 1.25,
          output: 10,
          cachedInput: 0.125,
          longContext: [{ aboveInputTokens: 200000, input: 2.5, output: 15, cachedInput: 0.25 }],
          serviceTiers: { priority: { input: 1.25, output: 10 } },
        },
      },
    ],
    [
      'openai',
      'text-embedding-3-small',
      {
        mode: 'embedding',
        contextWindow: 8191,
        pricing: { input: 0.02, output: 0, serviceTiers: { batch: { input: 0.01, output: 0 } } },
      },
    ],
    [
      'vertex-ai',
      'claude-sonnet-4-5',
      {
        mode: 'chat',
        contextWindow: 200000,
        pricing: {
          input: 3,
          output: 15,
          cachedInput: 0.3,
          cacheWrite: 3.75,
          cacheWrite1h: 6,
          longContext: [{ aboveInputTokens: 200000, input: 6, output: 22.5, cachedInput: 0.6, cacheWrite: 7.5 }],
          serviceTiers: { batch: { input: 1.5, output: 7.5 } },
        },
      },
    ],
    [
      'vertex-ai',
      'meta/llama-3.1-405b-instruct-maas',
      { mode: 'chat', contextWindow: 128000, maxOutputTokens: 2048, pricing: { input: 5, output: 16 } },
    ],
    ['groq', 'llama-3.3-70b-versatile', { pricing: { input: 0.59, output: 0.79 } }],
    ['together', 'meta-llama/Llama-3.3-70B-Instruct-Turbo', { pricing: { input: 0.88, output: 0.88 } }],
    ['fireworks', 'accounts/fireworks/models/deepseek-r1', { pricing: { input: 3, output: 8 } }],
    ['deepseek', 'deepseek-reasoner', { pricing: { input: 0.28, output: 0.42, cachedInput: 0.028 } }],
    ['cohere', 'command-r', { pricing: { input: 0.15, output: 0.6 } }],
    [
      'openai',
      'dall-e-3',
      {
        mode: 'image',
        pricing: {
          perImage: 0.04,
          imageVariants: {
            'hd/1024x1024': 0.08,
            'hd/1024x1792': 0.12,
            'hd/1792x1024': 0.12,
            'standard/1024x1024': 0.0399999,
            'standard/1024x1792': 0.07999,
            'standard/1792x1024': 0.07999,
          },
        },
      },
    ],
    ['openai', 'tts-1', { mode: 'audio-speech', pricing: { perCharacter: 0.000015 } }],
    ['openai', 'whisper-1', { mode: 'audio-transcription', pricing: { perSecond: 0.0001 } }],
    ['cohere', 'rerank-v3.5', { mode: 'rerank', pricing: { input: 0, output: 0, perQuery: 0.002 } }],
  ] as const)('%s / %s', (provider, model, expected) => {
    const found = catalog.find(provider, model);
    expect(found).toMatchObject({ provider, model, routable: true, ...expected });
    expect(found?.pricing).toStrictEqual(expected.pricing);
  });

  it('keeps providers Switchyard does not serve as non-routable metadata', () => {
    expect(catalog.find('openrouter', 'openai/gpt-5.2')).toMatchObject({
      routable: false,
      pricing: { input: 1.75, output: 14 },
    });
  });

  it('routable entries use only Switchyard provider ids', () => {
    const routableProviders = new Set(
      catalog
        .entries()
        .filter((e) => e.routable)
        .map((e) => e.provider),
    );
    for (const provider of routableProviders) expect(SWITCHYARD_PROVIDERS).toContain(provider);
  });

  it('is unique per (provider, model), sorted, and free of float noise', () => {
    const all = catalog.entries();
    const ids = all.map((e) => `${e.provider}\u0000${e.model}`);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toStrictEqual([...ids].sort());
    for (const e of all) {
      for (const price of numbersIn(e.pricing)) {
        expect(
          Number.isFinite(price) && price >= 0 && Number(price.toPrecision(12)) === price,
          `${e.provider}/${e.model}`,
        ).toBe(true);
      }
    }
  });

  it('answers providersFor with routable providers only', () => {
    const providers = catalog.providersFor('claude-sonnet-4-5');
    expect(providers).toEqual(expect.arrayContaining(['anthropic', 'vertex-ai', 'azure-foundry']));
    for (const provider of providers) expect(SWITCHYARD_PROVIDERS).toContain(provider);
    expect(catalog.providersFor('no-such-model')).toStrictEqual([]);
  });

  it('builds quickly (part of the < 300 ms gateway start)', () => {
    const started = performance.now();
    loadBuiltinCatalog();
    expect(performance.now() - started).toBeLessThan(100);
  });
});

describe('Catalog', () => {
  const base = new Catalog([
    entry('openai', 'gpt-4o', { input: 2.5, output: 10 }),
    entry('azure-openai', 'gpt-4o', { input: 2.5, output: 10 }),
    entry('openrouter', 'gpt-4o', { input: 2.5, output: 10 }, false),
    entry('anthropic', 'claude-sonnet-4-5', { input: 3, output: 15 }),
  ]);

  it('finds by provider and exact model id', () => {
    expect(base.size).toBe(4);
    expect(base.find('openai', 'gpt-4o')?.pricing.input).toBe(2.5);
    expect(base.find('openai', 'GPT-4o')).toBeUndefined();
    expect(base.find('anthropic', 'gpt-4o')).toBeUndefined();
    expect(base.find('openrouter', 'gpt-4o')?.routable).toBe(false);
  });

  it('lists routable providers for a model in first-seen order', () => {
    expect(base.providersFor('gpt-4o')).toStrictEqual(['openai', 'azure-openai']);
    expect(base.providersFor('claude-sonnet-4-5')).toStrictEqual(['anthropic']);
  });

  it('does not expose its internals to mutation', () => {
    expect(() => (base.providersFor('gpt-4o') as string[]).push('evil')).toThrow(TypeError);
    expect(base.providersFor('gpt-4o')).toStrictEqual(['openai', 'azure-openai']);
    expect(Object.isFrozen(base.entries())).toBe(true);
  });

  it('withOverrides adds models and replaces prices in a new catalog', () => {
    const overridden = base.withOverrides([
      entry('openai', 'gpt-4o', { input: 2, output: 8 }),
      entry('ollama', 'my-finetune:7b', { input: 0, output: 0 }),
      entry('groq', 'gpt-4o', { input: 1, output: 1 }),
    ]);
    expect(overridden.size).toBe(6);
    expect(overridden.find('openai', 'gpt-4o')?.pricing).toStrictEqual({ input: 2, output: 8 });
    expect(overridden.find('ollama', 'my-finetune:7b')).toBeDefined();
    expect(overridden.providersFor('gpt-4o')).toStrictEqual(['openai', 'azure-openai', 'groq']);
    // replaced entries keep their position, new ones come last
    expect(overridden.entries().map((e) => `${e.provider}/${e.model}`)).toStrictEqual([
      'openai/gpt-4o',
      'azure-openai/gpt-4o',
      'openrouter/gpt-4o',
      'anthropic/claude-sonnet-4-5',
      'ollama/my-finetune:7b',
      'groq/gpt-4o',
    ]);
    // the original is untouched
    expect(base.find('openai', 'gpt-4o')?.pricing).toStrictEqual({ input: 2.5, output: 10 });
    expect(base.size).toBe(4);
  });

  it('withOverrides can make an entry non-routable', () => {
    const overridden = base.withOverrides([entry('azure-openai', 'gpt-4o', {}, false)]);
    expect(overridden.providersFor('gpt-4o')).toStrictEqual(['openai']);
  });

  it('a later duplicate in the constructor replaces the earlier one', () => {
    const catalog = new Catalog([entry('openai', 'o3', { input: 10 }), entry('openai', 'o3', { input: 2 })]);
    expect(catalog.size).toBe(1);
    expect(catalog.find('openai', 'o3')?.pricing.input).toBe(2);
  });
});

/** Every number in a pricing object, nested tiers and variants included. */
function numbersIn(value: unknown): number[] {
  if (typeof value === 'number') return [value];
  if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(numbersIn);
  return [];
}
