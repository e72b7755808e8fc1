import { baseUrlFrom, simpleProvider } from '../define.ts';
import type { ProviderSpec } from '../types.ts';

const provider: ProviderSpec = {
  id: 'gemini',
  displayName: 'Google Gemini',
  wireFormat: 'gemini',
  defaultBaseUrl: 'https://generativelanguage.googleapis.com',
  envPrefix: 'GEMINI',
  capabilities: { chat: true, embeddings: true, images: false },
  activation: [['GEMINI_API_KEY']],
  env: [
    { name: 'GEMINI_API_KEY', description: 'Google AI Studio API key; setting it activates the provider.', secret: true },
    { name: 'GEMINI_BASE_URL', description: 'Overrides https://generativelanguage.googleapis.com.', url: true },
  ],
  create(env) {
    const baseUrl = baseUrlFrom(env, 'GEMINI', this.defaultBaseUrl);
    // A header, never a `?key=` query parameter: URLs end up in logs.
    return simpleProvider(this.id, this.wireFormat, baseUrl, { 'x-goog-api-key': env.GEMINI_API_KEY ?? '' });
  },
};

export default provider;
