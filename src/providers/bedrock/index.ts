import { baseUrlFrom, hideSecrets, joinUrl } from '../define.ts';
import type { ProviderSpec } from '../types.ts';
import { type AwsCredentials, MissingAwsCredentialsError, signRequest } from './sigv4.ts';

const DEFAULT_REGION = 'us-east-1';

/** The credentials in the environment, or undefined when only AWS_REGION is set. */
function credentialsFrom(env: Readonly<Record<string, string | undefined>>): AwsCredentials | undefined {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) return undefined;
  return { accessKeyId, secretAccessKey, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) };
}

const provider: ProviderSpec = {
  id: 'bedrock',
  displayName: 'AWS Bedrock',
  wireFormat: 'bedrock',
  defaultBaseUrl: 'https://bedrock-runtime.{region}.amazonaws.com',
  envPrefix: 'BEDROCK',
  capabilities: { chat: true, embeddings: true, images: false },
  activation: [['AWS_REGION'], ['AWS_ACCESS_KEY_ID']],
  env: [
    {
      name: 'AWS_REGION',
      description: 'AWS region of Bedrock (default us-east-1 when only keys are set); activates the provider.',
    },
    { name: 'AWS_ACCESS_KEY_ID', description: 'AWS access key id; activates the provider.' },
    { name: 'AWS_SECRET_ACCESS_KEY', description: 'AWS secret access key.', secret: true },
    { name: 'AWS_SESSION_TOKEN', description: 'AWS session token, for temporary credentials.', secret: true },
    { name: 'BEDROCK_BASE_URL', description: 'Overrides https://bedrock-runtime.{region}.amazonaws.com.', url: true },
  ],
  validate(env) {
    const problems: string[] = [];
    if (env.AWS_ACCESS_KEY_ID && !env.AWS_SECRET_ACCESS_KEY)
      problems.push('AWS_SECRET_ACCESS_KEY: must be set with AWS_ACCESS_KEY_ID');
    // A client's SigV4 signature is for the gateway's host, so it cannot be passed on.
    if (env.BEDROCK_AUTH_MODE === 'passthrough')
      problems.push(
        "BEDROCK_AUTH_MODE: 'passthrough' is not possible for AWS Bedrock (requests are signed with SigV4); set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
      );
    return problems;
  },
  create(env) {
    const region = env.AWS_REGION || DEFAULT_REGION;
    const baseUrl = baseUrlFrom(env, 'BEDROCK', this.defaultBaseUrl.replace('{region}', region));
    // Kept in this closure only: the provider object never holds the secret, so nothing that
    // serialises or inspects it can print it.
    const credentials = credentialsFrom(env);
    return hideSecrets({
      id: this.id,
      wireFormat: this.wireFormat,
      baseUrl,
      // Requests are signed one by one (authorize), so there is no fixed credential header.
      authHeaders: {},
      acceptsStreamOptions: false,
      url: (path, search) => joinUrl(baseUrl, path) + search,
      async authorize(request) {
        if (!credentials) throw new MissingAwsCredentialsError();
        return signRequest(request, credentials, region);
      },
    });
  },
};

export default provider;
