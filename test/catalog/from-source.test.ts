import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromSource, mapSourceProvider, parseSourceKey } from '../../src/catalog/from-source.ts';
import type { CatalogEntry } from '../../src/catalog/types.ts';

// A small hand-written slice in LiteLLM's format, shaped like the real file (values from it).
const SAMPLE: Record<string, unknown> = {
  sample_spec: {
    litellm_provider: 'one of https://docs.litellm.ai/docs/providers',
    mode: 'one of: chat, ...',
    input_cost_per_token: 0,
  },
  last_updated: '2026-07-24T18:23:43.215560+00:00',
  fallback_generalizations: { rules: [{ name: 'x', model_info: { mode: 'chat' } }] },
  'gpt-4o': {
    litellm_provider: 'openai',
    mode: 'chat',
    input_cost_per_token: 2.5e-6,
    output_cost_per_token: 1e-5,
    cache_read_input_token_cost: 1.25e-6,
    max_input_tokens: 128000,
    max_output_tokens: 16384,
    max_tokens: 16384,
    supports_function_calling: true,
    supports_vision: true,
    supports_prompt_caching: true,
    supports_response_schema: true,
  },
  'claude-sonnet-4-5': {
    litellm_provider: 'anthropic',
    mode: 'chat',
    input_cost_per_token: 3e-6,
    output_cost_per_token: 1.5e-5,
    cache_read_input_token_cost: 3e-7,
    cache_creation_input_token_cost: 3.75e-6,
    max_input_tokens: 200000,
    max_output_tokens: 64000,
    supports_reasoning: true,
  },
  'gemini/gemini-2.5-flash': {
    litellm_provider: 'gemini',
    mode: 'chat',
    input_cost_per_token: 3e-7,
    output_cost_per_token: 2.5e-6,
    output_cost_per_reasoning_token: 2.5e-6,
    max_input_tokens: 1048576,
    max_output_tokens: 65535,
    deprecation_date: '2026-06-17',
  },
  'groq/llama-3.3-70b-versatile': {
    litellm_provider: 'groq',
    mode: 'chat',
    input_cost_per_token: 5.9e-7,
    output_cost_per_token: 7.9e-7,
  },
  'groq/openai/gpt-oss-120b': {
    litellm_provider: 'groq',
    mode: 'chat',
    input_cost_per_token: 1.5e-7,
    output_cost_per_token: 7.5e-7,
  },
  'together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo': {
    litellm_provider: 'together_ai',
    mode: 'chat',
    input_cost_per_token: 8.8e-7,
    output_cost_per_token: 8.8e-7,
  },
  'together-ai-21.1b-41b': { litellm_provider: 'together_ai', input_cost_per_token: 8e-7, output_cost_per_token: 8e-7 },
  'fireworks_ai/accounts/fireworks/models/deepseek-r1': {
    litellm_provider: 'fireworks_ai',
    mode: 'chat',
    input_cost_per_token: 3e-6,
    output_cost_per_token: 8e-6,
  },
  'fireworks-ai-up-to-4b': {
    litellm_provider: 'fireworks_ai',
    input_cost_per_token: 2e-7,
    output_cost_per_token: 2e-7,
  },
  'vertex_ai/claude-sonnet-4-5': {
    litellm_provider: 'vertex_ai-anthropic_models',
    mode: 'chat',
    input_cost_per_token: 3e-6,
    output_cost_per_token: 1.5e-5,
  },
  'vertex_ai/meta/llama-3.1-405b-instruct-maas': {
    litellm_provider: 'vertex_ai-llama_models',
    mode: 'chat',
    input_cost_per_token: 5e-6,
    output_cost_per_token: 1.6e-5,
  },
  'gemini-2.5-pro': {
    litellm_provider: 'vertex_ai-language-models',
    mode: 'chat',
    input_cost_per_token: 1.25e-6,
    output_cost_per_token: 1e-5,
  },
  'anthropic.claude-sonnet-4-5-20250929-v1:0': {
    litellm_provider: 'bedrock_converse',
    mode: 'chat',
    input_cost_per_token: 3e-6,
    output_cost_per_token: 1.5e-5,
  },
  'us.anthropic.claude-sonnet-4-5-20250929-v1:0': {
    litellm_provider: 'bedrock_converse',
    mode: 'chat',
    input_cost_per_token: 3.3e-6,
    output_cost_per_token: 1.65e-5,
  },
  // Bedrock: region-pinned and provisioned-throughput variants of a model that also has a bare key.
  'anthropic.claude-v2:1': {
    litellm_provider: 'bedrock',
    mode: 'chat',
    input_cost_per_token: 8e-6,
    output_cost_per_token: 2.4e-5,
  },
  'bedrock/eu-central-1/anthropic.claude-v2:1': {
    litellm_provider: 'bedrock',
    mode: 'chat',
    input_cost_per_token: 8.5e-6,
    output_cost_per_token: 2.5e-5,
  },
  'bedrock/us-east-1/1-month-commitment/anthropic.claude-v2:1': {
    litellm_provider: 'bedrock',
    mode: 'chat',
    input_cost_per_second: 0.0175,
  },
  'bedrock/*/6-month-commitment/cohere.command-text-v14': {
    litellm_provider: 'bedrock',
    mode: 'chat',
    input_cost_per_second: 0.011,
  },
  'bedrock/invoke/anthropic.claude-v2:1': {
    litellm_provider: 'bedrock',
    mode: 'chat',
    input_cost_per_token: 8e-6,
    output_cost_per_token: 2.4e-5,
  },
  // Only region-pinned prices exist: kept once, region stripped, us-east-1 preferred.
  'bedrock/eu-west-3/mistral.mistral-7b-instruct-v0:2': {
    litellm_provider: 'bedrock',
    mode: 'chat',
    input_cost_per_token: 2e-7,
    output_cost_per_token: 2.6e-7,
  },
  'bedrock/us-east-1/mistral.mistral-7b-instruct-v0:2': {
    litellm_provider: 'bedrock',
    mode: 'chat',
    input_cost_per_token: 1.5e-7,
    output_cost_per_token: 2e-7,
  },
  'bedrock/us-west-2/mistral.mistral-7b-instruct-v0:2': {
    litellm_provider: 'bedrock',
    mode: 'chat',
    input_cost_per_token: 1.5e-7,
    output_cost_per_token: 2e-7,
  },
  '1024-x-1024/50-steps/stability.stable-diffusion-xl-v1': {
    litellm_provider: 'bedrock',
    mode: 'image_generation',
    output_cost_per_image: 0.04,
  },
  '1024-x-1024/max-steps/stability.stable-diffusion-xl-v1': {
    litellm_provider: 'bedrock',
    mode: 'image_generation',
    output_cost_per_image: 0.08,
  },
  'azure/gpt-4o-2024-08-06': {
    litellm_provider: 'azure',
    mode: 'chat',
    input_cost_per_token: 2.5e-6,
    output_cost_per_token: 1e-5,
  },
  'azure/eu/gpt-4o-2024-08-06': {
    litellm_provider: 'azure',
    mode: 'chat',
    input_cost_per_token: 2.75e-6,
    output_cost_per_token: 1.1e-5,
  },
  'azure/standard/1024-x-1024/dall-e-2': {
    litellm_provider: 'azure',
    mode: 'image_generation',
    input_cost_per_pixel: 1.9e-8,
    output_cost_per_token: 0,
  },
  'azure_ai/grok-3': {
    litellm_provider: 'azure_ai',
    mode: 'chat',
    input_cost_per_token: 3.3e-6,
    output_cost_per_token: 1.65e-5,
  },
  'dall-e-3': { litellm_provider: 'openai', mode: 'image_generation', input_cost_per_image: 0.04 },
  'hd/1024-x-1024/dall-e-3': {
    litellm_provider: 'openai',
    mode: 'image_generation',
    input_cost_per_pixel: 7.629e-8,
    output_cost_per_pixel: 0,
  },
  'openai/sora-2': { litellm_provider: 'openai', mode: 'video_generation' },
  'whisper-1': { litellm_provider: 'openai', mode: 'audio_transcription' },
  'tts-1': { litellm_provider: 'openai', mode: 'audio_speech' },
  'text-embedding-3-small': {
    litellm_provider: 'openai',
    mode: 'embedding',
    input_cost_per_token: 2e-8,
    output_cost_per_token: 0,
    max_input_tokens: 8191,
    max_tokens: 8191,
  },
  'omni-moderation-latest': { litellm_provider: 'openai', mode: 'moderation' },
  'o1-pro': {
    litellm_provider: 'openai',
    mode: 'responses',
    input_cost_per_token: 1.5e-4,
    output_cost_per_token: 6e-4,
  },
  'gpt-realtime': { litellm_provider: 'openai', mode: 'realtime' },
  'gpt-no-mode': { litellm_provider: 'openai', input_cost_per_token: 1e-6 },
  'rerank-v3.5': { litellm_provider: 'cohere', mode: 'rerank' },
  'command-r': {
    litellm_provider: 'cohere_chat',
    mode: 'chat',
    input_cost_per_token: 1.5e-7,
    output_cost_per_token: 6e-7,
  },
  'perplexity/sonar': {
    litellm_provider: 'perplexity',
    mode: 'chat',
    input_cost_per_token: 1e-6,
    output_cost_per_token: 1e-6,
  },
  'perplexity/perplexity/sonar': { litellm_provider: 'perplexity', mode: 'search' },
  'deepseek-chat': {
    litellm_provider: 'deepseek',
    mode: 'chat',
    input_cost_per_token: 2.8e-7,
    output_cost_per_token: 4.2e-7,
    cache_read_input_token_cost: 2.8e-8,
  },
  'deepseek/deepseek-chat': {
    litellm_provider: 'deepseek',
    mode: 'chat',
    input_cost_per_token: 2.8e-7,
    output_cost_per_token: 4.2e-7,
  },
  'ollama/llama3:70b': { litellm_provider: 'ollama', mode: 'chat', input_cost_per_token: 0, output_cost_per_token: 0 },
  'replicate/meta/llama-3-70b-instruct': {
    litellm_provider: 'replicate',
    mode: 'chat',
    input_cost_per_token: 6.5e-7,
    output_cost_per_token: 2.75e-6,
  },
  'replicateopenai/gpt-oss-20b': {
    litellm_provider: 'replicate',
    mode: 'chat',
    input_cost_per_token: 9e-8,
    output_cost_per_token: 3.6e-7,
  },
  'huggingface/meta-llama/Llama-3.1-8B-Instruct': { litellm_provider: 'huggingface', mode: 'chat' },
  'xai/grok-4': { litellm_provider: 'xai', mode: 'chat', input_cost_per_token: 3e-6, output_cost_per_token: 1.5e-5 },
  'mistral/mistral-large-latest': {
    litellm_provider: 'mistral',
    mode: 'chat',
    input_cost_per_token: 5e-7,
    output_cost_per_token: 1.5e-6,
  },
  'jamba-large-1.7': {
    litellm_provider: 'ai21',
    mode: 'chat',
    input_cost_per_token: 2e-6,
    output_cost_per_token: 8e-6,
  },
  // Providers Switchyard does not serve: kept as metadata.
  'openrouter/openai/gpt-5.2': {
    litellm_provider: 'openrouter',
    mode: 'chat',
    input_cost_per_token: 1.75e-6,
    output_cost_per_token: 1.4e-5,
  },
  'azure/gpt-35-turbo-instruct': {
    litellm_provider: 'azure_text',
    mode: 'completion',
    input_cost_per_token: 1.5e-6,
    output_cost_per_token: 2e-6,
  },
  'amazon-nova/nova-pro-v1': {
    litellm_provider: 'amazon_nova',
    mode: 'chat',
    input_cost_per_token: 8e-7,
    output_cost_per_token: 3.2e-6,
  },
  // Junk the mapper must survive.
  'junk-model': {
    litellm_provider: 'openai',
    mode: 42,
    input_cost_per_token: '0.001',
    output_cost_per_token: -1,
    cache_read_input_token_cost: Number.NaN,
    max_input_tokens: 'lots',
    max_tokens: Number.POSITIVE_INFINITY,
    supports_vision: 'yes',
    deprecation_date: 'soon',
  },
  'no-provider': { mode: 'chat', input_cost_per_token: 1e-6 },
  'null-entry': null,
  'list-entry': [1, 2, 3],
};

