import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as z from 'zod';
import type { CatalogEntry } from '../catalog/types.ts';
import { GatewayKeys, isPolicyFile } from '../limits/gateway-keys.ts';
import type { LimitSettings } from '../limits/rate-limiter.ts';
import { createCustomProvider, customModelEntries, parseCustomProviders } from '../providers/custom.ts';
import { DEMO_CATALOG } from '../providers/demo/index.ts';
import { activeProviders, authModeVariable, isActive, PROVIDER_IDS, PROVIDERS } from '../providers/registry.ts';
import type { Env, Provider } from '../providers/types.ts';
import { STRATEGY_NAMES, type StrategyName } from '../routing/strategies.ts';
import {
  ambientActivationWarnings,
  credentialProblems,
  headerValueProblem,
  knownVariables,
  unknownVariableWarnings,
} from './checks.ts';
import {
  type CacheAndGuardrailsConfig,
  cacheAndGuardrailsSchema,
  readCacheAndGuardrails,
} from './cache-and-guardrails.ts';
import { parseJson } from './json-error.ts';
import {
  OBSERVABILITY_SECRETS,
  type ObservabilityConfig,
  observabilitySchema,
  readObservability,
} from './observability.ts';
import { integer, optional } from './schema.ts';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config extends ObservabilityConfig, CacheAndGuardrailsConfig {
  readonly port: number;
  readonly host: string;
  readonly logLevel: LogLevel;
  /** `pretty` (for people) or `json` (one line per event); unset: pretty on a terminal, else JSON. */
  readonly logFormat: 'pretty' | 'json' | undefined;
  /** Which requests get their log line: all, only those that failed (status >= 400, cut off), or none. */
  readonly logRequests: 'all' | 'errors' | 'none';
  /** Likely mistakes that do not stop start-up (a misspelt variable, an ambient-only provider). */
  readonly warnings: readonly string[];
  readonly defaultProvider: string | undefined;
  /** Time allowed until the upstream's response headers arrive. */
  readonly requestTimeoutMs: number;
  /** Longest silence allowed between two chunks of an upstream response body. */
  readonly streamIdleTimeoutMs: number;
  readonly maxBodyBytes: number;
  readonly shutdownTimeoutMs: number;
  /** Hardening limits (docs/operations.md): client timeouts, answer size, hops. */
  readonly clientHeadersTimeoutMs: number;
  readonly clientBodyTimeoutMs: number;
  readonly clientIdleTimeoutMs: number;
  readonly maxResponseBytes: number;
  readonly maxHops: number;
  /** JSON file in LiteLLM's price-map format whose entries add to or replace built-in ones. */
  readonly catalogFile: string | undefined;
  /** Where to fetch a fresh copy of the whole catalog source at start-up. */
  readonly catalogUrl: string | undefined;
  /** Active providers by id: built-in ones in registry order, then custom ones. */
  readonly providers: ReadonlyMap<string, Provider>;
  /** Providers left out at start-up because their credential chain found nothing: id → why and what to set. */
  readonly unavailableProviders: ReadonlyMap<string, string>;
  /** Every provider id a header or model prefix may name: built-in and custom. */
  readonly providerIds: readonly string[];
  /** Catalog entries for the models custom providers list. */
  readonly customModels: readonly CatalogEntry[];
  /** Keys clients must present; undefined when the gateway is open. */
  readonly gatewayKeys: GatewayKeys | undefined;
  /** GATEWAY_API_KEYS_FILE, re-read on change or SIGHUP. */
  readonly gatewayKeysFile: string | undefined;
  /** Origins allowed to call from a browser (`*` for any); empty when CORS is off. */
  readonly corsOrigins: readonly string[];
  /** The global limits of each key (or client address), and the daily budget of each end user. */
  readonly limits: LimitSettings & { perUserDailyBudgetUsd?: number };
  readonly redisUrl: string | undefined;
  readonly routing: RoutingConfig;
  /** WORKERS: processes serving the port (1: this one alone; more: a primary and its workers, server/workers.ts). */
  readonly workers: number;
}

