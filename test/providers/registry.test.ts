import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { activeProviders, PROVIDER_IDS, PROVIDERS } from '../../src/providers/registry.ts';

const ids =
  'openai anthropic gemini mistral groq cohere deepseek together perplexity fireworks ai21 xai azure-openai azure-foundry ollama bedrock replicate vertex-ai hugging-face openrouter hyperbolic inception inference-net vllm lm-studio demo';

describe('provider registry', () => {
  it('has the 25 providers and the demo with their ids', () => {
    expect(PROVIDER_IDS.join(' ')).toBe(ids);
  });

  it.each([
    ['openai', { OPENAI_API_KEY: 'k' }],
    ['anthropic', { ANTHROPIC_API_KEY: 'k' }],
    ['gemini', { GEMINI_API_KEY: 'k' }],
    ['mistral', { MISTRAL_API_KEY: 'k' }],
    ['groq', { GROQ_API_KEY: 'k' }],
    ['cohere', { COHERE_API_KEY: 'k' }],
    ['deepseek', { DEEPSEEK_API_KEY: 'k' }],
    ['together', { TOGETHER_API_KEY: 'k' }],
    ['perplexity', { PERPLEXITY_API_KEY: 'k' }],
    ['fireworks', { FIREWORKS_API_KEY: 'k' }],
    ['ai21', { AI21_API_KEY: 'k' }],
    ['xai', { XAI_API_KEY: 'k' }],
    ['azure-openai', { AZURE_OPENAI_API_KEY: 'k', AZURE_OPENAI_ENDPOINT: 'https://x.openai.azure.com' }],
    ['azure-foundry', { AZURE_FOUNDRY_API_KEY: 'k', AZURE_FOUNDRY_ENDPOINT: 'https://x.services.ai.azure.com/models' }],
    ['ollama', { OLLAMA_HOST: 'http://localhost:11434' }],
    ['bedrock', { AWS_REGION: 'eu-west-1' }],
    ['bedrock', { AWS_ACCESS_KEY_ID: 'AKIA', AWS_SECRET_ACCESS_KEY: 's' }],
    ['replicate', { REPLICATE_API_TOKEN: 'k' }],
    ['vertex-ai', { VERTEX_AI_PROJECT_ID: 'p' }],
    ['hugging-face', { HUGGING_FACE_API_KEY: 'k' }],
    ['openrouter', { OPENROUTER_API_KEY: 'k' }],
    ['hyperbolic', { HYPERBOLIC_API_KEY: 'k' }],
    ['inception', { INCEPTION_API_KEY: 'k' }],
    ['inference-net', { INFERENCE_NET_API_KEY: 'k' }],
    ['vllm', { VLLM_BASE_URL: 'http://localhost:8000/v1' }],
    ['lm-studio', { LM_STUDIO_BASE_URL: 'http://localhost:1234/v1' }],
    ['demo', { DEMO: 'true' }],
  ])('%s is active exactly when its variables are set', (id, env) => {
    expect([...activeProviders(env).keys()]).toEqual([id]);
  });

  it('azure-openai needs its endpoint as well as its key', () => {
    expect(activeProviders({ AZURE_OPENAI_API_KEY: 'k' }).size).toBe(0);
  });

  it.each([
    ['openai', 'https://api.openai.com/v1/chat/completions'],
    ['mistral', 'https://api.mistral.ai/v1/chat/completions'],
    ['groq', 'https://api.groq.com/openai/v1/chat/completions'],
    ['deepseek', 'https://api.deepseek.com/chat/completions'],
    ['together', 'https://api.together.xyz/v1/chat/completions'],
    ['perplexity', 'https://api.perplexity.ai/chat/completions'],
    ['fireworks', 'https://api.fireworks.ai/inference/v1/chat/completions'],
    ['ai21', 'https://api.ai21.com/studio/v1/chat/completions'],
    ['xai', 'https://api.x.ai/v1/chat/completions'],
    ['hugging-face', 'https://router.huggingface.co/v1/chat/completions'],
  ])('%s default chat URL is %s', (id, url) => {
    const env = Object.fromEntries(PROVIDERS.find((p) => p.id === id)!.activation[0]!.map((name) => [name, 'k']));
    expect(activeProviders(env).get(id)!.url('/chat/completions', '', 'm')).toBe(url);
  });

  it('<PREFIX>_BASE_URL overrides the base URL', () => {
    const groq = activeProviders({ GROQ_API_KEY: 'k', GROQ_BASE_URL: 'http://127.0.0.1:9999/openai/v1/' }).get('groq')!;
    expect(groq.url('/embeddings', '?x=1', 'm')).toBe('http://127.0.0.1:9999/openai/v1/embeddings?x=1');
  });

  it('azure-openai builds deployment URLs with api-version, from env or from the model', () => {
    const env = { AZURE_OPENAI_API_KEY: 'k', AZURE_OPENAI_ENDPOINT: 'https://myorg.openai.azure.com' };
    const byModel = activeProviders(env).get('azure-openai')!;
    expect(byModel.url('/chat/completions', '', 'gpt-4o')).toBe(
      'https://myorg.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21',
    );
    const pinned = activeProviders({
      ...env,
      AZURE_OPENAI_DEPLOYMENT: 'prod-4o',
      AZURE_OPENAI_API_VERSION: '2025-01-01',
    }).get('azure-openai')!;
    expect(pinned.url('/embeddings', '?user=a', 'ignored')).toBe(
      'https://myorg.openai.azure.com/openai/deployments/prod-4o/embeddings?user=a&api-version=2025-01-01',
    );
    expect(byModel.authHeaders).toEqual({ 'api-key': 'k' });
  });

  it('ollama takes a host without scheme and sends no credential', () => {
    const ollama = activeProviders({ OLLAMA_HOST: '127.0.0.1:11434' }).get('ollama')!;
    expect(ollama.url('/chat/completions', '', 'llama3')).toBe('http://127.0.0.1:11434/v1/chat/completions');
    expect(ollama.authHeaders).toEqual({});
  });

  it('bedrock and vertex-ai build regional base URLs', () => {
    expect(activeProviders({ AWS_ACCESS_KEY_ID: 'a' }).get('bedrock')!.baseUrl).toBe(
      'https://bedrock-runtime.us-east-1.amazonaws.com',
    );
    expect(
      activeProviders({ VERTEX_AI_PROJECT_ID: 'p', VERTEX_AI_LOCATION: 'europe-west4' }).get('vertex-ai')!.baseUrl,
    ).toBe('https://europe-west4-aiplatform.googleapis.com');
  });

  it('a provider never shows its credential when logged or serialised', () => {
    const openai = activeProviders({ OPENAI_API_KEY: 'sk-secret-123' }).get('openai')!;
    expect(openai.authHeaders.authorization).toBe('Bearer sk-secret-123');
    expect(JSON.stringify(openai)).not.toContain('sk-secret-123');
    expect(inspect(openai, { depth: 5 })).not.toContain('sk-secret-123');
  });
});