const entries = fromSource(SAMPLE);

function find(provider: string, model: string): CatalogEntry | undefined {
  return entries.find((entry) => entry.provider === provider && entry.model === model);
}

function mustFind(provider: string, model: string): CatalogEntry {
  const entry = find(provider, model);
  if (entry === undefined) throw new Error(`no catalog entry for ${provider} / ${model}`);
  return entry;
}

describe('mapSourceProvider', () => {
  it.each([
    ['openai', 'openai'],
    ['anthropic', 'anthropic'],
    ['gemini', 'gemini'],
    ['mistral', 'mistral'],
    ['groq', 'groq'],
    ['cohere', 'cohere'],
    ['cohere_chat', 'cohere'],
    ['deepseek', 'deepseek'],
    ['together_ai', 'together'],
    ['perplexity', 'perplexity'],
    ['fireworks_ai', 'fireworks'],
    ['ai21', 'ai21'],
    ['ai21_chat', 'ai21'],
    ['xai', 'xai'],
    ['azure', 'azure-openai'],
    ['azure_ai', 'azure-foundry'],
    ['ollama', 'ollama'],
    ['ollama_chat', 'ollama'],
    ['bedrock', 'bedrock'],
    ['bedrock_converse', 'bedrock'],
    ['replicate', 'replicate'],
    ['vertex_ai', 'vertex-ai'],
    ['vertex_ai-language-models', 'vertex-ai'],
    ['vertex_ai-anthropic_models', 'vertex-ai'],
    ['huggingface', 'hugging-face'],
    ['vertex-ai', 'vertex-ai'],
  ])('%s → %s (routable)', (source, provider) => {
    expect(mapSourceProvider(source)).toEqual({ provider, routable: true });
  });

  it.each(['openrouter', 'azure_text', 'text-completion-openai', 'fireworks_ai-embedding-models', 'vertex'])(
    '%s stays as is, not routable',
    (source) => {
      expect(mapSourceProvider(source)).toEqual({ provider: source, routable: false });
    },
  );
});

