import { describe, expect, it } from 'vitest';
import { NoProviderSelectedError, ProviderNotFoundError } from '../../src/errors.ts';
import { activeProviders, PROVIDER_IDS } from '../../src/providers/registry.ts';
import { type SelectionContext, selectProvider, splitModelPrefix } from '../../src/routing/select-provider.ts';

function context(env: Record<string, string>, defaultProvider?: string): SelectionContext {
  return { knownIds: PROVIDER_IDS, active: activeProviders(env), defaultProvider, catalog: { providersFor: () => [] } };
}

const MANY = context({
  OPENAI_API_KEY: 'k',
  ANTHROPIC_API_KEY: 'k',
  GROQ_API_KEY: 'k',
  OLLAMA_HOST: 'localhost:11434',
  TOGETHER_API_KEY: 'k',
  MISTRAL_API_KEY: 'k',
});

describe('selectProvider', () => {
  it('the X-Provider header wins over prefix and family', () => {
    const s = selectProvider({ header: 'groq', model: 'gpt-4o' }, MANY);
    expect([s.candidates[0]!.provider.id, s.candidates[0]!.model, s.reason]).toEqual(['groq', 'gpt-4o', 'header']);
  });

  it('strips a prefix naming the header provider, keeps other slashes', () => {
    expect(selectProvider({ header: 'groq', model: 'groq/llama-3.3-70b' }, MANY).candidates[0]!.model).toBe(
      'llama-3.3-70b',
    );
    expect(selectProvider({ header: 'together', model: 'meta-llama/Llama-3.3-70B' }, MANY).candidates[0]!.model).toBe(
      'meta-llama/Llama-3.3-70B',
    );
  });

  it.each([
    ['groq/llama-3.3-70b-versatile', 'groq', 'llama-3.3-70b-versatile'],
    ['groq:llama-3.3-70b-versatile', 'groq', 'llama-3.3-70b-versatile'],
    ['ollama:llama3:8b', 'ollama', 'llama3:8b'],
    ['ollama/llama3:8b', 'ollama', 'llama3:8b'],
    ['together/meta-llama/Llama-3.3-70B', 'together', 'meta-llama/Llama-3.3-70B'],
    ['openai/gpt-4o', 'openai', 'gpt-4o'],
  ])('prefix %s → %s, model %s', (model, provider, upstreamModel) => {
    const s = selectProvider({ header: undefined, model }, MANY);
    expect([s.candidates[0]!.provider.id, s.candidates[0]!.model, s.reason]).toEqual([
      provider,
      upstreamModel,
      'prefix',
    ]);
  });

  it.each([
    ['gpt-4o', 'openai'],
    ['o3-mini', 'openai'],
    ['text-embedding-3-small', 'openai'],
    ['dall-e-3', 'openai'],
    ['claude-sonnet-4-5', 'anthropic'],
    ['mistral-large-latest', 'mistral'],
    ['codestral-latest', 'mistral'],
  ])('model family %s → %s', (model, provider) => {
    const s = selectProvider({ header: undefined, model }, MANY);
    expect([s.candidates[0]!.provider.id, s.candidates[0]!.model, s.reason]).toEqual([provider, model, 'model-family']);
  });

  it('skips a family whose provider is inactive and uses DEFAULT_PROVIDER', () => {
    const ctx = context({ GROQ_API_KEY: 'k', TOGETHER_API_KEY: 'k' }, 'together');
    const s = selectProvider({ header: undefined, model: 'gemini-2.5-pro' }, ctx);
    expect([s.candidates[0]!.provider.id, s.reason]).toEqual(['together', 'default']);
  });

  it("the provider a path is the API of (Ollama's /api/chat) takes what nothing else decides, before DEFAULT_PROVIDER", () => {
    const ctx = context({ OPENAI_API_KEY: 'k', OLLAMA_HOST: 'localhost:11434' }, 'openai');
    const s = selectProvider({ header: undefined, model: 'llama3.2:3b', pathProvider: 'ollama' }, ctx);
    expect([s.candidates[0]!.provider.id, s.candidates[0]!.model, s.reason]).toEqual(['ollama', 'llama3.2:3b', 'path']);
    // A prefix, or a model family, still says otherwise; an inactive path provider decides nothing.
    expect(selectProvider({ header: undefined, model: 'openai/gpt-4o', pathProvider: 'ollama' }, ctx).reason).toBe(
      'prefix',
    );
    expect(
      selectProvider({ header: undefined, model: 'gpt-4o', pathProvider: 'ollama' }, ctx).candidates[0]!.provider.id,
    ).toBe('openai');
    const withoutOllama = context({ OPENAI_API_KEY: 'k' }, 'openai');
    expect(
      selectProvider({ header: undefined, model: 'llama3.2:3b', pathProvider: 'ollama' }, withoutOllama).reason,
    ).toBe('default');
  });

  it('uses the only active provider', () => {
    const s = selectProvider({ header: undefined, model: 'some-model' }, context({ GROQ_API_KEY: 'k' }));
    expect([s.candidates[0]!.provider.id, s.reason]).toEqual(['groq', 'only-active']);
  });

  it('400 with guidance when nothing decides', () => {
    const run = () => selectProvider({ header: undefined, model: 'some-model' }, MANY);
    expect(run).toThrow(NoProviderSelectedError);
    expect(run).toThrow(/X-Provider header.*DEFAULT_PROVIDER.*Active providers: openai, anthropic/);
  });

  it('404 for an unknown or inactive header provider, listing active ones', () => {
    expect(() => selectProvider({ header: 'nope', model: 'x' }, MANY)).toThrow(ProviderNotFoundError);
    expect(() => selectProvider({ header: 'gemini', model: 'x' }, MANY)).toThrow(
      /'gemini' is not active.*Active providers: openai/,
    );
  });

  it('404 for a prefix naming an inactive provider', () => {
    expect(() => selectProvider({ header: undefined, model: 'xai/grok-4' }, MANY)).toThrow(ProviderNotFoundError);
  });

  it('a model name whose head is not a provider id is not a prefix', () => {
    expect(splitModelPrefix('llama3:8b', PROVIDER_IDS)).toBeUndefined();
    expect(splitModelPrefix('meta-llama/Llama-3', PROVIDER_IDS)).toBeUndefined();
  });
});

