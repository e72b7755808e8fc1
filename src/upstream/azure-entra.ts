/**
 * Microsoft Entra ID tokens for Azure OpenAI and Azure AI Foundry, through `@azure/identity`'s
 * `DefaultAzureCredential`, which knows every source and its refresh rules: a service principal's
 * secret or certificate in the environment (`AZURE_TENANT_ID`, `AZURE_CLIENT_ID`,
 * `AZURE_CLIENT_SECRET` / `AZURE_CLIENT_CERTIFICATE_PATH`), workload identity on AKS
 * (`AZURE_FEDERATED_TOKEN_FILE`), managed identity (App Service / Functions / Container Apps through
 * `IDENTITY_ENDPOINT`, else the VM's IMDS), and developer sign-ins (Azure CLI, azd, PowerShell).
 * Imported on first use: a gateway without Entra auth never loads it. Tokens for
 * `https://cognitiveservices.azure.com/.default` are kept in a RefreshingCache and sent as
 * `Authorization: Bearer`.
 */
import { CredentialsUnavailableError } from '../errors.ts';
import { KeyPool } from '../providers/key-pool.ts';
import type { Env, Provider } from '../providers/types.ts';
import { RefreshingCache } from './refreshing-cache.ts';

const COGNITIVE_SERVICES_SCOPE = 'https://cognitiveservices.azure.com/.default';

type Library = typeof import('@azure/identity');
type AccessToken = { token: string; expiresOnTimestamp: number };
/**
 * DefaultAzureCredential is a ChainedTokenCredential, whose (untyped) getTokenInternal also says
 * which link answered; getToken, the public method, is the fallback should a release drop it.
 */
type Chain = {
  getToken(scopes: string): Promise<AccessToken>;
  getTokenInternal?(scopes: string): Promise<{ token: AccessToken; successfulCredential: object }>;
};

const REMEDY = (prefix: string) =>
  `Set ${prefix}_API_KEY, or give the gateway an Entra identity with access to the resource: a managed identity, ` +
  'AKS workload identity, or AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET.';

function entraTokens(providerName: string, prefix: string) {
  let loaded: Promise<{ library: Library; chain: Chain }> | undefined;
  let source = '';
  const load = () => {
    loaded ??= import('@azure/identity').then((library) => ({
      library,
      chain: new library.DefaultAzureCredential() as unknown as Chain,
    }));
    return loaded;
  };
  const tokens = new RefreshingCache<string>(async () => {
    const { library, chain } = await load();
    let answer: { token: AccessToken; successfulCredential: object };
    try {
      answer = chain.getTokenInternal
        ? await chain.getTokenInternal(COGNITIVE_SERVICES_SCOPE)
        : { token: await chain.getToken(COGNITIVE_SERVICES_SCOPE), successfulCredential: chain };
    } catch (error) {
      throw new CredentialsUnavailableError(providerName, reasonsOf(error), REMEDY(prefix));
    }
    source = describeCredential(library, answer.successfulCredential);
    return { value: answer.token.token, expiresAt: answer.token.expiresOnTimestamp };
  });
  return {
    token: () => tokens.get(),
    async describe() {
      await tokens.get();
      return source;
    },
  };
}

function describeCredential(library: Library, credential: object): string {
  if (credential instanceof library.EnvironmentCredential)
    return 'Entra ID service principal from the environment (AZURE_CLIENT_ID)';
  if (credential instanceof library.WorkloadIdentityCredential)
    return 'Entra ID workload identity (AZURE_FEDERATED_TOKEN_FILE)';
  if (credential instanceof library.ManagedIdentityCredential) return 'Entra ID managed identity';
  if (credential instanceof library.AzureCliCredential) return 'Entra ID via the Azure CLI sign-in';
  if (credential instanceof library.AzureDeveloperCliCredential) return 'Entra ID via the Azure Developer CLI sign-in';
  if (credential instanceof library.AzurePowerShellCredential) return 'Entra ID via the Azure PowerShell sign-in';
  return 'Entra ID (DefaultAzureCredential)';
}

/** An AggregateAuthenticationError holds what each link said; the first line of each is enough. */
function reasonsOf(error: unknown): string[] {
  const errors = (error as { errors?: unknown[] }).errors;
  const all = Array.isArray(errors) && errors.length ? errors : [error];
  return all.map((e) =>
    String(e instanceof Error ? e.message : e)
      .split('\n')[0]!
      .slice(0, 300),
  );
}

/**
 * `<PREFIX>_AUTH_MODE=entra`, or implied when no `<PREFIX>_API_KEY` is set (outside pass-through).
 * Returns the provider fields that authenticate: the api-key header, or a Bearer token per request.
 */
export function azureAuth(
  env: Env,
  prefix: string,
  providerName: string,
): Pick<Provider, 'authHeaders' | 'authorize' | 'credentialSource' | 'keyPool'> {
  const key = env[`${prefix}_API_KEY`];
  const mode = env[`${prefix}_AUTH_MODE`];
  if (mode !== 'entra' && key) {
    // Several comma-separated keys form a pool (providers/key-pool.ts).
    const keyPool = KeyPool.of(key, (one) => ({ 'api-key': one }));
    return keyPool ? { authHeaders: keyPool.firstHeaders, keyPool } : { authHeaders: { 'api-key': key } };
  }
  if (mode === 'passthrough') return { authHeaders: {} };
  const tokens = entraTokens(providerName, prefix);
  return {
    authHeaders: {},
    authorize: async () => ({ authorization: `Bearer ${await tokens.token()}` }),
    credentialSource: () => tokens.describe(),
  };
}

/** Start-up problems of the auth mode against the key. */
export function azureAuthProblems(env: Env, prefix: string): string[] {
  const key = env[`${prefix}_API_KEY`];
  const mode = env[`${prefix}_AUTH_MODE`];
  if (mode === 'key' && !key) return [`${prefix}_API_KEY: must be set when ${prefix}_AUTH_MODE=key`];
  if (mode === 'entra' && key)
    return [`${prefix}_AUTH_MODE: 'entra' sends an Entra ID token, so ${prefix}_API_KEY would be unused; unset one`];
  return [];
}
