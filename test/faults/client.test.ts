import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { postJson, rawRequest, startGateway, type TestGateway } from '../helpers/gateway.ts';
import { chatCompletion, chatCompletionChunks, json } from '../helpers/mock-upstream.ts';
import { rawExchange } from '../helpers/raw-client.ts';
import { behave, ScriptedProvider } from '../helpers/scripted-provider.ts';

/** Clients misbehaving on purpose (raw sockets where an HTTP library would refuse): each gets a clear answer or a closed connection, never a hang. */

const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
const post = (path: string, headers: string[], payload = body) =>
  `POST ${path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n${headers.map((h) => `${h}\r\n`).join('')}content-length: ${Buffer.byteLength(payload)}\r\n\r\n${payload}`;

let provider: ScriptedProvider;
let gw: TestGateway;
let port: number;

beforeAll(async () => {
  provider = await new ScriptedProvider().start();
  provider.script((_req, res) => json(res, 200, chatCompletion('hello')));
  gw = await startGateway({
    OPENAI_API_KEY: 'sk-openai-SECRET-1',
    OPENAI_BASE_URL: provider.url,
    CLIENT_HEADERS_TIMEOUT_MS: '400',
    CLIENT_BODY_TIMEOUT_MS: '400',
    CLIENT_IDLE_TIMEOUT_MS: '400',
    MAX_BODY_BYTES: '10000',
  });
  port = Number(new URL(gw.url).port);
});
afterAll(async () => {
  await gw.close();
  await provider.close();
});
beforeEach(() => {
  provider.received.length = 0;
});

describe('client timeouts (issue 15 item 5)', () => {
  it('a connection that sends nothing is closed', async () => {
    const seen = await rawExchange(port, [], { timeoutMs: 3000 });
    expect(seen.closed).toBe(true);
    expect(seen.closedAfterMs).toBeLessThan(2000);
  });

  it('headers trickled a byte at a time are cut after CLIENT_HEADERS_TIMEOUT_MS', async () => {
    const head = 'GET /health HTTP/1.1\r\nhost: x\r\nx-slow: ';
    const parts = [head, ...Array.from({ length: 40 }, () => ['a', 100]).flat()];
    const seen = await rawExchange(port, parts as (string | number)[], { timeoutMs: 5000 });
    expect(seen.closed).toBe(true);
    expect(seen.closedAfterMs).toBeLessThan(3000);
    // Node's own 408 (issue 15 item 17): an error body, not an empty one.
    expect(seen.text).toMatch(/^HTTP\/1\.1 408/);
    expect(seen.text).toContain('"request_timeout"');
  });

  it('a body trickled past CLIENT_BODY_TIMEOUT_MS gets a 408 in the client error shape', async () => {
    const headers = `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n`;
    const parts = [headers, ...[...body].flatMap((c) => [c, 50])];
    const seen = await rawExchange(port, parts as (string | number)[], { timeoutMs: 5000 });
    expect(seen.text).toMatch(/^HTTP\/1\.1 408/);
    expect(seen.text).toContain('"request_timeout"');
    expect(provider.received).toHaveLength(0);
  });

  it('an idle keep-alive connection is closed after CLIENT_IDLE_TIMEOUT_MS', async () => {
    const seen = await rawExchange(port, ['GET /health HTTP/1.1\r\nhost: x\r\n\r\n'], { timeoutMs: 3000 });
    expect(seen.text).toMatch(/^HTTP\/1\.1 200/);
    expect(seen.closed).toBe(true);
  });

  it('a stream outlasting both client timeouts is relayed whole, then its idle connection is closed', async () => {
    // Five gaps of 250 ms: well past CLIENT_HEADERS_TIMEOUT_MS and CLIENT_IDLE_TIMEOUT_MS (400 ms).
    provider.script(behave.stream(chatCompletionChunks(['a', 'b', 'c', 'd']), 250));
    const payload = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], stream: true });
    const seen = await rawExchange(port, [post('/v1/chat/completions', [], payload)], { timeoutMs: 8000 });
    expect(seen.text).toMatch(/^HTTP\/1\.1 200/);
    for (const part of ['"a"', '"b"', '"c"', '"d"', '"stop"', '[DONE]']) expect(seen.text).toContain(part);
    expect(seen.text).not.toContain('"error"');
    expect(seen.closed).toBe(true);
    expect(seen.closedAfterMs).toBeGreaterThan(1250);
    // Closed by Node's keep-alive timer: CLIENT_IDLE_TIMEOUT_MS after the stream, plus Node's
    // keepAliveTimeoutBuffer (1 s), plus slack for a loaded machine.
    expect(seen.closedAfterMs).toBeLessThan(1250 + 400 + 1000 + 3000);
    provider.script((_req, res) => json(res, 200, chatCompletion('hello')));
  });
});

