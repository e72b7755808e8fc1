import { baseUrlFrom, hideSecrets, joinUrl } from '../define.ts';
import type { ProviderSpec } from '../types.ts';
import { awsCredentialSource } from './credentials.ts';
import { signRequest } from './sigv4.ts';

const DEFAULT_REGION = 'us-east-1';

const provider: ProviderSpec = {
  id: 'bedrock',
  displayName: 'AWS Bedrock',
  wireFormat: 'bedrock',
  defaultBaseUrl: 'https://bedrock-runtime.{region}.amazonaws.com',
  envPrefix: 'BEDROCK',
  capabilities: { chat: true, embeddings: true, images: false },
  activation: [['AWS_REGION'], ['AWS_ACCESS_KEY_ID'], ['AWS_BEARER_TOKEN_BEDROCK'], ['BEDROCK_ROLE_ARN']],
  env: [
    {
      name: 'AWS_REGION',
      description:
        "AWS region of Bedrock (default us-east-1); activates the provider, with credentials from AWS's default chain.",
    },
    {
      name: 'AWS_BEARER_TOKEN_BEDROCK',
      description: 'A Bedrock API key, sent as Authorization: Bearer instead of SigV4; activates the provider.',
      secret: true,
    },
    { name: 'AWS_ACCESS_KEY_ID', description: 'AWS access key id; activates the provider.' },
    { name: 'AWS_SECRET_ACCESS_KEY', description: 'AWS secret access key.', secret: true },
    { name: 'AWS_SESSION_TOKEN', description: 'AWS session token, for temporary credentials.', secret: true },
    {
      name: 'AWS_PROFILE',
      description: 'Profile of ~/.aws/config and ~/.aws/credentials (SSO, credential_process, roles) the chain uses.',
    },
    {
      name: 'BEDROCK_ROLE_ARN',
      description:
        "A role to assume (STS AssumeRole) with the chain's credentials, for Bedrock only; activates the provider.",
    },
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
    if (env.AWS_BEARER_TOKEN_BEDROCK && env.BEDROCK_ROLE_ARN)
      problems.push(
        'BEDROCK_ROLE_ARN: a role cannot be assumed with a Bedrock API key (AWS_BEARER_TOKEN_BEDROCK); set one',
      );
    if (env.BEDROCK_ROLE_ARN && !/^arn:aws[\w-]*:iam::\d{12}:role\/.+$/.test(env.BEDROCK_ROLE_ARN))
      problems.push(
        `BEDROCK_ROLE_ARN: must be an IAM role ARN such as arn:aws:iam::123456789012:role/bedrock (got '${env.BEDROCK_ROLE_ARN}')`,
      );
    return problems;
  },
  create(env) {
    const region = env.AWS_REGION || DEFAULT_REGION;
    const baseUrl = baseUrlFrom(env, 'BEDROCK', this.defaultBaseUrl.replace('{region}', region));
    const apiKey = env.AWS_BEARER_TOKEN_BEDROCK;
    const common = {
      id: this.id,
      wireFormat: this.wireFormat,
      baseUrl,
      acceptsStreamOptions: false,
      url: (path: string, search: string) => joinUrl(baseUrl, path) + search,
    };
    // A Bedrock API key replaces SigV4 altogether.
    if (apiKey)
      return hideSecrets({
        ...common,
        authHeaders: { authorization: `Bearer ${apiKey}` },
        credentialSource: async () => 'Bedrock API key (AWS_BEARER_TOKEN_BEDROCK)',
      });
    // Kept in this closure only: the provider object never holds a secret, so nothing that
    // serialises or inspects it can print one.
    const source = awsCredentialSource(env, region);
    return hideSecrets({
      ...common,
      // Requests are signed one by one (authorize), so there is no fixed credential header.
      authHeaders: {},
      async authorize(request) {
        return signRequest(request, await source.credentials(), region);
      },
      credentialSource: () => source.describe(),
    });
  },
};

export default provider;
