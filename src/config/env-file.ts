import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import type { Env } from '../providers/types.ts';

/**
 * The effective environment: the variables of an optional `.env` file, overridden by the real
 * environment (so a deployment can always win over a file baked into an image).
 */
export function environmentWithEnvFile(env: Env, envFilePath: string): Env {
  let text: string;
  try {
    text = readFileSync(envFilePath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return env;
    throw error;
  }
  return { ...parseEnv(text), ...env };
}