describe('parseSourceKey', () => {
  it.each([
    ['gemini/gemini-2.5-pro', 'gemini', 'gemini-2.5-pro', []],
    ['groq/openai/gpt-oss-120b', 'groq', 'openai/gpt-oss-120b', []],
    ['fireworks_ai/accounts/fireworks/models/x', 'fireworks_ai', 'accounts/fireworks/models/x', []],
    ['vertex_ai/meta/llama-3.1-405b-instruct-maas', 'vertex_ai-llama_models', 'meta/llama-3.1-405b-instruct-maas', []],
    ['perplexity/perplexity/sonar', 'perplexity', 'perplexity/sonar', []],
    [
      'bedrock/us-east-1/1-month-commitment/anthropic.claude-v2:1',
      'bedrock',
      'anthropic.claude-v2:1',
      ['us-east-1', '1-month-commitment'],
    ],
    [
      'bedrock/us-gov-west-1/anthropic.claude-3-haiku-20240307-v1:0',
      'bedrock',
      'anthropic.claude-3-haiku-20240307-v1:0',
      ['us-gov-west-1'],
    ],
    [
      '1024-x-1024/50-steps/bedrock/amazon.nova-canvas-v1:0',
      'bedrock',
      'amazon.nova-canvas-v1:0',
      ['1024-x-1024', '50-steps'],
    ],
    ['azure/high/1536-x-1024/gpt-image-1', 'azure', 'gpt-image-1', ['high', '1536-x-1024']],
    ['azure/speech/azure-tts', 'azure', 'speech/azure-tts', []],
    ['us.anthropic.claude-3-haiku-20240307-v1:0', 'bedrock', 'us.anthropic.claude-3-haiku-20240307-v1:0', []],
    ['gpt-4o', 'openai', 'gpt-4o', []],
    ['ft:gpt-4o-mini-2024-07-18', 'openai', 'ft:gpt-4o-mini-2024-07-18', []],
  ])('%s (%s) → %s', (key, sourceProvider, model, qualifiers) => {
    expect(parseSourceKey(key, sourceProvider)).toEqual({ model, qualifiers });
  });
});

