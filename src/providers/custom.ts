import * as z from 'zod';
import type { CatalogEntry } from '../catalog/types.ts';
import { jsonErrorAt } from '../config/json-error.ts';
import { anthropicProvider } from './anthropic/index.ts';
import { hideSecrets, joinUrl, withQuery } from './define.ts';
import type { Provider } from './types.ts';

/**
 * Providers defined by the operator in CUSTOM_PROVIDERS (a JSON array) or CUSTOM_PROVIDERS_FILE:
 * any OpenAI- or Anthropic-compatible endpoint (vLLM, LM Studio, a private deployment, an Azure
 * deployment addressed by path…). Field names follow common gateway configuration (snake_case).
 */
/** CUSTOM_PROVIDERS' schema, built on first use: zod schemas cost start-up time, and most gateways define none. */
function buildSchema() {
  const entry = z
    .object({
      name: z
        .string()
        .regex(/^[a-z0-9][a-z0-9._-]*$/, { message: 'must be lowercase letters, digits, ".", "_" or "-"' }),
      base_url: z.string().refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), {
        message: 'must be an http:// or https:// URL',
      }),
      format: z.enum(['openai', 'anthropic']).default('openai'),
      api_key: z.string().optional(),
      auth_header: z.string().min(1).default('Authorization'),
      auth_scheme: z.string().default('Bearer'),
      auth_mode: z.enum(['key', 'passthrough']).default('key'),
      path_prefix: z.string().optional(),
      query_params: z.union([z.string(), z.record(z.string(), z.string())]).optional(),
      headers: z.record(z.string(), z.string()).default({}),
      models: z.array(z.string().min(1)).default([]),
    })
    .strict();
  return z.array(entry);
}
let schema: ReturnType<typeof buildSchema> | undefined;

export type CustomProviderConfig = z.infer<ReturnType<typeof buildSchema>>[number];

/** Parses the JSON text of CUSTOM_PROVIDERS; returns problems (one line each) instead of throwing. */
export function parseCustomProviders(
  json: string,
  builtInIds: readonly string[],
): { providers: CustomProviderConfig[]; problems: string[] } {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return { providers: [], problems: [jsonErrorAt(json)] };
  }
  schema ??= buildSchema();
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    return {
      providers: [],
      problems: parsed.error.issues.map((i) => (i.path.length ? `entry ${i.path.join('.')}: ${i.message}` : i.message)),
    };
  }
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const provider of parsed.data) {
    if (builtInIds.includes(provider.name))
      problems.push(`'${provider.name}' is a built-in provider id; choose another name`);
    if (seen.has(provider.name)) problems.push(`'${provider.name}' is defined twice`);
    seen.add(provider.name);
  }
  return { providers: parsed.data, problems };
}

/**
 * The runtime provider. Its URLs are `base_url + path_prefix + <API path below /v1>` with the
 * static query parameters appended; `path_prefix` defaults to `/v1` unless `base_url` already ends
 * with it. So `https://myorg.openai.azure.com` with prefix `/openai/deployments/gpt-4o` and
 * `api-version=2024-02-01` serves chat completions at
 * `https://myorg.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=2024-02-01`.
 */
export function createCustomProvider(config: CustomProviderConfig): Provider {
  const prefix = config.path_prefix ?? (/\/v1\/?$/.test(config.base_url) ? '' : '/v1');
  const query =
    typeof config.query_params === 'string'
      ? Object.fromEntries(new URLSearchParams(config.query_params))
      : (config.query_params ?? {});
  const passthrough = config.auth_mode === 'passthrough';
  // Static headers go on every request, in both auth modes; they ride with the credential.
  const authHeaders: Record<string, string> = Object.fromEntries(
    Object.entries(config.headers).map(([k, v]) => [k.toLowerCase(), v]),
  );
  if (config.api_key && !passthrough) {
    authHeaders[config.auth_header.toLowerCase()] = config.auth_scheme
      ? `${config.auth_scheme} ${config.api_key}`
      : config.api_key;
  }
  const url = (path: string, search: string) => withQuery(joinUrl(config.base_url, prefix + path), search, query);

  if (config.format === 'anthropic') {
    const base = anthropicProvider(config.name, config.base_url, authHeaders, prefix);
    return hideSecrets({ ...base, authHeaders, url, passthrough });
  }
  return hideSecrets({
    id: config.name,
    wireFormat: 'openai',
    baseUrl: config.base_url,
    authHeaders,
    acceptsStreamOptions: true,
    passthrough,
    // An operator's endpoint judges its own requests (an Azure deployment in `path_prefix`, a
    // one-model server): the gateway does not insist on a model it would not use.
    servesWithoutModel: true,
    url,
  });
}

/** Catalog entries for the models a custom provider lists: selectable by name, shown in /v1/models, unpriced. */
export function customModelEntries(config: CustomProviderConfig): CatalogEntry[] {
  return config.models.map((model) => ({
    provider: config.name,
    routable: true,
    model,
    mode: 'chat',
    pricing: {},
    capabilities: { tools: false, vision: false, reasoning: false, promptCaching: false, jsonSchema: false },
  }));
}