export interface RoutingConfig {
  strategy: StrategyName;
  /** PROVIDER_PRIORITY, for the priority strategy. */
  priority: readonly string[];
  /** PROVIDER_WEIGHTS, for the weighted strategy. */
  weights: ReadonlyMap<string, number>;
  /** ROUTES: virtual model names → targets as `provider/model`. */
  routes: ReadonlyMap<string, readonly { provider: string; model: string }[]>;
  /** FALLBACK: try the next candidate on a retryable failure. */
  fallback: boolean;
  /** MAX_RETRIES: further attempts on the same target before moving on. */
  maxRetries: number;
  cooldownFailures: number;
  cooldownMs: number;
}

/** Start-up configuration is invalid; `problems` holds one line per variable. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const positiveNumber = z
  .string()
  .regex(/^\d+(\.\d+)?$/, { message: 'must be a positive number' })
  .transform(Number)
  .pipe(z.number().positive({ message: 'must be a positive number' }));

const httpUrl = z.string().refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), {
  message: 'must be an http:// or https:// URL',
});

const redisUrl = z.string().refine((value) => URL.canParse(value) && /^rediss?:$/.test(new URL(value).protocol), {
  message: 'must be a redis:// or rediss:// URL',
});

const MS_PER_DAY = 86_400_000;

const MAX_WORKERS = 1024;

/** `auto`: one worker per core this process may use; else a count. */
const workerCount = z
  .string()
  .refine((value) => value === 'auto' || (/^\d+$/.test(value) && Number(value) >= 1 && Number(value) <= MAX_WORKERS), {
    message: `must be 'auto' or a whole number between 1 and ${MAX_WORKERS}`,
  })
  .transform((value) => (value === 'auto' ? availableParallelism() : Number(value)));

const gatewaySchema = z.object({
  PORT: optional(integer(0, 65_535)),
  HOST: optional(z.string().min(1)),
  LOG_LEVEL: optional(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])),
  LOG_FORMAT: optional(z.enum(['pretty', 'json'])),
  LOG_REQUESTS: optional(z.enum(['all', 'errors', 'none'])),
  DEFAULT_PROVIDER: optional(z.string()),
  REQUEST_TIMEOUT_MS: optional(integer(1, MS_PER_DAY)),
  STREAM_IDLE_TIMEOUT_MS: optional(integer(1, MS_PER_DAY)),
  MAX_BODY_BYTES: optional(integer(1, 2 ** 31)),
  SHUTDOWN_TIMEOUT_MS: optional(integer(0, MS_PER_DAY)),
  CLIENT_HEADERS_TIMEOUT_MS: optional(integer(1, MS_PER_DAY)),
  CLIENT_BODY_TIMEOUT_MS: optional(integer(1, MS_PER_DAY)),
  CLIENT_IDLE_TIMEOUT_MS: optional(integer(1, MS_PER_DAY)),
  MAX_RESPONSE_BYTES: optional(integer(1, 2 ** 31)),
  MAX_HOPS: optional(integer(1, 100)),
  CATALOG_FILE: optional(z.string()),
  CATALOG_URL: optional(httpUrl),
  GATEWAY_API_KEYS: optional(z.string()),
  GATEWAY_API_KEYS_FILE: optional(z.string()),
  CUSTOM_PROVIDERS: optional(z.string()),
  CUSTOM_PROVIDERS_FILE: optional(z.string()),
  CORS_ORIGINS: optional(z.string()),
  RATE_LIMIT_RPM: optional(integer(1, 10_000_000)),
  RATE_LIMIT_TPM: optional(integer(1, 10_000_000_000)),
  BUDGET_USD_DAILY: optional(positiveNumber),
  BUDGET_USD_MONTHLY: optional(positiveNumber),
  BUDGET_USD_DAILY_PER_USER: optional(positiveNumber),
  REDIS_URL: optional(redisUrl),
  ROUTING_STRATEGY: optional(z.enum(STRATEGY_NAMES)),
  PROVIDER_PRIORITY: optional(z.string()),
  PROVIDER_WEIGHTS: optional(z.string()),
  ROUTES: optional(z.string()),
  ROUTES_FILE: optional(z.string()),
  FALLBACK: optional(z.enum(['on', 'off', 'true', 'false', '1', '0'])),
  MAX_RETRIES: optional(integer(0, 10)),
  COOLDOWN_FAILURES: optional(integer(1, 1000)),
  COOLDOWN_MS: optional(integer(1, MS_PER_DAY)),
  DEMO: optional(z.enum(['true', 'false', '1', '0'])),
  WORKERS: optional(workerCount),
  ...observabilitySchema,
  ...cacheAndGuardrailsSchema,
});