describe('fromSource', () => {
  it('strips each source provider prefix to the id the provider API expects', () => {
    const expected: [string, string][] = [
      ['openai', 'gpt-4o'],
      ['anthropic', 'claude-sonnet-4-5'],
      ['gemini', 'gemini-2.5-flash'],
      ['groq', 'llama-3.3-70b-versatile'],
      ['groq', 'openai/gpt-oss-120b'],
      ['together', 'meta-llama/Llama-3.3-70B-Instruct-Turbo'],
      ['fireworks', 'accounts/fireworks/models/deepseek-r1'],
      ['vertex-ai', 'claude-sonnet-4-5'],
      ['vertex-ai', 'meta/llama-3.1-405b-instruct-maas'],
      ['vertex-ai', 'gemini-2.5-pro'],
      ['bedrock', 'anthropic.claude-sonnet-4-5-20250929-v1:0'],
      ['bedrock', 'us.anthropic.claude-sonnet-4-5-20250929-v1:0'],
      ['azure-openai', 'gpt-4o-2024-08-06'],
      ['azure-foundry', 'grok-3'],
      ['cohere', 'rerank-v3.5'],
      ['cohere', 'command-r'],
      ['perplexity', 'sonar'],
      ['perplexity', 'perplexity/sonar'],
      ['deepseek', 'deepseek-chat'],
      ['ollama', 'llama3:70b'],
      ['replicate', 'meta/llama-3-70b-instruct'],
      ['replicate', 'openai/gpt-oss-20b'],
      ['hugging-face', 'meta-llama/Llama-3.1-8B-Instruct'],
      ['xai', 'grok-4'],
      ['mistral', 'mistral-large-latest'],
      ['ai21', 'jamba-large-1.7'],
    ];
    for (const [provider, model] of expected) {
      expect(find(provider, model), `${provider} / ${model}`).toMatchObject({ provider, model, routable: true });
    }
  });

  it('maps modes, unknown and missing ones to other', () => {
    const modes = {
      'gpt-4o': 'chat',
      'text-embedding-3-small': 'embedding',
      'dall-e-3': 'image',
      'sora-2': 'video',
      'whisper-1': 'audio-transcription',
      'tts-1': 'audio-speech',
      'omni-moderation-latest': 'moderation',
      'o1-pro': 'responses',
      'gpt-realtime': 'other',
      'gpt-no-mode': 'other',
      'junk-model': 'other',
    };
    for (const [model, mode] of Object.entries(modes)) expect(mustFind('openai', model).mode, model).toBe(mode);
    expect(mustFind('cohere', 'rerank-v3.5').mode).toBe('rerank');
    expect(mustFind('perplexity', 'perplexity/sonar').mode).toBe('search');
    expect(mustFind('azure_text', 'gpt-35-turbo-instruct').mode).toBe('completion');
  });

  it('converts per-token prices to exact per-million prices', () => {
    expect(mustFind('openai', 'gpt-4o').pricing).toStrictEqual({ input: 2.5, output: 10, cachedInput: 1.25 });
    expect(mustFind('anthropic', 'claude-sonnet-4-5').pricing).toStrictEqual({
      input: 3,
      output: 15,
      cachedInput: 0.3,
      cacheWrite: 3.75,
    });
    expect(mustFind('gemini', 'gemini-2.5-flash').pricing).toStrictEqual({ input: 0.3, output: 2.5, reasoning: 2.5 });
    expect(mustFind('groq', 'llama-3.3-70b-versatile').pricing).toStrictEqual({ input: 0.59, output: 0.79 });
    expect(mustFind('openai', 'text-embedding-3-small').pricing).toStrictEqual({ input: 0.02, output: 0 });
    expect(mustFind('ollama', 'llama3:70b').pricing).toStrictEqual({ input: 0, output: 0 });
  });

  it('removes float noise carried by source values', () => {
    const [entry] = fromSource({
      noisy: {
        litellm_provider: 'openai',
        input_cost_per_token: 2.9999900000000002e-6,
        output_cost_per_token: 0.0002833333333333333,
      },
    });
    expect(entry?.pricing).toStrictEqual({ input: 2.99999, output: 283.333333333 });
  });

  it('converts any price with up to 6 decimals per million exactly (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000_000 }), fc.integer({ min: 0, max: 6 }), (units, decimals) => {
        const perMillion = Number(`${units}e-${decimals}`);
        const perToken = Number(`${units}e-${decimals + 6}`);
        const [entry] = fromSource({ m: { litellm_provider: 'openai', input_cost_per_token: perToken } });
        expect(entry?.pricing.input).toBe(perMillion);
      }),
    );
  });

  it('prices generated images per image', () => {
    // The size/quality variants are kept beside the plain price (7.629e-8 per pixel × 1024 × 1024).
    expect(mustFind('openai', 'dall-e-3').pricing).toStrictEqual({
      perImage: 0.04,
      imageVariants: { 'hd/1024x1024': 0.08 },
    });
    // 1.9e-8 per pixel × 1024 × 1024, no more precise than the per-pixel figure
    expect(mustFind('azure-openai', 'dall-e-2').pricing).toStrictEqual({
      output: 0,
      perImage: 0.02,
      imageVariants: { 'standard/1024x1024': 0.02 },
    });
    expect(mustFind('bedrock', 'stability.stable-diffusion-xl-v1').pricing).toStrictEqual({ perImage: 0.04 });
  });

  it('maps limits, capabilities and deprecation date', () => {
    expect(mustFind('openai', 'gpt-4o')).toStrictEqual({
      provider: 'openai',
      routable: true,
      model: 'gpt-4o',
      mode: 'chat',
      contextWindow: 128000,
      maxOutputTokens: 16384,
      pricing: { input: 2.5, output: 10, cachedInput: 1.25 },
      capabilities: { tools: true, vision: true, reasoning: false, promptCaching: true, jsonSchema: true },
    });
    expect(mustFind('gemini', 'gemini-2.5-flash').deprecationDate).toBe('2026-06-17');
    // max_tokens stands in for a missing max_input_tokens / max_output_tokens
    expect(mustFind('openai', 'text-embedding-3-small')).toMatchObject({ contextWindow: 8191, maxOutputTokens: 8191 });
    expect(mustFind('anthropic', 'claude-sonnet-4-5').capabilities.reasoning).toBe(true);
  });

  it('ignores non-numeric and out-of-range junk', () => {
    expect(mustFind('openai', 'junk-model')).toStrictEqual({
      provider: 'openai',
      routable: true,
      model: 'junk-model',
      mode: 'other',
      pricing: {},
      capabilities: { tools: false, vision: false, reasoning: false, promptCaching: false, jsonSchema: false },
    });
  });

  it('keeps other providers as non-routable metadata, prefix stripped', () => {
    expect(mustFind('openrouter', 'openai/gpt-5.2')).toMatchObject({
      routable: false,
      pricing: { input: 1.75, output: 14 },
    });
    expect(mustFind('azure_text', 'gpt-35-turbo-instruct').routable).toBe(false);
    expect(mustFind('amazon_nova', 'nova-pro-v1').routable).toBe(false);
  });

  it('skips documentation, metadata and non-model keys', () => {
    const models = entries.map((entry) => entry.model);
    for (const skipped of [
      'sample_spec',
      'last_updated',
      'fallback_generalizations',
      'no-provider',
      'null-entry',
      'list-entry',
    ]) {
      expect(models).not.toContain(skipped);
    }
    // LiteLLM's size-bucket price fallbacks are not models
    expect(models.some((model) => /^(fireworks-ai|together-ai)-/.test(model))).toBe(false);
  });

  it('dedupes (provider, model): list price beats region-pinned, commitment terms are dropped', () => {
    const ids = entries.map((entry) => `${entry.provider} ${entry.model}`);
    expect(new Set(ids).size).toBe(ids.length);

    expect(mustFind('bedrock', 'anthropic.claude-v2:1').pricing).toStrictEqual({ input: 8, output: 24 });
    expect(find('bedrock', 'cohere.command-text-v14')).toBeUndefined();
    expect(mustFind('azure-openai', 'gpt-4o-2024-08-06').pricing).toStrictEqual({ input: 2.5, output: 10 });
    // only region-pinned prices: one entry, region stripped, us-east-1 preferred
    expect(mustFind('bedrock', 'mistral.mistral-7b-instruct-v0:2').pricing).toStrictEqual({ input: 0.15, output: 0.2 });
    // only size-pinned prices: 1024x1024 at 50 steps preferred
    expect(mustFind('bedrock', 'stability.stable-diffusion-xl-v1').pricing.perImage).toBe(0.04);
    // bare key beats the provider-prefixed alias
    expect(mustFind('deepseek', 'deepseek-chat').pricing.cachedInput).toBe(0.028);
    // bare OpenAI list price beats the size/quality-pinned one
    expect(mustFind('openai', 'dall-e-3').pricing.perImage).toBe(0.04);
  });

  it('sorts by provider then model', () => {
    const sorted = [...entries].sort((a, b) =>
      a.provider === b.provider ? (a.model < b.model ? -1 : 1) : a.provider < b.provider ? -1 : 1,
    );
    expect(entries).toStrictEqual(sorted);
  });

  it('is deterministic: same input → deep-equal, JSON-identical output, whatever the key order', () => {
    const again = fromSource(SAMPLE);
    expect(again).toStrictEqual(entries);
    expect(JSON.stringify(again)).toBe(JSON.stringify(entries));

    const reversed = Object.fromEntries(Object.entries(SAMPLE).reverse());
    expect(JSON.stringify(fromSource(reversed))).toBe(JSON.stringify(entries));
  });

  it('does not mutate its input', () => {
    const before = JSON.stringify(SAMPLE);
    fromSource(SAMPLE);
    expect(JSON.stringify(SAMPLE)).toBe(before);
  });
});

