import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import type { Env } from '../providers/types.ts';

/**
 * The variables of an env file under `env` (the real environment wins, so a deployment can always
 * override a file baked into an image). A missing optional file adds nothing; a missing required
 * one (named on the command line) is an error with code ENV_FILE.
 */
export function environmentWithEnvFile(env: Env, envFilePath: string, required = false): Env {
  let text: string;
  try {
    text = readFileSync(envFilePath, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !required) return env;
    throw Object.assign(new Error(`--env-file: cannot read '${envFilePath}' (${code ?? 'error'})`), {
      code: 'ENV_FILE',
    });
  }
  return { ...parseEnv(text), ...env };
}