/** The names of the gateway's own variables (providers' are in their specs). */
export const SETTING_NAMES: readonly string[] = Object.keys(gatewaySchema.shape);

/** Reads and validates the whole configuration; throws ConfigError naming every bad variable. */
export function loadConfig(env: Env): Config {
  const problems: string[] = [];
  const parsed = gatewaySchema.safeParse(env);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0]);
      problems.push(`${name}: ${issue.message}${SECRET_SETTINGS.has(name) ? '' : ` (got '${env[name]}')`}`);
    }
  }

  for (const spec of PROVIDERS) {
    for (const variable of spec.env) {
      const value = env[variable.name];
      if (variable.url && value && !httpUrl.safeParse(value).success) {
        problems.push(`${variable.name}: must be an http:// or https:// URL (got '${value}')`);
      }
    }
    if (spec.validate && isActive(spec, env)) problems.push(...spec.validate(env));
    const mode = env[authModeVariable(spec)];
    const modes = ['key', 'passthrough', ...(spec.authModes ?? [])];
    if (mode && !modes.includes(mode))
      problems.push(`${authModeVariable(spec)}: must be ${modes.map((m) => `'${m}'`).join(' or ')} (got '${mode}')`);
  }

  problems.push(...credentialProblems(env));

  const settings = parsed.success ? parsed.data : undefined;
  const providers = activeProviders(env);
  const custom = readCustomProviders(settings?.CUSTOM_PROVIDERS, settings?.CUSTOM_PROVIDERS_FILE, problems);
  for (const config of custom) providers.set(config.name, createCustomProvider(config));
  const providerIds = [...PROVIDER_IDS, ...custom.map((c) => c.name)];

  const defaultProvider = env.DEFAULT_PROVIDER || undefined;
  if (defaultProvider !== undefined) {
    if (!providerIds.includes(defaultProvider)) {
      problems.push(
        `DEFAULT_PROVIDER: unknown provider '${defaultProvider}'; expected one of ${providerIds.join(', ')}`,
      );
    } else if (!providers.has(defaultProvider)) {
      problems.push(`DEFAULT_PROVIDER: provider '${defaultProvider}' is not active; set its environment variables`);
    }
  }

  const gatewayKeys = readGatewayKeys(settings?.GATEWAY_API_KEYS, settings?.GATEWAY_API_KEYS_FILE, problems);
  const routing = readRouting(settings, providerIds, providers, problems);
  const warnings = [
    ...unknownVariableWarnings(env, knownVariables(SETTING_NAMES)),
    ...ambientActivationWarnings(env, providers),
  ];
  const observability = readObservability(settings ?? {}, problems);
  const cacheAndGuardrails = readCacheAndGuardrails(settings ?? {}, problems);

  if (problems.length || !settings) throw new ConfigError(problems);
  return Object.freeze({
    port: settings.PORT ?? 8080,
    // An open gateway spends its provider keys for whoever reaches it: loopback unless asked.
    host: settings.HOST ?? (gatewayKeys ? '0.0.0.0' : '127.0.0.1'),
    logLevel: settings.LOG_LEVEL ?? 'info',
    logFormat: settings.LOG_FORMAT,
    logRequests: settings.LOG_REQUESTS ?? 'all',
    warnings,
    defaultProvider,
    requestTimeoutMs: settings.REQUEST_TIMEOUT_MS ?? 600_000,
    streamIdleTimeoutMs: settings.STREAM_IDLE_TIMEOUT_MS ?? 120_000,
    maxBodyBytes: settings.MAX_BODY_BYTES ?? 20 * 1024 * 1024,
    shutdownTimeoutMs: settings.SHUTDOWN_TIMEOUT_MS ?? 30_000,
    clientHeadersTimeoutMs: settings.CLIENT_HEADERS_TIMEOUT_MS ?? 30_000,
    clientBodyTimeoutMs: settings.CLIENT_BODY_TIMEOUT_MS ?? 60_000,
    clientIdleTimeoutMs: settings.CLIENT_IDLE_TIMEOUT_MS ?? 65_000,
    maxResponseBytes: settings.MAX_RESPONSE_BYTES ?? 64 * 1024 * 1024,
    maxHops: settings.MAX_HOPS ?? 3,
    catalogFile: settings.CATALOG_FILE,
    catalogUrl: settings.CATALOG_URL,
    providers,
    unavailableProviders: new Map(),
    providerIds,
    customModels: [...(providers.has('demo') ? DEMO_CATALOG : []), ...custom.flatMap(customModelEntries)],
    gatewayKeys,
    gatewayKeysFile: settings.GATEWAY_API_KEYS !== undefined ? undefined : settings.GATEWAY_API_KEYS_FILE,
    corsOrigins: (settings.CORS_ORIGINS ?? '')
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
    limits: {
      requestsPerMinute: settings.RATE_LIMIT_RPM,
      tokensPerMinute: settings.RATE_LIMIT_TPM,
      dailyBudgetUsd: settings.BUDGET_USD_DAILY,
      monthlyBudgetUsd: settings.BUDGET_USD_MONTHLY,
      perUserDailyBudgetUsd: settings.BUDGET_USD_DAILY_PER_USER,
    },
    redisUrl: settings.REDIS_URL,
    routing,
    workers: settings.WORKERS ?? 1,
    ...observability,
    ...cacheAndGuardrails,
  });
}

