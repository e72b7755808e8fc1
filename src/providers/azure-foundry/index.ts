import { hideSecrets, withKeyPool, joinUrl, withQuery } from '../define.ts';
import { KeyPool } from '../key-pool.ts';
import type { ProviderSpec } from '../types.ts';

const DEFAULT_API_VERSION = '2024-05-01-preview';

const provider: ProviderSpec = {
  id: 'azure-foundry',
  displayName: 'Azure AI Foundry',
  wireFormat: 'openai',
  defaultBaseUrl: 'https://{resource}.services.ai.azure.com/models',
  envPrefix: 'AZURE_FOUNDRY',
  capabilities: { chat: true, embeddings: true, images: false },
  activation: [
    ['AZURE_FOUNDRY_API_KEY', 'AZURE_FOUNDRY_ENDPOINT'],
    ['AZURE_FOUNDRY_API_KEY', 'AZURE_FOUNDRY_BASE_URL'],
  ],
  env: [
    {
      name: 'AZURE_FOUNDRY_API_KEY',
      description: 'Azure AI Foundry key (sent as the api-key header); with the endpoint it activates the provider.',
      secret: true,
    },
    {
      name: 'AZURE_FOUNDRY_ENDPOINT',
      description: 'Model inference endpoint, e.g. https://myres.services.ai.azure.com/models.',
      url: true,
    },
    { name: 'AZURE_FOUNDRY_API_VERSION', description: `api-version query parameter (default ${DEFAULT_API_VERSION}).` },
    { name: 'AZURE_FOUNDRY_BASE_URL', description: 'Overrides AZURE_FOUNDRY_ENDPOINT.', url: true },
  ],
  create(env) {
    const baseUrl = env.AZURE_FOUNDRY_BASE_URL || env.AZURE_FOUNDRY_ENDPOINT || '';
    const apiVersion = env.AZURE_FOUNDRY_API_VERSION || DEFAULT_API_VERSION;
    const pool = KeyPool.of(env.AZURE_FOUNDRY_API_KEY, (key) => ({ 'api-key': key }));
    return withKeyPool(
      hideSecrets({
        id: this.id,
        wireFormat: this.wireFormat,
        baseUrl,
        acceptsStreamOptions: true,
        authHeaders: pool?.firstHeaders ?? { 'api-key': env.AZURE_FOUNDRY_API_KEY ?? '' },
        // One endpoint for every deployment: the body's model picks it, so the model stays in the body.
        url: (path, search) => withQuery(joinUrl(baseUrl, path), search, { 'api-version': apiVersion }),
      }),
      pool,
    );
  },
};

export default provider;
