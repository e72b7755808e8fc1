import { joinUrl, simpleProvider } from '../define.ts';
import type { ProviderSpec } from '../types.ts';

/** OLLAMA_HOST follows Ollama's own convention, where the scheme may be left out (`127.0.0.1:11434`). */
function originOf(host: string): string {
  return /^https?:\/\//i.test(host) ? host : `http://${host}`;
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
    { name: 'OLLAMA_HOST', description: "Ollama's origin, e.g. http://localhost:11434; setting it activates the provider (no key needed)." },
    { name: 'OLLAMA_BASE_URL', description: "Overrides the OpenAI-compatible base URL (default: OLLAMA_HOST + '/v1').", url: true },
  ],
  create(env) {
    const baseUrl = env.OLLAMA_BASE_URL || joinUrl(originOf(env.OLLAMA_HOST ?? 'localhost:11434'), '/v1');
    return simpleProvider(this.id, this.wireFormat, baseUrl, {});
  },
};

export default provider;