/**
 * The configuration without the providers whose credentials were not found at start-up: they are
 * not active (not routed to, not in /health), and a request naming one is told why.
 */
export function withUnavailableProviders(config: Config, unavailable: ReadonlyMap<string, string>): Config {
  if (unavailable.size === 0) return config;
  const providers = new Map([...config.providers].filter(([id]) => !unavailable.has(id)));
  return Object.freeze({ ...config, providers, unavailableProviders: unavailable });
}

/** Settings whose values must never be echoed in an error message. */
const SECRET_SETTINGS = new Set(['GATEWAY_API_KEYS', 'CUSTOM_PROVIDERS', 'REDIS_URL', ...OBSERVABILITY_SECRETS]);

/** The text of a setting given inline or as a file (the file variable names the problem). */
function inlineOrFile(
  inline: string | undefined,
  file: string | undefined,
  fileVariable: string,
  problems: string[],
): string | undefined {
  if (inline !== undefined || file === undefined) return inline;
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    problems.push(`${fileVariable}: cannot read '${file}' (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    return undefined;
  }
}

function readCustomProviders(inline: string | undefined, file: string | undefined, problems: string[]) {
  const text = inlineOrFile(inline, file, 'CUSTOM_PROVIDERS_FILE', problems);
  if (text === undefined) return [];
  const { providers, problems: found } = parseCustomProviders(text, PROVIDER_IDS);
  const variable = inline !== undefined ? 'CUSTOM_PROVIDERS' : 'CUSTOM_PROVIDERS_FILE';
  for (const problem of found) problems.push(`${variable}: ${problem}`);
  const before = problems.length;
  for (const provider of providers) {
    const values = { api_key: provider.api_key, ...provider.headers };
    for (const [name, value] of Object.entries(values)) {
      const problem =
        value &&
        headerValueProblem(
          `${variable}: provider '${provider.name}' ${name === 'api_key' ? 'api_key' : `header '${name}'`}`,
          value,
        );
      if (problem) problems.push(problem);
    }
  }
  return found.length || problems.length > before ? [] : providers;
}

function readGatewayKeys(
  inline: string | undefined,
  file: string | undefined,
  problems: string[],
): GatewayKeys | undefined {
  const text = inlineOrFile(inline, file, 'GATEWAY_API_KEYS_FILE', problems);
  if (text === undefined) return undefined;
  const variable = inline !== undefined ? 'GATEWAY_API_KEYS' : 'GATEWAY_API_KEYS_FILE';
  let keys: GatewayKeys;
  try {
    keys = inline !== undefined ? GatewayKeys.parse(text) : GatewayKeys.parseFile(text, file as string);
  } catch (error) {
    problems.push(`${variable}: ${(error as Error).message}`);
    return undefined;
  }
  if (keys.size === 0) problems.push(`${variable}: holds no key`);
  if (inline === undefined && isPolicyFile(text, file as string)) return keys;
  // Entries are trimmed; a space inside one is a paste gone wrong, and no client could send it.
  const entries = text.split(/[\n,]/).filter((line) => !line.trim().startsWith('#'));
  if (entries.some((entry) => /\S[ \t]+\S/.test(entry.trim().replace(/^[\w.-]+:\s*/, ''))))
    problems.push(`${variable}: a key contains a space; separate keys with commas or newlines`);
  return keys;
}

type Settings = z.infer<typeof gatewaySchema>;

function readRouting(
  settings: Settings | undefined,
  providerIds: readonly string[],
  active: ReadonlyMap<string, Provider>,
  problems: string[],
): RoutingConfig {
  const known = (variable: string, id: string) => {
    if (providerIds.includes(id)) return true;
    problems.push(`${variable}: unknown provider '${id}'; expected one of ${providerIds.join(', ')}`);
    return false;
  };
  const list = (text: string | undefined) =>
    (text ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean);

  const priority = list(settings?.PROVIDER_PRIORITY).filter((id) => known('PROVIDER_PRIORITY', id));

  const weights = new Map<string, number>();
  for (const item of list(settings?.PROVIDER_WEIGHTS)) {
    const [id = '', weight = ''] = item.split('=').map((part) => part.trim());
    if (!/^\d+(\.\d+)?$/.test(weight) || Number(weight) <= 0)
      problems.push(`PROVIDER_WEIGHTS: weight of '${id}' must be a positive number (got '${weight}')`);
    else if (known('PROVIDER_WEIGHTS', id)) weights.set(id, Number(weight));
  }

  const routes = new Map<string, { provider: string; model: string }[]>();
  const variable = settings?.ROUTES !== undefined ? 'ROUTES' : 'ROUTES_FILE';
  const text = inlineOrFile(settings?.ROUTES, settings?.ROUTES_FILE, 'ROUTES_FILE', problems);
  if (text !== undefined) {
    const parsedJson = parseJson(text);
    const value = 'value' in parsedJson ? parsedJson.value : undefined;
    if ('problem' in parsedJson) problems.push(`${variable}: ${parsedJson.problem}`);
    if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) {
      problems.push(`${variable}: must be a JSON object of virtual model name → ["provider/model", …]`);
    } else if (value !== undefined) {
      for (const [name, targets] of Object.entries(value as Record<string, unknown>)) {
        if (!Array.isArray(targets) || targets.length === 0 || !targets.every((t) => typeof t === 'string')) {
          problems.push(`${variable}: route '${name}' must be a non-empty array of "provider/model" strings`);
          continue;
        }
        const parsed: { provider: string; model: string }[] = [];
        for (const target of targets as string[]) {
          const cut = target.search(/[/:]/);
          const provider = cut > 0 ? target.slice(0, cut) : '';
          if (cut <= 0 || cut === target.length - 1)
            problems.push(`${variable}: route '${name}': '${target}' is not "provider/model"`);
          else if (!known(variable, provider)) continue;
          else if (!active.has(provider))
            problems.push(
              `${variable}: route '${name}': provider '${provider}' is not active; set its environment variables`,
            );
          else parsed.push({ provider, model: target.slice(cut + 1) });
        }
        routes.set(name, parsed);
      }
    }
  }

  return {
    strategy: settings?.ROUTING_STRATEGY ?? 'priority',
    priority,
    weights,
    routes,
    fallback: !['off', 'false', '0'].includes(settings?.FALLBACK ?? 'on'),
    maxRetries: settings?.MAX_RETRIES ?? 1,
    cooldownFailures: settings?.COOLDOWN_FAILURES ?? 3,
    cooldownMs: settings?.COOLDOWN_MS ?? 30_000,
  };
}
