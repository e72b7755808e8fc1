import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadCatalog } from '../../src/catalog/load.ts';
import { loadConfig, withUnavailableProviders } from '../../src/config/config.ts';
import { isYamlPath, preloadYaml } from '../../src/config/yaml.ts';
import { createLogger } from '../../src/observability/logger.ts';
import type { Env } from '../../src/providers/types.ts';
import { createGateway, type Gateway } from '../../src/server/server.ts';
import { type CredentialReport, checkCredentials, unavailableProviders } from '../../src/upstream/credential-check.ts';

/** A gateway running in-process on an ephemeral loopback port, with its log lines captured. */
export interface TestGateway {
  url: string;
  /** Where its SQLite request log store lives. */
  dataDir: string;
  gateway: Gateway;
  logs: Record<string, unknown>[];
  /** With `checkCredentials`: what each cloud provider's credential chain reported, as main.ts does at start-up. */
  credentials: CredentialReport[];
  close(): Promise<void>;
}

/**
 * Values that must never appear in a log line or a response: every credential a test configures.
 * Tests run the gateway at LOG_LEVEL=debug, and each gateway's logs are scanned when it closes.
 */
function secretsOf(env: Env): string[] {
  const secrets: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!value) continue;
    if (
      /(_API_KEY|_API_TOKEN|SECRET_ACCESS_KEY|SESSION_TOKEN|^AWS_BEARER_TOKEN_BEDROCK|^IDENTITY_HEADER)$/.test(name)
    ) {
      secrets.push(value);
      // A key pool: each key of the list is a secret of its own.
      if (name.endsWith('_API_KEY')) secrets.push(...value.split(',').map((key) => key.trim()));
    }
    if (name === 'GATEWAY_API_KEYS' || name === 'ADMIN_API_KEYS')
      secrets.push(...value.split(',').map((entry) => entry.trim().replace(/^[\w.-]+:/, '')));
    if (name === 'REDIS_URL' || name === 'DATABASE_URL') secrets.push(new URL(value).password);
    if (name === 'OTEL_EXPORTER_OTLP_HEADERS')
      secrets.push(...value.split(',').map((pair) => pair.slice(pair.indexOf('=') + 1).trim()));
    if (name === 'AZURE_CLIENT_SECRET' || name === 'AWS_CONTAINER_AUTHORIZATION_TOKEN') secrets.push(value);
    if (name === 'GOOGLE_APPLICATION_CREDENTIALS') secrets.push(...credentialFileSecrets(value));
    if (name === 'GATEWAY_API_KEYS_FILE' && existsSync(value)) {
      const text = readFileSync(value, 'utf8');
      secrets.push(...[...text.matchAll(/["']?\bkey["']?\s*:\s*["']?([^"',\s}]+)/g)].map((m) => m[1] as string));
    }
    if (name === 'VERTEX_AI_SERVICE_ACCOUNT_JSON')
      secrets.push(
        String(JSON.parse(value).private_key ?? '')
          .replace(/-----[A-Z ]+-----/g, '')
          .trim()
          .slice(0, 64),
      );
    // Webhook secrets and the headers sent to webhook receivers and guardrail services.
    if (name === 'WEBHOOKS_FILE' || name === 'GUARDRAILS_FILE') secrets.push(...configFileSecrets(value));
    if (name === 'CUSTOM_PROVIDERS')
      secrets.push(...[...value.matchAll(/"api_key"\s*:\s*"([^"]+)"/g)].map((m) => m[1] as string));
  }
  // A key like "k" would match everywhere: only distinctive values are scanned for.
  return secrets.filter((secret) => secret.length >= 6);
}

/** The `secret` and header values of a JSON webhooks or guardrails file (YAML ones are not scanned). */
function configFileSecrets(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const found: string[] = [];
  JSON.parse(text.trim().startsWith('{') || text.trim().startsWith('[') ? text : 'null', (key, value) => {
    if (key === 'secret' && typeof value === 'string') found.push(value);
    if (key === 'headers' && value && typeof value === 'object')
      found.push(...Object.values(value as Record<string, unknown>).filter((v): v is string => typeof v === 'string'));
    return value;
  });
  return found.map((value) => value.replace(/^(bearer|basic)\s+/i, ''));
}

/** The secrets inside a Google credentials file: a refresh token, a client secret, a private key. */
function credentialFileSecrets(file: string): string[] {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return [];
  }
  return ['refresh_token', 'client_secret', 'private_key']
    .map((field) => json[field])
    .filter((value): value is string => typeof value === 'string')
    .map((value) =>
      value
        .replace(/-----[A-Z ]+-----/g, '')
        .trim()
        .slice(0, 64),
    );
}

/** Secrets of the gateways running now; every response read through these helpers is checked against them. */
const liveSecrets = new Set<string>();

/**
 * Secrets issued while tests run (session tokens, access tokens, refresh tokens from the mock
 * identity endpoints): scanned for in every response and in the logs of every gateway closed after.
 */
const issuedSecrets = new Set<string>();

export function treatAsSecret(value: string): void {
  issuedSecrets.add(value);
  liveSecrets.add(value);
}

function assertNoSecret(text: string): void {
  for (const secret of liveSecrets)
    if (text.includes(secret)) throw new Error(`a configured secret appeared in a response: ${secret.slice(0, 3)}…`);
}

export async function startGateway(env: Env, options: { checkCredentials?: boolean } = {}): Promise<TestGateway> {
  const logs: Record<string, unknown>[] = [];
  const secrets = secretsOf(env);
  for (const secret of secrets) liveSecrets.add(secret);
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) logs.push(JSON.parse(line));
      done();
    },
  });
  if ([env.GATEWAY_API_KEYS_FILE, env.GUARDRAILS_FILE, env.WEBHOOKS_FILE].some(isYamlPath)) await preloadYaml();
  // Each gateway gets its own request log store unless the test shares one.
  const dataDir = env.DATA_DIR ?? mkdtempSync(join(tmpdir(), 'switchyard-data-'));
  let config = loadConfig({ LOG_LEVEL: 'debug', ...env, DATA_DIR: dataDir });
  const credentials = options.checkCredentials ? await checkCredentials(config.providers) : [];
  config = withUnavailableProviders(config, unavailableProviders(credentials));
  const logger = createLogger(config.logLevel, sink);
  const catalog = await loadCatalog({ file: config.catalogFile, url: config.catalogUrl }, logger);
  const gateway = createGateway({ config, logger, catalog });
  const address = await gateway.listen(0, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${address.port}`,
    dataDir,
    gateway,
    logs,
    credentials,
    async close() {
      await gateway.close();
      for (const secret of secrets) liveSecrets.delete(secret);
      const text = JSON.stringify(logs);
      const leaked = [...secrets, ...issuedSecrets].filter((secret) => text.includes(secret));
      if (leaked.length)
        throw new Error(
          `a configured secret appeared in the gateway's logs: ${leaked.map((s) => `${s.slice(0, 3)}…`).join(', ')}`,
        );
    },
  };
}

/** POSTs JSON to the gateway with plain fetch and returns status, headers and parsed body. */
export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  assertNoSecret(text + JSON.stringify([...response.headers]));
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** Waits until a log line matching `predicate` has been written (lines are written after the response). */
export async function waitForLog(
  gw: TestGateway,
  predicate: (line: Record<string, unknown>) => boolean,
  timeoutMs = 2000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = gw.logs.find(predicate);
    if (line) return line;
    if (Date.now() > deadline) throw new Error(`no matching log line; got ${JSON.stringify(gw.logs)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A request with node:http, which (unlike fetch) sends the path exactly as given. */
export function rawRequest(
  url: string,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer },
): Promise<{ status: number; headers: import('node:http').IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: options.method ?? 'GET', path: options.path, headers: options.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          assertNoSecret(text + JSON.stringify(res.headers));
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}
