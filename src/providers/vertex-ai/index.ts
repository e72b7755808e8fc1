import { GatewayError } from '../../errors.ts';
import { AccessTokenCache, GOOGLE_TOKEN_URL, serviceAccountTokenFetcher } from '../../upstream/google-auth.ts';
import { baseUrlFrom, hideSecrets, joinUrl } from '../define.ts';
import type { Env, ProviderSpec } from '../types.ts';
import { readServiceAccountKey } from './credentials.ts';
import { adaptVertexRequest, vertexBaseUrl, vertexWireFormat } from './requests.ts';

const locationOf = (env: Env) => env.VERTEX_AI_LOCATION || 'us-central1';

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
    {
      name: 'VERTEX_AI_LOCATION',
      description: 'Vertex AI region (default us-central1; `global` for the global endpoint).',
    },
    {
      name: 'GOOGLE_APPLICATION_CREDENTIALS',
      description: 'Path of the service-account key file (JSON) Vertex AI access tokens are minted with.',
    },
    {
      name: 'VERTEX_AI_SERVICE_ACCOUNT_JSON',
      description: 'The service-account key JSON itself; wins over GOOGLE_APPLICATION_CREDENTIALS.',
      secret: true,
    },
    {
      name: 'VERTEX_AI_TOKEN_URL',
      description:
        "Overrides the OAuth2 token endpoint (default: the key's token_uri, else https://oauth2.googleapis.com/token).",
      url: true,
    },
    {
      name: 'VERTEX_AI_BASE_URL',
      description:
        'Overrides https://{location}-aiplatform.googleapis.com (https://aiplatform.googleapis.com for global).',
      url: true,
    },
  ],
  validate(env) {
    const problems: string[] = [];
    const location = locationOf(env);
    // It becomes part of the host name and of every URL path.
    if (!/^[a-z0-9-]+$/.test(location))
      problems.push(`VERTEX_AI_LOCATION: must be a region such as us-central1 or 'global' (got '${location}')`);
    // In pass-through mode the client brings its own access token.
    if (env.VERTEX_AI_AUTH_MODE !== 'passthrough') {
      const source = readServiceAccountKey(env);
      if ('problem' in source) problems.push(source.problem);
    }
    return problems;
  },
  create(env) {
    const place = { project: env.VERTEX_AI_PROJECT_ID ?? '', location: locationOf(env) };
    const baseUrl = baseUrlFrom(env, 'VERTEX_AI', vertexBaseUrl(place.location));
    const source = readServiceAccountKey(env);
    // Start-up validation reports a bad key before this runs; this guards direct use of the provider.
    const tokens =
      'key' in source
        ? new AccessTokenCache(
            serviceAccountTokenFetcher(source.key, {
              tokenUrl: env.VERTEX_AI_TOKEN_URL || source.key.tokenUri || GOOGLE_TOKEN_URL,
            }),
          )
        : undefined;
    return hideSecrets({
      id: this.id,
      wireFormat: this.wireFormat,
      baseUrl,
      // Authenticates with short-lived OAuth2 access tokens (authorize), not a static key.
      authHeaders: {},
      acceptsStreamOptions: false,
      // Paths are built whole by adaptRequest; the client's query string belongs to its own API.
      url: (path) => joinUrl(baseUrl, path),
      wireFormatFor: vertexWireFormat,
      adaptRequest: (request, target) => adaptVertexRequest(request, target, place),
      async authorize() {
        if (!tokens)
          throw new GatewayError(
            500,
            'provider_misconfigured',
            `Vertex AI has no usable service-account key (${'problem' in source ? source.problem : ''}).`,
          );
        return { authorization: `Bearer ${await tokens.get()}` };
      },
    });
  },
};

export default provider;