describe('selectProvider candidates', () => {
  const catalog = { providersFor: (model: string) => (model === 'gpt-4o' ? ['openai', 'azure-openai'] : []) };
  const active = activeProviders({
    OPENAI_API_KEY: 'k',
    AZURE_OPENAI_API_KEY: 'k',
    AZURE_OPENAI_ENDPOINT: 'https://x.openai.azure.com',
    GROQ_API_KEY: 'k',
  });
  const routes = new Map([
    [
      'smart',
      [
        { provider: 'groq', model: 'llama' },
        { provider: 'xai', model: 'grok-4' },
        { provider: 'openai', model: 'gpt-5' },
      ],
    ],
  ]);
  const ctx = { knownIds: PROVIDER_IDS, active, defaultProvider: undefined, catalog, routes };

  it('a catalog model yields every active provider serving it, in registry order', () => {
    const s = selectProvider({ header: undefined, model: 'gpt-4o' }, ctx);
    expect(s.reason).toBe('catalog');
    expect(s.candidates.map((c) => c.provider.id)).toEqual(['openai', 'azure-openai']);
  });

  it('a virtual model of ROUTES yields its active targets, with their own models', () => {
    const s = selectProvider({ header: undefined, model: 'smart' }, ctx);
    expect(s.reason).toBe('route');
    expect(s.candidates.map((c) => `${c.provider.id}/${c.model}`)).toEqual(['groq/llama', 'openai/gpt-5']);
  });

  it('a route none of whose providers is active is a 400 saying so', () => {
    const only = new Map([['lonely', [{ provider: 'xai', model: 'grok-4' }]]]);
    expect(() => selectProvider({ header: undefined, model: 'lonely' }, { ...ctx, routes: only })).toThrow(
      /none of the providers of route 'lonely' is active/,
    );
  });
});
