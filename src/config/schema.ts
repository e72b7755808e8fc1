import * as z from 'zod';

/** The zod pieces the configuration's schemas share (config.ts, observability.ts, cache-and-guardrails.ts). */

// Every zod schema in the gateway parses once, at start-up or on a reload (the configuration and its
// files), none per request: zod's JIT, which compiles a parser for each object schema on its first
// parse, only costs start-up time then (about 40 ms of a profiled start). Set before the schemas
// are built, which read it.
z.config({ jitless: true });

/** An unset and an empty variable mean the same: use the default. */
export const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

export const integer = (min: number, max: number) =>
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

export const flag = optional(z.enum(['true', 'false', '1', '0', 'on', 'off']));
export const isOn = (value: string | undefined) => value === 'true' || value === '1' || value === 'on';
