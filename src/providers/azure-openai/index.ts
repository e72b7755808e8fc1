import { azureAuth, azureAuthProblems } from '../../upstream/azure-entra.ts';
import { hideSecrets, joinUrl, withKeyPool, withQuery } from '../define.ts';
import type { ProviderSpec } from '../types.ts';

const DEFAULT_API_VERSION = '2024-10-21';

const provider: ProviderSpec = {
  id: 'azure-openai',
  displayName: 'Azure OpenAI',
  wireFormat: 'openai',
  defaultBaseUrl: 'https://{resource}.openai.azure.com/openai',
  envPrefix: 'AZURE_OPENAI',
  capabilities: { chat: true, embeddings: true, images: true },
  // Without a key, the gateway authenticates with Microsoft Entra ID.
  activation: [['AZURE_OPENAI_ENDPOINT'], ['AZURE_OPENAI_BASE_URL']],
  authModes: ['entra'],
  env: [
    {
      name: 'AZURE_OPENAI_API_KEY',
      description: 'Azure OpenAI key (sent as the api-key header); without it, Entra ID tokens are sent instead.',
      secret: true,
    },
    {
      name: 'AZURE_OPENAI_ENDPOINT',
      description: 'Resource endpoint, e.g. https://myorg.openai.azure.com; setting it activates the provider.',
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
  validate: (env) => azureAuthProblems(env, 'AZURE_OPENAI'),
  create(env) {
    // The official SDK's base URL is `<endpoint>/openai`; deployments hang below it.
    const baseUrl = env.AZURE_OPENAI_BASE_URL || joinUrl(env.AZURE_OPENAI_ENDPOINT ?? '', '/openai');
    const deployment = env.AZURE_OPENAI_DEPLOYMENT;
    const apiVersion = env.AZURE_OPENAI_API_VERSION || DEFAULT_API_VERSION;
    const { keyPool, ...auth } = azureAuth(env, 'AZURE_OPENAI', 'Azure OpenAI');
    return withKeyPool(
      hideSecrets({
        id: this.id,
        wireFormat: this.wireFormat,
        baseUrl,
        acceptsStreamOptions: true,
        nativeFormats: ['openai-responses'],
        servesWithoutModel: deployment !== undefined,
        ...auth,
        url(path, search, model) {
          // The Responses API lives in Azure's v1 API, addressed by deployment name in the body.
          if (path === '/responses' || path.startsWith('/responses/')) return joinUrl(baseUrl, `/v1${path}`) + search;
          const target = deployment ?? model;
          // Deployment-scoped operations (chat, embeddings, images…) need a deployment; others
          // (files, batches, models) live directly under the base URL.
          const scoped = target !== undefined ? `/deployments/${encodeURIComponent(target)}${path}` : path;
          return withQuery(joinUrl(baseUrl, scoped), search, { 'api-version': apiVersion });
        },
      }),
      keyPool,
    );
  },
};

export default provider;
