import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from '../helpers/gateway.ts';
import { type GatewayProcess, startGatewayProcess } from '../helpers/gateway-process.ts';
import {
  chatCompletion,
  chatCompletionChunks,
  json,
  MockUpstream,
  sleep,
  streamEvents,
} from '../helpers/mock-upstream.ts';
import { freePort, HAS_REDIS, RedisServer } from '../helpers/redis-server.ts';

const chat = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] });

/**
 * One chat completion on a connection of its own: the primary hands each new connection to the
 * next worker, while a kept-alive one stays with its worker.
 */
function post(url: string, body = chat) {
  return rawRequest(url, {
    method: 'POST',
    path: '/v1/chat/completions',
    headers: { 'content-type': 'application/json', connection: 'close' },
    body,
  });
}

const workerOf = (response: { headers: Record<string, unknown> }) => String(response.headers['x-gateway-worker']);

/** Limits count in one-minute windows: start a counting test early enough in one to finish in it. */
async function awayFromMinuteEnd(): Promise<void> {
  const second = new Date().getUTCSeconds();
  if (second >= 50) await sleep((61 - second) * 1000);
}

async function waitFor<T>(find: () => T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** The sum of a metric's samples whose label text contains `filter`, from a Prometheus text body. */
function sumOf(metrics: string, name: string, filter = ''): number {
  return metrics
    .split('\n')
    .filter((line) => (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) && line.includes(filter))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

/** Whether a process is still there (signal 0 only checks). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** pid of each worker as the primary logged it when it listened (LOG_LEVEL=debug), newest last. */
function workerPids(gw: GatewayProcess, id: number): number[] {
  return gw.logs.filter((l) => l.msg === `worker ${id} listening`).map((l) => Number(l.pid));
}

describe('WORKERS=N: several processes serve one port', () => {
  let upstream: MockUpstream;
  let gw: GatewayProcess | undefined;
  beforeAll(async () => {
    upstream = await new MockUpstream().start();
  });
  afterEach(async () => {
    await gw?.stop();
    gw = undefined;
  });
  afterAll(() => upstream.close());

  const start = (env: Record<string, string> = {}) =>
    startGatewayProcess({
      OPENAI_API_KEY: 'k',
      OPENAI_BASE_URL: `${upstream.url}/v1`,
      WORKERS: '2',
      DATA_DIR: mkdtempSync(join(tmpdir(), 'switchyard-workers-')),
      ...env,
    });

  it('spreads requests over the workers; /metrics on any worker sums them all; the request log holds all', async () => {
    upstream.handle((_req, res) => json(res, 200, chatCompletion('ok', 'gpt-4o')));
    gw = await start();
    const listening = gw.logs.filter((l) => l.msg === 'switchyard listening');
    expect(listening).toHaveLength(1); // one start-up line, not one per worker
    expect(listening[0]).toMatchObject({ workers: 2, worker: 1 });

    const responses = await Promise.all(Array.from({ length: 12 }, () => post(gw!.url)));
    expect(responses.map((r) => r.status)).toEqual(Array(12).fill(200));
    expect(new Set(responses.map(workerOf))).toEqual(new Set(['1', '2']));

    // Whichever worker answers the scrape, it reports the requests of both.
    for (let i = 0; i < 2; i++) {
      const scrape = await rawRequest(gw.url, { path: '/metrics', headers: { connection: 'close' } });
      expect(scrape.status).toBe(200);
      expect(sumOf(scrape.text, 'switchyard_requests_total', 'route="/v1/chat/completions"')).toBe(12);
      expect(sumOf(scrape.text, 'switchyard_request_duration_seconds_count', 'route="/v1/chat/completions"')).toBe(12);
      expect(sumOf(scrape.text, 'switchyard_request_duration_seconds_bucket', 'le="+Inf"')).toBeGreaterThanOrEqual(12);
      expect(scrape.text).toContain('switchyard_workers 2');
    }

    // Cool-down and key-pool state is each worker's own: the status says whose it shows.
    const status = JSON.parse((await rawRequest(gw.url, { path: '/v1/gateway/status' })).text);
    expect([1, 2]).toContain(status.worker);
    const config = JSON.parse((await rawRequest(gw.url, { path: '/v1/gateway/config' })).text);
    expect(config).toMatchObject({ workers: 2, sharedCounters: 'memory' });

    // The request log store (SQLite in DATA_DIR) is one file all workers write.
    const deadline = Date.now() + 8_000;
    let count = 0;
    while (Date.now() < deadline) {
      const page = await rawRequest(gw.url, { path: '/v1/gateway/requests?limit=100' });
      count = JSON.parse(page.text).data.length;
      if (count >= 12) break;
      await sleep(100);
    }
    expect(count).toBe(12);

    // Each line says which worker wrote it; request lines included.
    const requestLines = gw.logs.filter((l) => l.msg === 'request' && l.path === '/v1/chat/completions');
    expect(new Set(requestLines.map((l) => l.worker))).toEqual(new Set([1, 2]));
  }, 30_000);

  it('restarts a worker killed with SIGKILL while the port keeps answering', async () => {
    upstream.handle((_req, res) => json(res, 200, chatCompletion('ok', 'gpt-4o')));
    gw = await start({ LOG_LEVEL: 'debug' });
    const [victim] = workerPids(gw, 2);
    expect(victim).toBeGreaterThan(0);
    process.kill(victim as number, 'SIGKILL');
    await waitFor(
      () => gw!.logs.find((l) => l.msg === 'worker 2 exited (signal SIGKILL); restarting it'),
      'the primary to see the exit',
    );
    // Requests while it restarts are answered by the other worker. (A connection the primary
    // handed to the worker in the instant it died is lost with it: node:cluster's round robin.)
    const during = await Promise.all(Array.from({ length: 6 }, () => post(gw!.url)));
    expect(during.map((r) => r.status)).toEqual(Array(6).fill(200));
    const restarted = await waitFor(() => workerPids(gw!, 2)[1], 'worker 2 to listen again');
    expect(restarted).not.toBe(victim);
    expect(alive(victim as number)).toBe(false);
    expect(gw.logs.find((l) => l.msg === 'worker 2 exited (signal SIGKILL); restarting it')).toMatchObject({
      level: 'warn',
      worker: 2,
      pid: victim,
    });
    const after = await Promise.all(Array.from({ length: 8 }, () => post(gw!.url)));
    expect(after.map((r) => r.status)).toEqual(Array(8).fill(200));
    expect(new Set(after.map(workerOf))).toEqual(new Set(['1', '2']));
  }, 30_000);

  it('gives up, exit 1, when a worker keeps dying within seconds of its start', async () => {
    gw = await start({ LOG_LEVEL: 'debug' });
    const exited = new Promise<number | null>((resolve) => gw!.child.once('exit', (code) => resolve(code)));
    // Five quick deaths in a row (restarted after 0, 100, 200, 400 ms backoffs) and the primary stops.
    for (let kill = 0; kill < 5; kill++) {
      const pid = await waitFor(() => workerPids(gw!, 1)[kill], `incarnation ${kill + 1} of worker 1`);
      process.kill(pid, 'SIGKILL');
    }
    expect(await exited).toBe(1);
    const gaveUp = gw.logs.find((l) => String(l.msg).includes('giving up'));
    expect(gaveUp?.msg).toBe(
      'worker 1 exited within 5 s of starting 5 times in a row (last: signal SIGKILL); giving up',
    );
    const restarts = gw.logs.filter((l) => l.msg === 'worker 1 exited (signal SIGKILL); restarting it');
    expect(restarts.map((l) => l.restartInMs)).toEqual([100, 200, 400, 800]);
  }, 40_000);

  it('SIGTERM to the primary drains every worker (a stream in flight completes) and exits 0', async () => {
    const parts = ['1', '2', '3', '4', '5', '6'];
    upstream.handle((_req, res) => streamEvents(res, chatCompletionChunks(parts), 80));
    gw = await start({ LOG_LEVEL: 'debug' });
    const pids = [...workerPids(gw, 1), ...workerPids(gw, 2)];
    expect(pids).toHaveLength(2);
    const before = upstream.received.length;
    const streamed = post(gw.url, JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [] }));
    await waitFor(() => (upstream.received.length > before ? true : undefined), 'the stream to start');
    const exited = new Promise<number | null>((resolve) => gw!.child.once('exit', (code) => resolve(code)));
    gw.child.kill('SIGTERM');
    const response = await streamed;
    expect(response.status).toBe(200);
    expect(response.text).toBe(chatCompletionChunks(parts).join(''));
    expect(await exited).toBe(0);
    expect(pids.filter(alive)).toEqual([]);
    expect(gw.logs.filter((l) => l.msg === 'shutting down' && l.level === 'info')).toHaveLength(1);
    expect(gw.logs.at(-1)).toMatchObject({ msg: 'stopped', level: 'info' });
  }, 30_000);

  it('SIGHUP to the primary reaches every worker: each re-reads GATEWAY_API_KEYS_FILE', async () => {
    upstream.handle((_req, res) => json(res, 200, chatCompletion('ok', 'gpt-4o')));
    const file = join(mkdtempSync(join(tmpdir(), 'switchyard-workers-')), 'keys');
    writeFileSync(file, 'ci:sk-workers-key-one\n');
    gw = await start({ GATEWAY_API_KEYS_FILE: file });
    gw.child.kill('SIGHUP');
    const reloads = await waitFor(() => {
      const lines = gw!.logs.filter((l) => l.msg === 'gateway keys reloaded' && l.trigger === 'SIGHUP');
      return lines.length === 2 ? lines : undefined;
    }, 'both workers to reload');
    expect(reloads.map((l) => l.worker).sort()).toEqual([1, 2]);
    expect(gw.child.exitCode).toBe(null); // SIGHUP's default would have ended the primary
    const answered = await rawRequest(gw.url, {
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-workers-key-one' },
      body: chat,
    });
    expect(answered.status).toBe(200);
  }, 30_000);

  it('one worker tells the webhooks of an expiring key, not each of them', async () => {
    const receiver = await new MockUpstream().start();
    receiver.handle((_req, res) => json(res, 200, {}));
    try {
      const dir = mkdtempSync(join(tmpdir(), 'switchyard-workers-'));
      writeFileSync(
        join(dir, 'webhooks.json'),
        JSON.stringify({ webhooks: [{ url: receiver.url, secret: 'whsec-workers-0123456789abcdef' }] }),
      );
      const soon = new Date(Date.now() + 2 * 86_400_000).toISOString();
      writeFileSync(
        join(dir, 'keys.json'),
        JSON.stringify([{ name: 'temp', key: 'sk-gw-temp-workers-1', expires_at: soon }]),
      );
      gw = await start({ WEBHOOKS_FILE: join(dir, 'webhooks.json'), GATEWAY_API_KEYS_FILE: join(dir, 'keys.json') });
      await waitFor(() => (receiver.received.length > 0 ? true : undefined), 'the key.expiring notice');
      await sleep(500); // a second worker's notice would have arrived by now
      expect(receiver.received.map((r) => r.json.type)).toEqual(['key.expiring']);
    } finally {
      await receiver.close();
    }
  }, 30_000);

  it('without Redis: each worker enforces its part of RATE_LIMIT_RPM, and start-up warns so', async () => {
    upstream.handle((_req, res) => json(res, 200, chatCompletion('ok', 'gpt-4o')));
    gw = await start({ RATE_LIMIT_RPM: '4' });
    expect(gw.logs.find((l) => String(l.msg).startsWith('WORKERS=2 without REDIS_URL'))).toMatchObject({
      level: 'warn',
      msg: 'WORKERS=2 without REDIS_URL: each worker counts on its own and enforces 1/2 of every rate limit and budget; set REDIS_URL for exact limits across workers',
    });
    await awayFromMinuteEnd();
    const responses = [];
    for (let i = 0; i < 10; i++) responses.push(await post(gw.url));
    const byWorker = new Map<string, number[]>();
    for (const r of responses) byWorker.set(workerOf(r), [...(byWorker.get(workerOf(r)) ?? []), r.status]);
    expect([...byWorker.keys()].sort()).toEqual(['1', '2']);
    for (const statuses of byWorker.values()) {
      // Each worker admits its 2 of the 4, then refuses.
      expect(statuses.slice(0, 2)).toEqual([200, 200]);
      expect(statuses.slice(2)).toEqual(Array(statuses.length - 2).fill(429));
    }
    const admitted = responses.find((r) => r.status === 200);
    expect(admitted?.headers['x-ratelimit-limit-requests']).toBe('2');
    const refused = responses.find((r) => r.status === 429);
    expect(JSON.parse(refused?.text ?? '{}').error.message).toMatch(
      /^Rate limit reached: 2 requests per minute \(RATE_LIMIT_RPM: this worker's part of 4 shared by 2 workers\)\. Retry in \d+ s\.$/,
    );
  }, 30_000);

  it.skipIf(!HAS_REDIS)(
    'with REDIS_URL: the workers share one count, exact across them',
    async () => {
      upstream.handle((_req, res) => json(res, 200, chatCompletion('ok', 'gpt-4o')));
      const redis = new RedisServer(await freePort(), 'workers-test-SECRET');
      await redis.start();
      try {
        gw = await start({ RATE_LIMIT_RPM: '10', REDIS_URL: `redis://:workers-test-SECRET@127.0.0.1:${redis.port}` });
        expect(gw.output()).not.toContain('without REDIS_URL');
        await awayFromMinuteEnd();
        // Until both workers have answered once (each has connected to Redis by then).
        const warmUp = [];
        while (new Set(warmUp.map(workerOf)).size < 2 && warmUp.length < 10) warmUp.push(await post(gw.url));
        expect(warmUp.map((r) => r.status)).toEqual(Array(warmUp.length).fill(200));
        const left = 10 - warmUp.length;
        const responses = [];
        for (let i = 0; i < 12; i++) responses.push(await post(gw.url));
        expect(new Set(responses.map(workerOf))).toEqual(new Set(['1', '2']));
        expect(responses.map((r) => r.status)).toEqual([...Array(left).fill(200), ...Array(12 - left).fill(429)]);
        expect(responses[0]?.headers['x-ratelimit-limit-requests']).toBe('10');
        expect(gw.output()).not.toContain('Redis unreachable');
      } finally {
        await gw?.stop();
        gw = undefined;
        await redis.stop();
      }
    },
    30_000,
  );

  it('fails start-up when a worker cannot start, naming why', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'switchyard-workers-')), 'a-file');
    writeFileSync(file, '');
    const result = await run({ WORKERS: '2', DATA_DIR: join(file, 'data') });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('DATA_DIR: cannot open the request log store');
    expect(result.stdout).toMatch(/"msg":"worker \d exited during start-up \(code 1\); stopping"/);
    expect(result.stdout).not.toContain('switchyard listening');
  }, 20_000);

  it.each(['0', '-1', 'lots', '1.5'])('refuses WORKERS=%s at start-up, naming it', async (value) => {
    const result = await run({ WORKERS: value });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`WORKERS: must be 'auto' or a whole number between 1 and 1024 (got '${value}')`);
  });
});

/** Runs the bundle to its exit. */
function run(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['dist/switchyard.mjs'], {
      env: { PATH: process.env.PATH, PORT: '0', HOST: '127.0.0.1', DEMO: 'true', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
