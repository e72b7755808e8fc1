import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { Writable } from 'node:stream';
import { loadCatalog } from '../../src/catalog/load.ts';
import { loadConfig } from '../../src/config/config.ts';
import { isYamlPath, preloadYaml } from '../../src/limits/gateway-keys.ts';
import { createLogger } from '../../src/observability/logger.ts';
import type { Env } from '../../src/providers/types.ts';
import { createGateway, type Gateway } from '../../src/server/server.ts';

/** A gateway running in-process on an ephemeral loopback port, with its log lines captured. */
export interface TestGateway {
  url: string;
  gateway: Gateway;
  logs: Record<string, unknown>[];
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
    if (/(_API_KEY|_API_TOKEN|SECRET_ACCESS_KEY|SESSION_TOKEN)$/.test(name)) {
      secrets.push(value);
      // A key pool: each key of the list is a secret of its own.
      if (name.endsWith('_API_KEY')) secrets.push(...value.split(',').map((key) => key.trim()));
    }
    if (name === 'GATEWAY_API_KEYS')
      secrets.push(...value.split(',').map((entry) => entry.trim().replace(/^[\w.-]+:/, '')));
    if (name === 'GATEWAY_API_KEYS_FILE' && existsSync(value)) {
      const text = readFileSync(value, 'utf8');
      secrets.push(...[...text.matchAll(/["']?\bkey["']?\s*:\s*["']?([^"',\s}]+)/g)].map((m) => m[1] as string));
    }
    if (name === 'REDIS_URL') secrets.push(new URL(value).password);
    if (name === 'VERTEX_AI_SERVICE_ACCOUNT_JSON')
      secrets.push(
        String(JSON.parse(value).private_key ?? '')
          .replace(/-----[A-Z ]+-----/g, '')
          .trim()
          .slice(0, 64),
      );
    if (name === 'CUSTOM_PROVIDERS')
      secrets.push(...[...value.matchAll(/"api_key"\s*:\s*"([^"]+)"/g)].map((m) => m[1] as string));
  }
  // A key like "k" would match everywhere: only distinctive values are scanned for.
  return secrets.filter((secret) => secret.length >= 6);
}

/** Secrets of the gateways running now; every response read through these helpers is checked against them. */
const liveSecrets = new Set<string>();

function assertNoSecret(text: string): void {
  for (const secret of liveSecrets)
    if (text.includes(secret)) throw new Error(`a configured secret appeared in a response: ${secret.slice(0, 3)}…`);
}

export async function startGateway(env: Env): Promise<TestGateway> {
  const logs: Record<string, unknown>[] = [];
  const secrets = secretsOf(env);
  for (const secret of secrets) liveSecrets.add(secret);
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) logs.push(JSON.parse(line));
      done();
    },
  });
  if (isYamlPath(env.GATEWAY_API_KEYS_FILE)) await preloadYaml();
  const config = loadConfig({ LOG_LEVEL: 'debug', ...env });
  const logger = createLogger(config.logLevel, sink);
  const catalog = await loadCatalog({ file: config.catalogFile, url: config.catalogUrl }, logger);
  const gateway = createGateway({ config, logger, catalog });
  const address = await gateway.listen(0, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${address.port}`,
    gateway,
    logs,
    async close() {
      await gateway.close();
      for (const secret of secrets) liveSecrets.delete(secret);
      const text = JSON.stringify(logs);
      const leaked = secrets.filter((secret) => text.includes(secret));
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