describe('fromSource: prices that are not per token', () => {
  it('keeps every image size/quality variant beside the model, per image or per pixel × pixels', () => {
    const [entry] = fromSource({
      'dall-e-3': { litellm_provider: 'openai', mode: 'image_generation', input_cost_per_image: 0.04 },
      'hd/1024-x-1792/dall-e-3': {
        litellm_provider: 'openai',
        mode: 'image_generation',
        input_cost_per_pixel: 6.539e-8,
        output_cost_per_pixel: 0,
      },
      'low/1024-x-1024/dall-e-3': { litellm_provider: 'openai', mode: 'image_generation', input_cost_per_image: 0.011 },
      '1024-x-1024/50-steps/dall-e-3': {
        litellm_provider: 'openai',
        mode: 'image_generation',
        input_cost_per_image: 9,
      },
    });
    expect(entry?.pricing).toEqual({
      perImage: 0.04,
      imageVariants: { 'hd/1024x1792': 0.12, 'low/1024x1024': 0.011 },
    });
  });

  it('keeps per-character, per-second, per-query and image-token prices of their modes', () => {
    const entries = fromSource({
      'tts-1': { litellm_provider: 'openai', mode: 'audio_speech', input_cost_per_character: 1.5e-5 },
      'whisper-1': {
        litellm_provider: 'openai',
        mode: 'audio_transcription',
        input_cost_per_second: 1e-4,
        output_cost_per_second: 1e-4,
      },
      'rerank-v3.5': { litellm_provider: 'cohere', mode: 'rerank', input_cost_per_query: 0.002 },
      'gpt-image-1': {
        litellm_provider: 'openai',
        mode: 'image_generation',
        input_cost_per_token: 5e-6,
        input_cost_per_image_token: 1e-5,
        output_cost_per_image_token: 4e-5,
      },
    });
    const pricing = Object.fromEntries(entries.map((e) => [e.model, e.pricing]));
    expect(pricing['tts-1']).toEqual({ perCharacter: 1.5e-5 });
    expect(pricing['whisper-1']).toEqual({ perSecond: 1e-4 });
    expect(pricing['rerank-v3.5']).toEqual({ perQuery: 0.002 });
    expect(pricing['gpt-image-1']).toEqual({ input: 5, imageInput: 10, imageOutput: 40 });
  });
});
