import { ConfigError, loadConfig } from '../../src/config/config.ts';
import type { Env } from '../../src/providers/types.ts';

/** The problems loadConfig names for `env`, one line each; none when it is valid. */
export function problemsOf(env: Env): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}
