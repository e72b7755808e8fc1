/**
 * Where Vertex AI's access tokens come from. A service-account key — `VERTEX_AI_SERVICE_ACCOUNT_JSON`
 * (the JSON itself) or a `GOOGLE_APPLICATION_CREDENTIALS` file of type `service_account` — is
 * exchanged by the gateway itself (google-auth.ts), at the key's `token_uri` or
 * `VERTEX_AI_TOKEN_URL`. Everything else is Application Default Credentials through Google's library
 * (google-adc.ts): other credential files, gcloud's file, the metadata server. Problems name the
 * variable and never quote the key.
 */
import { readFileSync } from 'node:fs';
import { applicationDefaultCredentials, type GoogleTokenSource } from '../../upstream/google-adc.ts';
import {
  GOOGLE_TOKEN_URL,
  InvalidServiceAccountKeyError,
  parseServiceAccountKey,
  type ServiceAccountKey,
  serviceAccountTokenFetcher,
} from '../../upstream/google-auth.ts';
import { RefreshingCache } from '../../upstream/refreshing-cache.ts';
import type { Env } from '../types.ts';

export type VertexCredentials =
  | { key: ServiceAccountKey; variable: string }
  | { adc: true; keyFile: string | undefined }
  | { problem: string };

/** Credential files Google's library reads besides service-account keys. */
const ADC_FILE_TYPES = [
  'authorized_user',
  'external_account',
  'external_account_authorized_user',
  'impersonated_service_account',
];

export function readVertexCredentials(env: Env): VertexCredentials {
  const inline = env.VERTEX_AI_SERVICE_ACCOUNT_JSON;
  if (inline) return parseKey(inline, 'VERTEX_AI_SERVICE_ACCOUNT_JSON');
  const file = env.GOOGLE_APPLICATION_CREDENTIALS;
  if (!file) return { adc: true, keyFile: undefined };
  const variable = `GOOGLE_APPLICATION_CREDENTIALS ('${file}')`;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return {
      problem: `GOOGLE_APPLICATION_CREDENTIALS: cannot read '${file}' (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    };
  }
  let type: unknown;
  try {
    type = (JSON.parse(text) as { type?: unknown } | null)?.type;
  } catch {
    return { problem: `${variable}: not valid JSON` };
  }
  if (typeof type === 'string' && ADC_FILE_TYPES.includes(type)) return { adc: true, keyFile: file };
  if (type !== undefined && type !== 'service_account')
    return {
      problem: `${variable}: a '${String(type)}' credential, which Vertex AI cannot use (expected type service_account, ${ADC_FILE_TYPES.join(', ')})`,
    };
  return parseKey(text, variable);
}

function parseKey(text: string, variable: string): VertexCredentials {
  try {
    return { key: parseServiceAccountKey(text), variable };
  } catch (error) {
    if (error instanceof InvalidServiceAccountKeyError)
      return { problem: `${variable}: not a usable service-account key: ${error.message}` };
    throw error;
  }
}

/** The token source of credentials read without a problem. */
export function vertexTokenSource(
  credentials: Exclude<VertexCredentials, { problem: string }>,
  env: Env,
): GoogleTokenSource {
  if ('adc' in credentials)
    return applicationDefaultCredentials({
      keyFile: credentials.keyFile,
      projectId: env.VERTEX_AI_PROJECT_ID || undefined,
      providerName: 'Vertex AI',
    });
  const { key, variable } = credentials;
  const tokens = new RefreshingCache(
    serviceAccountTokenFetcher(key, { tokenUrl: env.VERTEX_AI_TOKEN_URL || key.tokenUri || GOOGLE_TOKEN_URL }),
  );
  return {
    token: () => tokens.get(),
    async describe() {
      await tokens.get();
      return `service-account key ${key.clientEmail} from ${variable}`;
    },
    projectId: async () => key.projectId,
  };
}
