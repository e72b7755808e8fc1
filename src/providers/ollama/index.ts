import { joinUrl, simpleProvider } from '../define.ts';
import type { ProviderSpec } from '../types.ts';

const TAGS_TIMEOUT_MS = 2_000;

/** OLLAMA_HOST follows Ollama's own convention, where the scheme may be left out (`127.0.0.1:11434`). */
function originOf(host: string): string {
  return /^https?:\/\//i.test(host) ? host : `http://${host}`;
}

/** The models an Ollama server has pulled, from its native `/api/tags`. */
async function pulledModels(origin: string): Promise<string[]> {
  const response = await fetch(joinUrl(origin, '/api/tags'), { signal: AbortSignal.timeout(TAGS_TIMEOUT_MS) });
  if (!response.ok) throw new Error(`GET /api/tags answered ${response.status}`);
  const body = (await response.json()) as { models?: { name?: string; model?: string }[] };
  return (body.models ?? []).map((m) => m.name ?? m.model ?? '').filter(Boolean);
}

const provider: ProviderSpec = {
  id: 'ollama',
  displayName: 'Ollama',
  wireFormat: 'openai',
  defaultBaseUrl: 'http://localhost:11434/v1',
  envPrefix: 'OLLAMA',
  capabilities: { chat: true, embeddings: true, images: false },
  activation: [['OLLAMA_HOST'], ['OLLAMA_BASE_URL']],
  env: [
    {
      name: 'OLLAMA_HOST',
      description: "Ollama's origin, e.g. http://localhost:11434; setting it activates the provider (no key needed).",
    },
    {
      name: 'OLLAMA_BASE_URL',
      description: "Overrides the OpenAI-compatible base URL (default: OLLAMA_HOST + '/v1').",
      url: true,
    },
    {
      name: 'OLLAMA_MODELS',
      description: "Comma-separated models to list in /v1/models instead of asking the server's /api/tags.",
    },
  ],
  create(env) {
    const baseUrl = env.OLLAMA_BASE_URL || joinUrl(originOf(env.OLLAMA_HOST ?? 'localhost:11434'), '/v1');
    const origin = env.OLLAMA_HOST ? originOf(env.OLLAMA_HOST) : new URL(baseUrl).origin;
    const listed = env.OLLAMA_MODELS?.split(',')
      .map((m) => m.trim())
      .filter(Boolean);
    const provider = simpleProvider(this.id, this.wireFormat, baseUrl, {});
    return Object.assign(provider, {
      listModels: async () => listed ?? pulledModels(origin),
      // Ollama's own API lives at the origin, beside the OpenAI-compatible one: its clients pass through.
      nativeFormats: ['ollama'] as const,
      url: (path: string, search: string) =>
        (path.startsWith('/api/') ? joinUrl(origin, path) : joinUrl(baseUrl, path)) + search,
    });
  },
};

export default provider;
