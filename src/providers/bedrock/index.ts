import { baseUrlFrom, simpleProvider } from '../define.ts';
import type { ProviderSpec } from '../types.ts';

const provider: ProviderSpec = {
  id: 'bedrock',
  displayName: 'AWS Bedrock',
  wireFormat: 'bedrock',
  defaultBaseUrl: 'https://bedrock-runtime.{region}.amazonaws.com',
  envPrefix: 'BEDROCK',
  capabilities: { chat: true, embeddings: true, images: false },
  activation: [['AWS_REGION'], ['AWS_ACCESS_KEY_ID']],
  env: [
    { name: 'AWS_REGION', description: 'AWS region of Bedrock (default us-east-1 when only keys are set); activates the provider.' },
    { name: 'AWS_ACCESS_KEY_ID', description: 'AWS access key id; activates the provider.' },
    { name: 'AWS_SECRET_ACCESS_KEY', description: 'AWS secret access key.', secret: true },
    { name: 'AWS_SESSION_TOKEN', description: 'AWS session token, for temporary credentials.', secret: true },
    { name: 'BEDROCK_BASE_URL', description: 'Overrides https://bedrock-runtime.{region}.amazonaws.com.', url: true },
  ],
  create(env) {
    const region = env.AWS_REGION || 'us-east-1';
    const baseUrl = baseUrlFrom(env, 'BEDROCK', this.defaultBaseUrl.replace('{region}', region));
    // Requests are signed with SigV4 per request, so there is no static credential header.
    return simpleProvider(this.id, this.wireFormat, baseUrl, {});
  },
};

export default provider;