describe('bad input (issue 15 items 15, 16, 17 and those that held)', () => {
  it('15: Expect: 100-continue is answered by the gateway and never forwarded', async () => {
    const head = `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nexpect: 100-continue\r\ncontent-length: ${body.length}\r\n\r\n`;
    const seen = await rawExchange(port, [head, 100, body], { timeoutMs: 1500 });
    expect(seen.text).toMatch(/^HTTP\/1\.1 100 Continue/);
    expect(seen.text).toContain('HTTP/1.1 200');
    expect(provider.last.headers.expect).toBeUndefined();
  });

  it('16: JSON nested 100k deep is a 400, not a 500', async () => {
    const deep = `{"model":"gpt-4o-mini","messages":${'['.repeat(9000)}${']'.repeat(9000)}}`;
    const other = await startGateway({ OPENAI_API_KEY: 'sk-openai-SECRET-1', OPENAI_BASE_URL: provider.url });
    try {
      const result = await postJson(
        `${other.url}/v1/chat/completions`,
        `{"model":"m","x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`,
      );
      expect(result.status).toBe(400);
      expect(result.json.error.code).toBe('invalid_json');
      expect((await postJson(`${other.url}/v1/chat/completions`, deep)).status).toBe(400);
    } finally {
      await other.close();
    }
  });

  it('17: a client that half-closes after sending its request still gets its answer', async () => {
    // A slow provider: the answer comes after the gateway's probes of the half-closed connection.
    provider.script(async (_req, res) => {
      await new Promise((r) => setTimeout(r, 700));
      json(res, 200, chatCompletion('hello'));
    });
    const seen = await rawExchange(port, [post('/v1/chat/completions', ['connection: close'])], {
      timeoutMs: 3000,
      halfClose: true,
    }).finally(() => provider.script((_req, res) => json(res, 200, chatCompletion('hello'))));
    // Interim `102 Processing` lines may come first (the gateway's probes for a client that is gone).
    expect(seen.text.replace(/^(HTTP\/1\.1 102 Processing\r\n\r\n)*/, '')).toMatch(/^HTTP\/1\.1 200/);
    expect(seen.text).toContain('"hello"');
    expect(seen.closed).toBe(true);
    expect(provider.received).toHaveLength(1);
  });

  it('17: a malformed request gets a 400 with an error body', async () => {
    const seen = await rawExchange(port, ['GARBAGE\r\n\r\n'], { timeoutMs: 1500 });
    expect(seen.text).toMatch(/^HTTP\/1\.1 400/);
    expect(seen.text).toContain('"malformed_request"');
  });

  it('17: headers too large get a 431 with an error body', async () => {
    const seen = await rawExchange(port, [`GET /health HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`], {
      timeoutMs: 1500,
    });
    expect(seen.text).toMatch(/^HTTP\/1\.1 431/);
    expect(seen.text).toContain('"headers_too_large"');
  });

  it('17: an aborted upload is not logged as an unhandled error', async () => {
    const head = `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 5000\r\n\r\n{"model":`;
    await rawExchange(port, [head, 50], { timeoutMs: 100 });
    await new Promise((r) => setTimeout(r, 200));
    expect(gw.logs.filter((line) => line.msg === 'unhandled error')).toHaveLength(0);
    const logged = gw.logs.filter((line) => line.msg === 'request' && line.path === '/v1/chat/completions').at(-1);
    expect(logged).toMatchObject({ status: 499, clientAborted: true });
  });

  it('a body that is not JSON is a 400; a body over MAX_BODY_BYTES a 413', async () => {
    expect((await postJson(`${gw.url}/v1/chat/completions`, '{not json')).status).toBe(400);
    const big = await postJson(`${gw.url}/v1/chat/completions`, { model: 'gpt-4o-mini', pad: 'x'.repeat(20_000) });
    expect(big.status).toBe(413);
  });

  it('request smuggling (Content-Length with Transfer-Encoding) is refused', async () => {
    const smuggle =
      'POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-length: 4\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\nGET /admin HTTP/1.1\r\nhost: x\r\n\r\n';
    const seen = await rawExchange(port, [smuggle], { timeoutMs: 1500 });
    expect(seen.text).toMatch(/^HTTP\/1\.1 400/);
    expect(provider.received).toHaveLength(0);
  });
});

