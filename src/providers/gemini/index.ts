import { baseUrlFrom, hideSecrets, joinUrl, withKeyPool } from '../define.ts';
import { KeyPool } from '../key-pool.ts';
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
    {
      name: 'GEMINI_API_KEY',
      description: 'Google AI Studio API key; setting it activates the provider.',
      secret: true,
    },
    { name: 'GEMINI_BASE_URL', description: 'Overrides https://generativelanguage.googleapis.com.', url: true },
  ],
  create(env) {
    const baseUrl = baseUrlFrom(env, 'GEMINI', this.defaultBaseUrl);
    const pool = KeyPool.of(env.GEMINI_API_KEY, (key) => ({ 'x-goog-api-key': key }));
    return withKeyPool(
      hideSecrets({
        id: this.id,
        wireFormat: this.wireFormat,
        baseUrl,
        // A header, never a `?key=` query parameter: URLs end up in logs.
        authHeaders: pool?.firstHeaders ?? { 'x-goog-api-key': env.GEMINI_API_KEY ?? '' },
        // Gemini streams always end with their usage.
        acceptsStreamOptions: false,
        // Paths come from the Gemini format, API version and query (`?alt=sse`) included. The client's
        // own query string belongs to its API (e.g. the Anthropic SDK's `?beta=true`), and Google
        // rejects query parameters it does not know, so it is not forwarded.
        url: (path) => joinUrl(baseUrl, path),
      }),
      pool,
    );
  },
};

export default provider;
