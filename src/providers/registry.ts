import ai21 from './ai21/index.ts';
import anthropic from './anthropic/index.ts';
import azureFoundry from './azure-foundry/index.ts';
import azureOpenai from './azure-openai/index.ts';
import bedrock from './bedrock/index.ts';
import cohere from './cohere/index.ts';
import deepseek from './deepseek/index.ts';
import { hideSecrets } from './define.ts';
import demo from './demo/index.ts';
import fireworks from './fireworks/index.ts';
import gemini from './gemini/index.ts';
import groq from './groq/index.ts';
import huggingFace from './hugging-face/index.ts';
import hyperbolic from './hyperbolic/index.ts';
import inception from './inception/index.ts';
import inferenceNet from './inference-net/index.ts';
import lmStudio from './lm-studio/index.ts';
import mistral from './mistral/index.ts';
import ollama from './ollama/index.ts';
import openai from './openai/index.ts';
import openrouter from './openrouter/index.ts';
import perplexity from './perplexity/index.ts';
import replicate from './replicate/index.ts';
import together from './together/index.ts';
import type { Env, Provider, ProviderSpec } from './types.ts';
import vertexAi from './vertex-ai/index.ts';
import vllm from './vllm/index.ts';
import xai from './xai/index.ts';

/** Every built-in provider, in registry order (the order used when nothing else decides). */
export const PROVIDERS: readonly ProviderSpec[] = [
  openai,
  anthropic,
  gemini,
  mistral,
  groq,
  cohere,
  deepseek,
  together,
  perplexity,
  fireworks,
  ai21,
  xai,
  azureOpenai,
  azureFoundry,
  ollama,
  bedrock,
  replicate,
  vertexAi,
  huggingFace,
  openrouter,
  hyperbolic,
  inception,
  inferenceNet,
  vllm,
  lmStudio,
  // Last: a real provider wins wherever registry order decides.
  demo,
];

export const PROVIDER_IDS: readonly string[] = PROVIDERS.map((p) => p.id);

/** `<PREFIX>_AUTH_MODE`: `key` (default: the gateway injects the provider's key) or `passthrough`. */
export const authModeVariable = (spec: ProviderSpec) => `${spec.envPrefix}_AUTH_MODE`;

const isPassthrough = (spec: ProviderSpec, env: Env) => env[authModeVariable(spec)] === 'passthrough';

/** Active when one activation group is fully set; in pass-through mode the client brings the credentials. */
export function isActive(spec: ProviderSpec, env: Env): boolean {
  if (spec.enabled) return spec.enabled(env);
  const passthrough = isPassthrough(spec, env);
  const isSecret = (name: string) => spec.env.some((v) => v.name === name && v.secret);
  return spec.activation.some((group) => group.every((name) => Boolean(env[name]) || (passthrough && isSecret(name))));
}

/** The providers whose variables are set, keyed by id, in registry order. */
export function activeProviders(env: Env, specs: readonly ProviderSpec[] = PROVIDERS): Map<string, Provider> {
  const active = new Map<string, Provider>();
  for (const spec of specs) {
    if (!isActive(spec, env)) continue;
    const created = spec.create(env);
    const provider = isPassthrough(spec, env) ? withPassthrough(created) : created;
    provider.capabilities = spec.capabilities;
    active.set(spec.id, provider);
  }
  return active;
}

/** The same provider, forwarding the client's credentials instead of injecting its own key. */
function withPassthrough(provider: Provider): Provider {
  return hideSecrets({
    id: provider.id,
    wireFormat: provider.wireFormat,
    baseUrl: provider.baseUrl,
    acceptsStreamOptions: provider.acceptsStreamOptions,
    defaultHeaders: provider.defaultHeaders,
    listModels: provider.listModels?.bind(provider),
    ...(provider.nativeFormats ? { nativeFormats: provider.nativeFormats } : {}),
    url: provider.url.bind(provider),
    // Where and in which shape requests go stays the provider's; only who authenticates changes.
    ...(provider.wireFormatFor ? { wireFormatFor: provider.wireFormatFor.bind(provider) } : {}),
    ...(provider.adaptRequest ? { adaptRequest: provider.adaptRequest.bind(provider) } : {}),
    authHeaders: {},
    passthrough: true,
  });
}
