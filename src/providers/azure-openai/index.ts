import { hideSecrets, withKeyPool, joinUrl, withQuery } from '../define.ts';
import { KeyPool } from '../key-pool.ts';
import type { ProviderSpec } from '../types.ts';

const DEFAULT_API_VERSION = '2024-10-21';

const provider: ProviderSpec = {
  id: 'azure-openai',
  displayName: 'Azure OpenAI',
  wireFormat: 'openai',
  defaultBaseUrl: 'https://{resource}.openai.azure.com/openai',
  envPrefix: 'AZURE_OPENAI',
  capabilities: { chat: true, embeddings: true, images: true },
  activation: [
    ['AZURE_OPENAI_API_KEY', 'AZURE_OPENAI_ENDPOINT'],
    ['AZURE_OPENAI_API_KEY', 'AZURE_OPENAI_BASE_URL'],
  ],
  env: [
    {
      name: 'AZURE_OPENAI_API_KEY',
      description: 'Azure OpenAI key (sent as the api-key header); with the endpoint it activates the provider.',
      secret: true,
    },
    {
      name: 'AZURE_OPENAI_ENDPOINT',
      description: 'Resource endpoint, e.g. https://myorg.openai.azure.com.',
      url: true,
    },
    {
      name: 'AZURE_OPENAI_DEPLOYMENT',
      description: "Deployment to call; when unset, the request's model names the deployment.",
    },
    { name: 'AZURE_OPENAI_API_VERSION', description: `api-version query parameter (default ${DEFAULT_API_VERSION}).` },
    {
      name: 'AZURE_OPENAI_BASE_URL',
      description: 'Overrides the base URL, in the SDK form https://myorg.openai.azure.com/openai.',
      url: true,
    },
  ],
  create(env) {
    // The official SDK's base URL is `<endpoint>/openai`; deployments hang below it.
    const baseUrl = env.AZURE_OPENAI_BASE_URL || joinUrl(env.AZURE_OPENAI_ENDPOINT ?? '', '/openai');
    const deployment = env.AZURE_OPENAI_DEPLOYMENT;
    const apiVersion = env.AZURE_OPENAI_API_VERSION || DEFAULT_API_VERSION;
    const pool = KeyPool.of(env.AZURE_OPENAI_API_KEY, (key) => ({ 'api-key': key }));
    return withKeyPool(
      hideSecrets({
        id: this.id,
        wireFormat: this.wireFormat,
        baseUrl,
        acceptsStreamOptions: true,
        authHeaders: pool?.firstHeaders ?? { 'api-key': env.AZURE_OPENAI_API_KEY ?? '' },
        url(path, search, model) {
          const target = deployment ?? model;
          // Deployment-scoped operations (chat, embeddings, images…) need a deployment; others
          // (files, batches, models) live directly under the base URL.
          const scoped = target !== undefined ? `/deployments/${encodeURIComponent(target)}${path}` : path;
          return withQuery(joinUrl(baseUrl, scoped), search, { 'api-version': apiVersion });
        },
      }),
      pool,
    );
  },
};

export default provider;
