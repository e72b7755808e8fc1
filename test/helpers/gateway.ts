import { request } from 'node:http';
import { Writable } from 'node:stream';
import { loadCatalog } from '../../src/catalog/load.ts';
import { loadConfig } from '../../src/config/config.ts';
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

export async function startGateway(env: Env): Promise<TestGateway> {
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) logs.push(JSON.parse(line));
      done();
    },
  });
  const config = loadConfig({ LOG_LEVEL: 'info', ...env });
  const logger = createLogger(config.logLevel, sink);
  const catalog = await loadCatalog({ file: config.catalogFile, url: config.catalogUrl }, logger);
  const gateway = createGateway({ config, logger, catalog });
  const address = await gateway.listen(0, '127.0.0.1');
  return { url: `http://127.0.0.1:${address.port}`, gateway, logs, close: () => gateway.close() };
}

/** POSTs JSON to the gateway with plain fetch and returns status, headers and parsed body. */
export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** Waits until a log line matching `predicate` has been written (lines are written after the response). */
export async function waitForLog(gw: TestGateway, predicate: (line: Record<string, unknown>) => boolean, timeoutMs = 2000) {
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
    const req = request(url, { method: options.method ?? 'GET', path: options.path, headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}
