import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PROVIDERS } from '../../src/providers/registry.ts';

const GATEWAY_VARIABLES = [
  'PORT',
  'HOST',
  'LOG_LEVEL',
  'DEFAULT_PROVIDER',
  'REQUEST_TIMEOUT_MS',
  'STREAM_IDLE_TIMEOUT_MS',
  'MAX_BODY_BYTES',
  'SHUTDOWN_TIMEOUT_MS',
  'CATALOG_FILE',
  'CATALOG_URL',
  'GATEWAY_API_KEYS',
  'GATEWAY_API_KEYS_FILE',
  'RATE_LIMIT_RPM',
  'RATE_LIMIT_TPM',
  'BUDGET_USD_DAILY',
  'REDIS_URL',
  'CORS_ORIGINS',
  'CUSTOM_PROVIDERS',
  'CUSTOM_PROVIDERS_FILE',
  'ROUTING_STRATEGY',
  'PROVIDER_PRIORITY',
  'PROVIDER_WEIGHTS',
  'ROUTES',
  'ROUTES_FILE',
  'FALLBACK',
  'MAX_RETRIES',
  'COOLDOWN_FAILURES',
  'COOLDOWN_MS',
];
const variables = [...GATEWAY_VARIABLES, ...PROVIDERS.flatMap((p) => p.env.map((v) => v.name))];

describe('documentation stays true', () => {
  const readme = readFileSync('README.md', 'utf8');
  const envExample = readFileSync('.env.example', 'utf8');

  it.each(variables)('%s is in the README and in .env.example', (name) => {
    expect(readme).toContain(`\`${name}\``);
    expect(envExample).toMatch(new RegExp(`^# ${name}=`, 'm'));
  });

  it.each([
    'CLIENT_HEADERS_TIMEOUT_MS',
    'CLIENT_BODY_TIMEOUT_MS',
    'CLIENT_IDLE_TIMEOUT_MS',
    'MAX_RESPONSE_BYTES',
    'MAX_HOPS',
  ])('%s is in docs/operations.md (linked from the README) and in .env.example', (name) => {
    expect(readme).toContain('docs/operations.md');
    expect(readFileSync('docs/operations.md', 'utf8')).toContain(`\`${name}\``);
    expect(envExample).toMatch(new RegExp(`^# ${name}=`, 'm'));
  });

  it('every <PREFIX>_AUTH_MODE is in the README', () => {
    for (const p of PROVIDERS) expect(readme).toContain(`\`${p.envPrefix}_AUTH_MODE\``);
  });

  it('every provider id is in the README', () => {
    for (const p of PROVIDERS) expect(readme).toContain(`| \`${p.id}\` |`);
  });
});