describe('paths and headers that must not reach the provider (issue 15 items 12, 13, 14)', () => {
  it('13: backslashes and their encodings in a path are refused', async () => {
    for (const path of [
      '/v1/..\\..\\admin',
      '/v1/files%5c..%5cadmin',
      '/v1/a/%2e%2e/%2e%2e/admin',
      '/v1/%252e%252e/x',
    ]) {
      const result = await rawRequest(gw.url, { path });
      expect(result.status, path).toBe(400);
    }
    expect(provider.received).toHaveLength(0);
  });

  it('14: Cookie and headers named in Connection are not forwarded in key mode', async () => {
    const seen = await rawExchange(
      port,
      [
        post('/v1/chat/completions', [
          'cookie: session=abc',
          'connection: keep-alive, x-private',
          'x-private: secret-hop',
          'keep-alive: timeout=5',
          'proxy-authorization: Basic cHJveHk6c2VjcmV0',
          'te: trailers',
        ]),
      ],
      { timeoutMs: 1000 },
    );
    expect(seen.text).toContain('HTTP/1.1 200');
    expect(provider.last.headers.cookie).toBeUndefined();
    expect(provider.last.headers['x-private']).toBeUndefined();
    for (const name of ['keep-alive', 'proxy-authorization', 'te'])
      expect(provider.last.headers[name], name).toBeUndefined();
  });

  it.each([
    ['authorization', 'Bearer sk-gw-KEY-12'],
    ['x-api-key', 'sk-gw-KEY-12'],
  ])('12: in pass-through mode the gateway key in %s never goes upstream', async (header, value) => {
    const other = await startGateway({
      GATEWAY_API_KEYS: 'sk-gw-KEY-12',
      OPENAI_AUTH_MODE: 'passthrough',
      OPENAI_BASE_URL: provider.url,
    });
    try {
      const result = await postJson(`${other.url}/v1/chat/completions`, body, { [header]: value });
      expect(result.status).toBe(200);
      expect(JSON.stringify(provider.last.headers)).not.toContain('sk-gw-KEY-12');
    } finally {
      await other.close();
    }
  });

  it('17: a valid gateway key in x-api-key next to another Authorization header is accepted', async () => {
    const other = await startGateway({
      GATEWAY_API_KEYS: 'sk-gw-KEY-17',
      OPENAI_API_KEY: 'sk-openai-SECRET-1',
      OPENAI_BASE_URL: provider.url,
    });
    try {
      const result = await postJson(`${other.url}/v1/chat/completions`, body, {
        'x-api-key': 'sk-gw-KEY-17',
        authorization: 'Bearer something-else',
      });
      expect(result.status).toBe(200);
    } finally {
      await other.close();
    }
  });
});

describe('fan-out and loops (issue 15 items 10, 11)', () => {
  it('10: more than 5 X-Gateway-Fallback targets is a 400', async () => {
    const targets = Array.from({ length: 6 }, () => 'openai/gpt-4o-mini').join(', ');
    const result = await postJson(`${gw.url}/v1/chat/completions`, body, { 'x-gateway-fallback': targets });
    expect(result.status).toBe(400);
    expect(result.json.error.code).toBe('invalid_fallback');
    expect(provider.received).toHaveLength(0);
  });

  it('11: a gateway whose base URL is itself answers 508 after a few hops', async () => {
    const { freePort } = await import('../helpers/ports.ts');
    const own = await freePort();
    const { loadConfig } = await import('../../src/config/config.ts');
    const { createLogger } = await import('../../src/observability/logger.ts');
    const { loadCatalog } = await import('../../src/catalog/load.ts');
    const { createGateway } = await import('../../src/server/server.ts');
    const config = loadConfig({
      OPENAI_API_KEY: 'sk-openai-SECRET-1',
      OPENAI_BASE_URL: `http://127.0.0.1:${own}/v1`,
      LOG_LEVEL: 'silent',
    });
    const logger = createLogger('silent');
    const looping = createGateway({
      config,
      logger,
      catalog: await loadCatalog({ file: undefined, url: undefined }, logger),
    });
    let seen = 0;
    looping.server.on('request', () => seen++);
    await looping.listen(own, '127.0.0.1');
    try {
      const result = await postJson(`http://127.0.0.1:${own}/v1/chat/completions`, body);
      expect(result.status).toBe(508);
      expect(result.json.error.code).toBe('loop_detected');
      expect(seen).toBeLessThanOrEqual(4);
    } finally {
      await looping.close();
    }
  });
});
