import { z } from 'zod';
import type { CacheSettings } from '../cache/cache.ts';

/** Settings of the response cache, the guardrails and the webhooks (docs/cache-and-guardrails.md). */
export interface CacheAndGuardrailsConfig {
  /** Set when CACHE is. */
  readonly cache: CacheSettings | undefined;
}

const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());
const flag = optional(z.enum(['true', 'false', '1', '0', 'on', 'off']));
const isOn = (value: string | undefined) => value === 'true' || value === '1' || value === 'on';
const whole = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, { message: `must be a whole number between ${min} and ${max}` })
    .transform(Number)
    .pipe(
      z
        .number()
        .min(min, { message: `must be at least ${min}` })
        .max(max, { message: `must be at most ${max}` }),
    );

export const cacheAndGuardrailsSchema = {
  CACHE: optional(z.enum(['memory', 'redis', 'off'], { message: "must be 'memory', 'redis' or 'off'" })),
  CACHE_TTL_S: optional(whole(1, 30 * 86_400)),
  CACHE_MAX_BYTES: optional(whole(1024, 2 ** 40)),
  CACHE_SCOPE: optional(z.enum(['key', 'global'], { message: "must be 'key' or 'global'" })),
  CACHE_NONDETERMINISTIC: flag,
};

type Settings = { [K in keyof typeof cacheAndGuardrailsSchema]?: z.infer<(typeof cacheAndGuardrailsSchema)[K]> };

export function readCacheAndGuardrails(
  settings: Settings & { REDIS_URL?: string },
  problems: string[],
): CacheAndGuardrailsConfig {
  const kind = settings.CACHE === 'off' ? undefined : settings.CACHE;
  if (kind === 'redis' && !settings.REDIS_URL) problems.push('CACHE: redis needs REDIS_URL to be set');
  return {
    cache: kind && {
      store: kind,
      ttlS: settings.CACHE_TTL_S ?? 3600,
      maxBytes: settings.CACHE_MAX_BYTES ?? 256 * 1024 * 1024,
      scope: settings.CACHE_SCOPE ?? 'key',
      nondeterministic: isOn(settings.CACHE_NONDETERMINISTIC),
    },
  };
}
