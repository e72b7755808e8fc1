import { azureAuth, azureAuthProblems } from '../../upstream/azure-entra.ts';
import { hideSecrets, joinUrl, withKeyPool, withQuery } from '../define.ts';
import type { ProviderSpec } from '../types.ts';

const DEFAULT_API_VERSION = '2024-05-01-preview';

const provider: ProviderSpec = {
  id: 'azure-foundry',
  displayName: 'Azure AI Foundry',
  wireFormat: 'openai',
  defaultBaseUrl: 'https://{resource}.services.ai.azure.com/models',
  envPrefix: 'AZURE_FOUNDRY',
  capabilities: { chat: true, embeddings: true, images: false },
  // Without a key, the gateway authenticates with Microsoft Entra ID.
  activation: [['AZURE_FOUNDRY_ENDPOINT'], ['AZURE_FOUNDRY_BASE_URL']],
  authModes: ['entra'],
  env: [
    {
      name: 'AZURE_FOUNDRY_API_KEY',
      description: 'Azure AI Foundry key (sent as the api-key header); without it, Entra ID tokens are sent instead.',
      secret: true,
    },
    {
      name: 'AZURE_FOUNDRY_ENDPOINT',
      description:
        'Model inference endpoint, e.g. https://myres.services.ai.azure.com/models; setting it activates the provider.',
      url: true,
    },
    { name: 'AZURE_FOUNDRY_API_VERSION', description: `api-version query parameter (default ${DEFAULT_API_VERSION}).` },
    { name: 'AZURE_FOUNDRY_BASE_URL', description: 'Overrides AZURE_FOUNDRY_ENDPOINT.', url: true },
  ],
  validate: (env) => azureAuthProblems(env, 'AZURE_FOUNDRY'),
  create(env) {
    const baseUrl = env.AZURE_FOUNDRY_BASE_URL || env.AZURE_FOUNDRY_ENDPOINT || '';
    const apiVersion = env.AZURE_FOUNDRY_API_VERSION || DEFAULT_API_VERSION;
    const { keyPool, ...auth } = azureAuth(env, 'AZURE_FOUNDRY', 'Azure AI Foundry');
    return withKeyPool(
      hideSecrets({
        id: this.id,
        wireFormat: this.wireFormat,
        baseUrl,
        acceptsStreamOptions: true,
        ...auth,
        // One endpoint for every deployment: the body's model picks it, so the model stays in the body.
        url: (path, search) => withQuery(joinUrl(baseUrl, path), search, { 'api-version': apiVersion }),
      }),
      keyPool,
    );
  },
};

export default provider;
