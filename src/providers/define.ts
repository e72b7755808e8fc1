import { KeyPool } from './key-pool.ts';
import type { Capabilities, Env, Provider, ProviderSpec, WireFormat } from './types.ts';

/** Joins a base URL and a path without doubling or dropping the slash between them. */
export function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, '') + (path.startsWith('/') ? path : `/${path}`);
}

/** The base URL: `<PREFIX>_BASE_URL` when set, else the given default. */
export function baseUrlFrom(env: Env, envPrefix: string, fallback: string): string {
  return env[`${envPrefix}_BASE_URL`] || fallback;
}

/** A provider whose key travels as `Authorization: Bearer <key>` and whose paths follow OpenAI's. */
export function bearerProvider(options: {
  id: string;
  displayName: string;
  envPrefix: string;
  defaultBaseUrl: string;
  capabilities: Capabilities;
  wireFormat?: WireFormat;
  keyVar?: string;
  /** False for APIs that always send usage in streams or refuse `stream_options`. */
  acceptsStreamOptions?: boolean;
  /** Client formats the API also serves natively (see `Provider.nativeFormats`). */
  nativeFormats?: readonly WireFormat[];
}): ProviderSpec {
  const keyVar = options.keyVar ?? `${options.envPrefix}_API_KEY`;
  const wireFormat = options.wireFormat ?? 'openai';
  return {
    id: options.id,
    displayName: options.displayName,
    wireFormat,
    defaultBaseUrl: options.defaultBaseUrl,
    envPrefix: options.envPrefix,
    capabilities: options.capabilities,
    activation: [[keyVar]],
    env: [
      {
        name: keyVar,
        description: `${options.displayName} API key (several, comma-separated, form a key pool); setting it activates the provider.`,
        secret: true,
      },
      { name: `${options.envPrefix}_BASE_URL`, description: `Overrides ${options.defaultBaseUrl}.`, url: true },
    ],
    create(env: Env): Provider {
      const baseUrl = baseUrlFrom(env, options.envPrefix, options.defaultBaseUrl);
      const headerOf = (key: string) => ({ authorization: `Bearer ${key}` });
      const pool = KeyPool.of(env[keyVar], headerOf);
      const provider = withKeyPool(
        simpleProvider(
          options.id,
          wireFormat,
          baseUrl,
          pool?.firstHeaders ?? headerOf(env[keyVar] ?? ''),
          options.acceptsStreamOptions,
        ),
        pool,
      );
      return options.nativeFormats ? Object.assign(provider, { nativeFormats: options.nativeFormats }) : provider;
    },
  };
}

/** A runtime provider whose URLs are the base URL plus the path. */
export function simpleProvider(
  id: string,
  wireFormat: WireFormat,
  baseUrl: string,
  authHeaders: Record<string, string>,
  acceptsStreamOptions = wireFormat === 'openai',
): Provider {
  return hideSecrets({
    id,
    wireFormat,
    baseUrl,
    authHeaders,
    acceptsStreamOptions,
    url: (path, search) => joinUrl(baseUrl, path) + search,
  });
}

/**
 * The provider with a pool of keys from a comma-separated key variable (none for a single key).
 * Non-enumerable, like the credentials it holds.
 */
export function withKeyPool(provider: Provider, pool: KeyPool | undefined): Provider {
  if (pool) Object.defineProperty(provider, 'keyPool', { enumerable: false, value: pool });
  return provider;
}

/** Keeps credentials out of anything that serialises or inspects the provider (logs, errors). */
export function hideSecrets(provider: Provider): Provider {
  Object.defineProperty(provider, 'authHeaders', { enumerable: false });
  Object.defineProperty(provider, 'toJSON', {
    enumerable: false,
    value: () => ({ id: provider.id, baseUrl: provider.baseUrl }),
  });
  return provider;
}

/** Appends query parameters to a URL that may already carry some. */
export function withQuery(url: string, search: string, extra: Record<string, string>): string {
  const params = new URLSearchParams(search);
  for (const [key, value] of Object.entries(extra)) if (!params.has(key)) params.set(key, value);
  const query = params.toString();
  return query ? `${url}?${query}` : url;
}

export const CHAT_ONLY: Capabilities = { chat: true, embeddings: false, images: false };
export const CHAT_AND_EMBEDDINGS: Capabilities = { chat: true, embeddings: true, images: false };

const MODEL_LIST_TIMEOUT_MS = 2_000;

/**
 * A self-hosted OpenAI-compatible server (vLLM, LM Studio): activated by its base URL, an optional
 * key, and its models listed live from its own `GET /models` (or given in `<PREFIX>_MODELS`).
 */
export function selfHostedProvider(options: {
  id: string;
  displayName: string;
  envPrefix: string;
  /** The server's usual base URL, for the documentation (the variable is required). */
  exampleBaseUrl: string;
  capabilities: Capabilities;
}): ProviderSpec {
  const { envPrefix } = options;
  const baseVar = `${envPrefix}_BASE_URL`;
  const keyVar = `${envPrefix}_API_KEY`;
  const modelsVar = `${envPrefix}_MODELS`;
  return {
    id: options.id,
    displayName: options.displayName,
    wireFormat: 'openai',
    defaultBaseUrl: options.exampleBaseUrl,
    envPrefix,
    capabilities: options.capabilities,
    activation: [[baseVar]],
    env: [
      {
        name: baseVar,
        description: `${options.displayName}'s OpenAI-compatible base URL, e.g. ${options.exampleBaseUrl}; setting it activates the provider.`,
        url: true,
      },
      {
        name: keyVar,
        description: `The key the server was started with, if any (sent as a Bearer token).`,
        secret: true,
      },
      {
        name: modelsVar,
        description: "Comma-separated models to list in /v1/models instead of asking the server's /models.",
      },
    ],
    create(env: Env): Provider {
      const baseUrl = env[baseVar] as string;
      const authHeaders: Record<string, string> = env[keyVar] ? { authorization: `Bearer ${env[keyVar]}` } : {};
      const listed = env[modelsVar]
        ?.split(',')
        .map((m) => m.trim())
        .filter(Boolean);
      return Object.assign(simpleProvider(options.id, 'openai', baseUrl, authHeaders), {
        listModels: async () => listed ?? servedModels(baseUrl, authHeaders),
      });
    },
  };
}

/** The models an OpenAI-compatible server serves, from its `GET /models`. */
async function servedModels(baseUrl: string, headers: Record<string, string>): Promise<string[]> {
  const response = await fetch(joinUrl(baseUrl, '/models'), {
    headers,
    signal: AbortSignal.timeout(MODEL_LIST_TIMEOUT_MS),
  });
  if (!response.ok) throw new Error(`GET /models answered ${response.status}`);
  const body = (await response.json()) as { data?: { id?: unknown }[] };
  return (body.data ?? []).map((m) => (typeof m.id === 'string' ? m.id : '')).filter(Boolean);
}
