import { z } from 'zod';
import { activeProviders, PROVIDER_IDS, PROVIDERS } from '../providers/registry.ts';
import type { Env, Provider } from '../providers/types.ts';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly logLevel: LogLevel;
  readonly defaultProvider: string | undefined;
  /** Time allowed until the upstream's response headers arrive. */
  readonly requestTimeoutMs: number;
  /** Longest silence allowed between two chunks of an upstream response body. */
  readonly streamIdleTimeoutMs: number;
  readonly maxBodyBytes: number;
  readonly shutdownTimeoutMs: number;
  /** JSON file in LiteLLM's price-map format whose entries add to or replace built-in ones. */
  readonly catalogFile: string | undefined;
  /** Where to fetch a fresh copy of the whole catalog source at start-up. */
  readonly catalogUrl: string | undefined;
  /** Active providers by id, in registry order. */
  readonly providers: ReadonlyMap<string, Provider>;
}

/** Start-up configuration is invalid; `problems` holds one line per variable. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** An unset and an empty variable mean the same: use the default. */
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

const integer = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, { message: `must be a whole number between ${min} and ${max}` })
    .transform(Number)
    .pipe(z.number().min(min, { message: `must be at least ${min}` }).max(max, { message: `must be at most ${max}` }));

const httpUrl = z.string().refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), {
  message: 'must be an http:// or https:// URL',
});

const MS_PER_DAY = 86_400_000;

const gatewaySchema = z.object({
  PORT: optional(integer(0, 65_535)),
  HOST: optional(z.string().min(1)),
  LOG_LEVEL: optional(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])),
  DEFAULT_PROVIDER: optional(z.string()),
  REQUEST_TIMEOUT_MS: optional(integer(1, MS_PER_DAY)),
  STREAM_IDLE_TIMEOUT_MS: optional(integer(1, MS_PER_DAY)),
  MAX_BODY_BYTES: optional(integer(1, 2 ** 31)),
  SHUTDOWN_TIMEOUT_MS: optional(integer(0, MS_PER_DAY)),
  CATALOG_FILE: optional(z.string()),
  CATALOG_URL: optional(httpUrl),
});

/** Reads and validates the whole configuration; throws ConfigError naming every bad variable. */
export function loadConfig(env: Env): Config {
  const problems: string[] = [];
  const parsed = gatewaySchema.safeParse(env);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0]);
      problems.push(`${name}: ${issue.message} (got '${env[name]}')`);
    }
  }

  for (const spec of PROVIDERS) {
    for (const variable of spec.env) {
      const value = env[variable.name];
      if (variable.url && value && !httpUrl.safeParse(value).success) {
        problems.push(`${variable.name}: must be an http:// or https:// URL (got '${value}')`);
      }
    }
  }

  const providers = activeProviders(env);
  const settings = parsed.success ? parsed.data : undefined;
  const defaultProvider = env.DEFAULT_PROVIDER || undefined;
  if (defaultProvider !== undefined) {
    if (!PROVIDER_IDS.includes(defaultProvider)) {
      problems.push(`DEFAULT_PROVIDER: unknown provider '${defaultProvider}'; expected one of ${PROVIDER_IDS.join(', ')}`);
    } else if (!providers.has(defaultProvider)) {
      problems.push(`DEFAULT_PROVIDER: provider '${defaultProvider}' is not active; set its environment variables`);
    }
  }

  if (problems.length || !settings) throw new ConfigError(problems);
  return Object.freeze({
    port: settings.PORT ?? 8080,
    host: settings.HOST ?? '0.0.0.0',
    logLevel: settings.LOG_LEVEL ?? 'info',
    defaultProvider,
    requestTimeoutMs: settings.REQUEST_TIMEOUT_MS ?? 600_000,
    streamIdleTimeoutMs: settings.STREAM_IDLE_TIMEOUT_MS ?? 120_000,
    maxBodyBytes: settings.MAX_BODY_BYTES ?? 20 * 1024 * 1024,
    shutdownTimeoutMs: settings.SHUTDOWN_TIMEOUT_MS ?? 30_000,
    catalogFile: settings.CATALOG_FILE,
    catalogUrl: settings.CATALOG_URL,
    providers,
  });
}
