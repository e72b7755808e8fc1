import { readFileSync } from 'node:fs';
import * as z from 'zod';
import type { CacheSettings } from '../cache/cache.ts';
import { parseRules, type Rule } from '../guardrails/rules.ts';
import { parseEndpoints, type WebhookSettings } from '../webhooks/endpoints.ts';
import { flag, integer, isOn, optional } from './schema.ts';
import { parseConfigFile } from './yaml.ts';

/** Settings of the response cache, the guardrails and the webhooks (docs/cache-and-guardrails.md). */
export interface CacheAndGuardrailsConfig {
  /** Set when CACHE is. */
  readonly cache: CacheSettings | undefined;
  /** GUARDRAILS_FILE's rules, in order; undefined when unset. */
  readonly guardrails: readonly Rule[] | undefined;
  /** WEBHOOKS_FILE's endpoints; undefined when unset. */
  readonly webhooks: WebhookSettings | undefined;
}

export const cacheAndGuardrailsSchema = {
  CACHE: optional(z.enum(['memory', 'redis', 'off'], { message: "must be 'memory', 'redis' or 'off'" })),
  CACHE_TTL_S: optional(integer(1, 30 * 86_400)),
  CACHE_MAX_BYTES: optional(integer(1024, 2 ** 40)),
  CACHE_SCOPE: optional(z.enum(['key', 'global'], { message: "must be 'key' or 'global'" })),
  CACHE_NONDETERMINISTIC: flag,
  GUARDRAILS_FILE: optional(z.string()),
  WEBHOOKS_FILE: optional(z.string()),
};

type Settings = { [K in keyof typeof cacheAndGuardrailsSchema]?: z.infer<(typeof cacheAndGuardrailsSchema)[K]> };

export function readCacheAndGuardrails(
  settings: Settings & { REDIS_URL?: string },
  problems: string[],
): CacheAndGuardrailsConfig {
  const kind = settings.CACHE === 'off' ? undefined : settings.CACHE;
  if (kind === 'redis' && !settings.REDIS_URL) problems.push('CACHE: redis needs REDIS_URL to be set');
  return {
    guardrails: settings.GUARDRAILS_FILE === undefined ? undefined : readGuardrails(settings.GUARDRAILS_FILE, problems),
    webhooks: settings.WEBHOOKS_FILE === undefined ? undefined : readWebhooks(settings.WEBHOOKS_FILE, problems),
    cache: kind && {
      store: kind,
      ttlS: settings.CACHE_TTL_S ?? 3600,
      maxBytes: settings.CACHE_MAX_BYTES ?? 256 * 1024 * 1024,
      scope: settings.CACHE_SCOPE ?? 'key',
      nondeterministic: isOn(settings.CACHE_NONDETERMINISTIC),
    },
  };
}

/** A JSON or YAML file's value, or undefined with the problem reported under `variable`. */
function readConfigFile(variable: string, path: string, problems: string[]): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    problems.push(`${variable}: cannot read '${path}' (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    return undefined;
  }
  try {
    return parseConfigFile(text, path);
  } catch (error) {
    problems.push(`${variable}: '${path}' is ${(error as Error).message}`);
    return undefined;
  }
}

function readGuardrails(path: string, problems: string[]): Rule[] | undefined {
  const value = readConfigFile('GUARDRAILS_FILE', path, problems);
  if (value === undefined) return undefined;
  const parsed = parseRules(value);
  if ('problems' in parsed) {
    for (const problem of parsed.problems) problems.push(`GUARDRAILS_FILE: ${problem}`);
    return undefined;
  }
  return parsed.rules;
}

function readWebhooks(path: string, problems: string[]): WebhookSettings | undefined {
  const value = readConfigFile('WEBHOOKS_FILE', path, problems);
  if (value === undefined) return undefined;
  const parsed = parseEndpoints(value);
  if ('problems' in parsed) {
    for (const problem of parsed.problems) problems.push(`WEBHOOKS_FILE: ${problem}`);
    return undefined;
  }
  return parsed;
}
