/**
 * Where Vertex AI's service-account key comes from: `VERTEX_AI_SERVICE_ACCOUNT_JSON` (the JSON
 * itself) or `GOOGLE_APPLICATION_CREDENTIALS` (a file holding it, Google's usual variable). Problems
 * name the variable and never quote the key.
 */
import { readFileSync } from 'node:fs';
import {
  InvalidServiceAccountKeyError,
  parseServiceAccountKey,
  type ServiceAccountKey,
} from '../../upstream/google-auth.ts';
import type { Env } from '../types.ts';

export type KeySource = { key: ServiceAccountKey } | { problem: string };

export function readServiceAccountKey(env: Env): KeySource {
  const inline = env.VERTEX_AI_SERVICE_ACCOUNT_JSON;
  if (inline) return parse(inline, 'VERTEX_AI_SERVICE_ACCOUNT_JSON');
  const file = env.GOOGLE_APPLICATION_CREDENTIALS;
  if (!file)
    return {
      problem:
        'VERTEX_AI_PROJECT_ID: Vertex AI needs a service-account key: set GOOGLE_APPLICATION_CREDENTIALS (a key file) or VERTEX_AI_SERVICE_ACCOUNT_JSON (its JSON)',
    };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return {
      problem: `GOOGLE_APPLICATION_CREDENTIALS: cannot read '${file}' (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    };
  }
  return parse(text, `GOOGLE_APPLICATION_CREDENTIALS ('${file}')`);
}

function parse(text: string, variable: string): KeySource {
  try {
    return { key: parseServiceAccountKey(text) };
  } catch (error) {
    if (error instanceof InvalidServiceAccountKeyError)
      return { problem: `${variable}: not a usable service-account key: ${error.message}` };
    throw error;
  }
}
