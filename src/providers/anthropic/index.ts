import { baseUrlFrom, hideSecrets, joinUrl, withKeyPool } from '../define.ts';
import { KeyPool } from '../key-pool.ts';
import type { Provider, ProviderSpec } from '../types.ts';

/**
 * A provider speaking the Anthropic Messages API at `baseUrl` (the SDK's form, without `/v1`).
 * Shared with Anthropic-format custom providers.
 */
export function anthropicProvider(
  id: string,
  baseUrl: string,
  authHeaders: Record<string, string>,
  apiRoot = '/v1',
): Provider {
  return hideSecrets({
    id,
    wireFormat: 'anthropic',
    baseUrl,
    authHeaders,
    acceptsStreamOptions: false,
    // The API refuses requests without a version; clients such as Claude Code send their own.
    defaultHeaders: { 'anthropic-version': '2023-06-01' },
    url: (path, search) => joinUrl(baseUrl, apiRoot + path) + search,
  });
}

const provider: ProviderSpec = {
  id: 'anthropic',
  displayName: 'Anthropic',
  wireFormat: 'anthropic',
  defaultBaseUrl: 'https://api.anthropic.com',
  envPrefix: 'ANTHROPIC',
  capabilities: { chat: true, embeddings: false, images: false },
  activation: [['ANTHROPIC_API_KEY']],
  env: [
    {
      name: 'ANTHROPIC_API_KEY',
      description: 'Anthropic API key (several, comma-separated, form a key pool); setting it activates the provider.',
      secret: true,
    },
    { name: 'ANTHROPIC_BASE_URL', description: 'Overrides https://api.anthropic.com.', url: true },
  ],
  create(env) {
    const baseUrl = baseUrlFrom(env, 'ANTHROPIC', this.defaultBaseUrl);
    const headerOf = (key: string) => ({ 'x-api-key': key });
    const pool = KeyPool.of(env.ANTHROPIC_API_KEY, headerOf);
    return withKeyPool(
      anthropicProvider(this.id, baseUrl, pool?.firstHeaders ?? headerOf(env.ANTHROPIC_API_KEY ?? '')),
      pool,
    );
  },
};

export default provider;
