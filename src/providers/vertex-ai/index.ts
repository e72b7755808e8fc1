import { GatewayError } from '../../errors.ts';
import { baseUrlFrom, hideSecrets, joinUrl } from '../define.ts';
import type { Env, ProviderSpec } from '../types.ts';
import { readVertexCredentials, vertexTokenSource } from './credentials.ts';
import { adaptVertexRequest, vertexBaseUrl, vertexWireFormat } from './requests.ts';

const locationOf = (env: Env) => env.VERTEX_AI_LOCATION || 'us-central1';

const provider: ProviderSpec = {
  id: 'vertex-ai',
  displayName: 'Vertex AI',
  wireFormat: 'gemini',
  defaultBaseUrl: 'https://{location}-aiplatform.googleapis.com',
  envPrefix: 'VERTEX_AI',
  capabilities: { chat: true, embeddings: true, images: false },
  activation: [['VERTEX_AI_PROJECT_ID'], ['VERTEX_AI_LOCATION']],
  env: [
    {
      name: 'VERTEX_AI_PROJECT_ID',
      description: "Google Cloud project id; setting it activates the provider (credentials: Google's ADC).",
    },
    {
      name: 'VERTEX_AI_LOCATION',
      description:
        'Vertex AI region (default us-central1; `global` for the global endpoint); set alone, it activates the provider with the project of the credentials.',
    },
    {
      name: 'GOOGLE_APPLICATION_CREDENTIALS',
      description:
        'Credentials file: a service-account key, or an external_account, authorized_user or impersonated_service_account file (default: ADC).',
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
      const credentials = readVertexCredentials(env);
      if ('problem' in credentials) problems.push(credentials.problem);
    }
    return problems;
  },
  create(env) {
    // The project is learnt from the credentials (credentialSource, at start-up) when not set.
    const place = { project: env.VERTEX_AI_PROJECT_ID ?? '', location: locationOf(env) };
    const baseUrl = baseUrlFrom(env, 'VERTEX_AI', vertexBaseUrl(place.location));
    const credentials = readVertexCredentials(env);
    // Start-up validation reports a bad key before this runs; this guards direct use of the provider.
    const source = 'problem' in credentials ? undefined : vertexTokenSource(credentials, env);
    const usable = () => {
      if (source) return source;
      throw new GatewayError(
        500,
        'provider_misconfigured',
        `Vertex AI has no usable credentials (${'problem' in credentials ? credentials.problem : ''}).`,
      );
    };
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
      adaptRequest(request, target) {
        if (!place.project)
          throw new GatewayError(
            500,
            'provider_misconfigured',
            'Vertex AI does not know its project: set VERTEX_AI_PROJECT_ID.',
          );
        return adaptVertexRequest(request, target, place);
      },
      async authorize() {
        return { authorization: `Bearer ${await usable().token()}` };
      },
      async credentialSource() {
        const tokens = usable();
        const from = await tokens.describe();
        if (!place.project) {
          const project = await tokens.projectId();
          if (!project)
            throw new GatewayError(
              500,
              'provider_misconfigured',
              `VERTEX_AI_PROJECT_ID: not set, and the credentials (${from}) name no project; set it.`,
            );
          place.project = project;
          return `${from}; project ${project} (from the credentials)`;
        }
        return from;
      },
    });
  },
};

export default provider;
