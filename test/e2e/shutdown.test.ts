import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import { chatCompletionChunks, MockUpstream, sleep, streamEvents } from '../helpers/mock-upstream.ts';

const body = JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [] });

describe('graceful shutdown', () => {
  let upstream: MockUpstream;
  let gw: TestGateway;
  afterEach(async () => upstream?.close());

  async function setUp(env: Record<string, string> = {}) {
    upstream = await new MockUpstream().start();
    upstream.handle((_req, res) => streamEvents(res, chatCompletionChunks(['1', '2', '3', '4', '5', '6']), 80));
    gw = await startGateway({ OPENAI_API_KEY: 'k', OPENAI_BASE_URL: `${upstream.url}/v1`, ...env });
  }

  it('lets a stream in flight finish, and refuses new connections', async () => {
    await setUp();
    const response = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
    });
    const textPromise = response.text();
    await sleep(100);
    const closing = gw.close();
    await sleep(20);
    await expect(fetch(`${gw.url}/health`)).rejects.toThrow();
    expect(await textPromise).toBe(chatCompletionChunks(['1', '2', '3', '4', '5', '6']).join(''));
    await closing;
  });

  it('ends a stream left after SHUTDOWN_TIMEOUT_MS with an error event and a clean end', async () => {
    await setUp({ SHUTDOWN_TIMEOUT_MS: '150' });
    const response = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
    });
    const textPromise = response.text().catch((error: Error) => error);
    await sleep(50);
    const started = performance.now();
    await gw.close();
    expect(performance.now() - started).toBeLessThan(500);
    const text = await textPromise;
    expect(typeof text).toBe('string'); // the chunked body ended cleanly: no network error
    expect(text).toContain('gateway_shutting_down');
    expect(text).not.toContain('[DONE]');
  });

  it("ends an Anthropic client's cut stream with an Anthropic error event (issue 15 item 3)", async () => {
    await setUp({ SHUTDOWN_TIMEOUT_MS: '150' });
    const response = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      body: JSON.stringify({
        model: 'gpt-4o-mini',
        max_tokens: 50,
        stream: true,
        messages: [{ role: 'user', content: 'Hi' }],
      }),
      headers: { 'content-type': 'application/json' },
    });
    const textPromise = response.text().catch((error: Error) => error);
    for (let i = 0; i < 500 && upstream.received.length === 0; i++) await sleep(10);
    await gw.close();
    const text = await textPromise;
    expect(typeof text).toBe('string');
    const last = (text as string).split('\n\n').filter(Boolean).at(-1) as string;
    expect(last).toMatch(/^event: error\ndata: /);
    expect(JSON.parse(last.slice(last.indexOf('data: ') + 6))).toMatchObject({
      type: 'error',
      error: { message: expect.any(String) },
    });
    expect(last).toContain('shutting down'); // Anthropic's error shape has no code field
    expect(text).not.toContain('message_stop');
  });

  it('answers a request still waiting for its provider with a 503 at SHUTDOWN_TIMEOUT_MS', async () => {
    await setUp({ SHUTDOWN_TIMEOUT_MS: '150' });
    upstream.handle(() => new Promise<void>(() => {}));
    const pending = fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
    });
    // Shut down only once the request waits on the provider (a fixed delay loses the race on a busy machine).
    for (let i = 0; i < 500 && upstream.received.length === 0; i++) await sleep(10);
    const closing = gw.close();
    const response = await pending;
    expect(response.status).toBe(503);
    expect((await response.json()).error.code).toBe('gateway_shutting_down');
    await closing;
  });

  it('the process exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, [resolve('dist/switchyard.mjs')], {
      cwd: mkdtempSync(join(tmpdir(), 'switchyard-sig-')),
      env: { PATH: process.env.PATH, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    for (let i = 0; i < 200 && !out.includes('switchyard listening'); i++) await sleep(10);
    expect(out).toContain('switchyard listening');
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('exits on SIGTERM even when the reader of its stdout is gone (switchyard | head)', async () => {
    const child = spawn(process.execPath, [resolve('dist/switchyard.mjs')], {
      cwd: mkdtempSync(join(tmpdir(), 'switchyard-sig-')),
      env: { PATH: process.env.PATH, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'debug', SHUTDOWN_TIMEOUT_MS: '200' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    for (let i = 0; i < 200 && !out.includes('switchyard listening'); i++) await sleep(10);
    expect(out).toContain('switchyard listening');
    child.stdout.destroy(); // like `head` exiting: every later write to stdout gets EPIPE
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    child.kill('SIGTERM');
    const code = await Promise.race([exited, sleep(5000).then(() => 'hung' as const)]);
    if (code === 'hung') child.kill('SIGKILL');
    expect(code).toBe(0);
  });
});
