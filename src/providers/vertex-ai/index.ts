import { baseUrlFrom, simpleProvider } from '../define.ts';
import type { ProviderSpec } from '../types.ts';

const provider: ProviderSpec = {
  id: 'vertex-ai',
  displayName: 'Vertex AI',
  wireFormat: 'gemini',
  defaultBaseUrl: 'https://{location}-aiplatform.googleapis.com',
  envPrefix: 'VERTEX_AI',
  capabilities: { chat: true, embeddings: true, images: false },
  activation: [['VERTEX_AI_PROJECT_ID']],
  env: [
    { name: 'VERTEX_AI_PROJECT_ID', description: 'Google Cloud project id; setting it activates the provider.' },
    { name: 'VERTEX_AI_LOCATION', description: 'Vertex AI region (default us-central1).' },
    { name: 'VERTEX_AI_BASE_URL', description: 'Overrides https://{location}-aiplatform.googleapis.com.', url: true },
  ],
  create(env) {
    const location = env.VERTEX_AI_LOCATION || 'us-central1';
    const baseUrl = baseUrlFrom(env, 'VERTEX_AI', this.defaultBaseUrl.replace('{location}', location));
    // Authenticates with short-lived OAuth2 access tokens obtained per request, not a static key.
    return simpleProvider(this.id, this.wireFormat, baseUrl, {});
  },
};

export default provider;
