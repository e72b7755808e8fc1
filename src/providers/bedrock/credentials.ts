/**
 * Where Bedrock's SigV4 keys come from. Keys given in the gateway's own environment are used as
 * they are; otherwise the AWS SDK's default chain (`fromNodeProviderChain`) finds them the way every
 * AWS tool does: environment, shared config/credentials files with `AWS_PROFILE` (SSO,
 * `credential_process`), web identity (EKS IRSA), container endpoints (ECS task roles, EKS Pod
 * Identity), EC2 instance metadata (IMDSv2). The chain caches temporary keys and refreshes them five
 * minutes before they expire, concurrent callers sharing one refresh. `BEDROCK_ROLE_ARN` assumes a
 * role with those keys, for Bedrock only.
 *
 * The SDK is imported on first use, so a gateway without Bedrock never loads it. It reads
 * `process.env` (main.ts puts `.env` files there too).
 */
import { CredentialsUnavailableError } from '../../errors.ts';
import { type Expiring, RefreshingCache } from '../../upstream/refreshing-cache.ts';
import type { Env } from '../types.ts';
import type { AwsCredentials } from './sigv4.ts';

export interface AwsCredentialSource {
  credentials(): Promise<AwsCredentials>;
  /** Finds the credentials and says where they came from; never the keys. */
  describe(): Promise<string>;
}

const REMEDY =
  'Set AWS_BEARER_TOKEN_BEDROCK (a Bedrock API key), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, ' +
  'or run with an AWS role (EC2 instance profile, ECS task role, EKS IRSA or Pod Identity).';

/** Which link of the chain answered, from the feature marks the SDK puts on what it returns. */
const SOURCES: readonly [feature: string, description: string][] = [
  ['CREDENTIALS_ENV_VARS_STS_WEB_ID_TOKEN', 'web identity token (AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN)'],
  ['CREDENTIALS_PROFILE_STS_WEB_ID_TOKEN', 'web identity token of {profile}'],
  ['CREDENTIALS_PROFILE_SSO', 'SSO of {profile}'],
  ['CREDENTIALS_PROFILE_SSO_LEGACY', 'SSO of {profile}'],
  ['CREDENTIALS_PROFILE_PROCESS', 'credential_process of {profile}'],
  ['CREDENTIALS_PROFILE_SOURCE_PROFILE', 'role assumed by {profile}'],
  ['CREDENTIALS_PROFILE_LOGIN', 'aws login of {profile}'],
  ['CREDENTIALS_PROFILE', 'keys of {profile} (shared config and credentials files)'],
  ['CREDENTIALS_HTTP', 'container credentials endpoint (ECS task role or EKS Pod Identity)'],
  ['CREDENTIALS_ENV_VARS', 'environment (AWS_ACCESS_KEY_ID)'],
];

type Identity = AwsCredentials & { expiration?: Date; $source?: Record<string, unknown> };

function describeIdentity(identity: Identity, env: Env): string {
  const marks = identity.$source ?? {};
  const found = SOURCES.find(([feature]) => feature in marks)?.[1];
  if (found) return found.replace('{profile}', `AWS profile '${env.AWS_PROFILE || 'default'}'`);
  // The metadata services mark nothing: tell them apart by the variables that select them.
  if (env.AWS_CONTAINER_CREDENTIALS_FULL_URI || env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI)
    return 'container credentials endpoint (ECS task role or EKS Pod Identity)';
  return 'EC2 instance metadata (IMDSv2)';
}

/** Messages the chain's links give when they pass (`-> Unable to find environment variable credentials.`). */
function reasonCollector() {
  const reasons: string[] = [];
  const note = (message: unknown) => {
    const text = String(message);
    const match = /^@smithy\/property-provider (?:->|\(!\)) (.*)$/s.exec(text);
    if (match?.[1] && !reasons.includes(match[1])) reasons.push(match[1]);
  };
  return { reasons, logger: { debug: note, info: () => {}, warn: () => {}, error: () => {}, trace: () => {} } };
}

function staticKeys(env: Env): AwsCredentials | undefined {
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey } = env;
  if (!accessKeyId || !secretAccessKey) return undefined;
  return { accessKeyId, secretAccessKey, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) };
}

const keysOnly = ({ accessKeyId, secretAccessKey, sessionToken }: Identity): AwsCredentials => ({
  accessKeyId,
  secretAccessKey,
  ...(sessionToken ? { sessionToken } : {}),
});

export function awsCredentialSource(env: Env, region: string): AwsCredentialSource {
  const fixed = staticKeys(env);
  const roleArn = env.BEDROCK_ROLE_ARN || undefined;
  const collected = reasonCollector();
  let loaded: Promise<{ base: () => Promise<Identity>; role?: RefreshingCache<Identity> }> | undefined;

  const load = () => {
    loaded ??= (async () => {
      let base: () => Promise<Identity>;
      if (fixed) base = async () => ({ ...fixed, $source: { CREDENTIALS_ENV_VARS: 'g' } });
      else {
        const { fromNodeProviderChain } = await import('@aws-sdk/credential-providers');
        base = fromNodeProviderChain({ logger: collected.logger });
      }
      if (!roleArn) return { base };
      const { fromTemporaryCredentials } = await import('@aws-sdk/credential-providers');
      const assume = fromTemporaryCredentials({
        masterCredentials: base,
        params: { RoleArn: roleArn, RoleSessionName: 'switchyard-bedrock' },
        clientConfig: { region },
      });
      // fromTemporaryCredentials does not cache: the role's keys live until shortly before they expire.
      const role = new RefreshingCache<Identity>(async (): Promise<Expiring<Identity>> => {
        const identity = await assume();
        return { value: identity, expiresAt: identity.expiration?.getTime() ?? Date.now() + 15 * 60_000 };
      });
      return { base, role };
    })();
    return loaded;
  };

  const unavailable = (error: unknown) => {
    const reasons = [...collected.reasons];
    const message = (error as Error).message;
    if (message && !reasons.includes(message)) reasons.push(message);
    return new CredentialsUnavailableError('AWS Bedrock', reasons, REMEDY);
  };
  const identity = async (): Promise<Identity> => {
    const { base, role } = await load();
    collected.reasons.length = 0;
    try {
      return await (role ? role.get() : base());
    } catch (error) {
      throw unavailable(error);
    }
  };

  return {
    credentials: async () => keysOnly(await identity()),
    async describe() {
      const { base } = await load();
      collected.reasons.length = 0;
      let from: string;
      try {
        from = describeIdentity(await base(), env);
      } catch (error) {
        throw unavailable(error);
      }
      if (!roleArn) return from;
      // The role must be assumable too, not only the keys that assume it.
      await identity();
      return `role ${roleArn} (BEDROCK_ROLE_ARN), assumed with ${from}`;
    },
  };
}
