import { baseUrlFrom, simpleProvider } from '../define.ts';
import type { ProviderSpec } from '../types.ts';

const provider: ProviderSpec = {
  id: 'anthropic',
  displayName: 'Anthropic',
  wireFormat: 'anthropic',
  defaultBaseUrl: 'https://api.anthropic.com',
  envPrefix: 'ANTHROPIC',
  capabilities: { chat: true, embeddings: false, images: false },
  activation: [['ANTHROPIC_API_KEY']],
  env: [
    { name: 'ANTHROPIC_API_KEY', description: 'Anthropic API key; setting it activates the provider.' },
    { name: 'ANTHROPIC_BASE_URL', description: 'Overrides https://api.anthropic.com.', url: true },
  ],
  create(env) {
    const baseUrl = baseUrlFrom(env, 'ANTHROPIC', this.defaultBaseUrl);
    return simpleProvider(this.id, this.wireFormat, baseUrl, { 'x-api-key': env.ANTHROPIC_API_KEY ?? '' });
  },
};

export default provider;
