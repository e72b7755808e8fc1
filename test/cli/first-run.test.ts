import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeVersionProblem } from '../../src/cli/node-version.ts';
import { sleep } from '../helpers/mock-upstream.ts';
import { freePort, waitForOk } from '../helpers/ports.ts';

const BUNDLE = resolve('dist/switchyard.mjs');
const emptyDir = () => mkdtempSync(join(tmpdir(), 'switchyard-first-run-'));
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGTERM');
});

/** Starts the bundle through its shebang, as `npx` and an installed bin do, and waits for /health. */
async function start(args: string[], env: Record<string, string> = {}) {
  const port = await freePort();
  const child = spawn(BUNDLE, ['--port', String(port), ...args], {
    cwd: emptyDir(),
    env: { PATH: process.env.PATH, ...env },
  });
  children.push(child);
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForOk(`${url}/health`);
  return { url, output: () => stdout };
}

describe('first run', () => {
  it('--demo answers a chat completion with no key, marked as the demo, on loopback only', async () => {
    const { url, output } = await start(['--demo'], { LOG_FORMAT: 'json' });
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'demo', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-gateway-demo')).toBe('true');
    expect(((await res.json()) as { object: string }).object).toBe('chat.completion');
    const started = JSON.parse(output().split('\n')[0] as string);
    expect(started).toMatchObject({
      msg: 'switchyard listening (demo mode)',
      url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      listen: expect.stringMatching(/^127\.0\.0\.1:/),
      providers: ['demo'],
      demo: true,
      keysRequired: false,
      routing: 'priority',
    });
  });

  it('binds every interface by default once a gateway key is set', async () => {
    const { output } = await start([], {
      DEMO: 'true',
      GATEWAY_API_KEYS: 'ops:sk-gw-first-run-key',
      LOG_FORMAT: 'json',
    });
    await sleep(50);
    expect(JSON.parse(output().split('\n')[0] as string)).toMatchObject({
      listen: expect.stringMatching(/^0\.0\.0\.0:/),
      keysRequired: true,
    });
  });

  it('LOG_FORMAT=pretty prints the banner and readable request lines, the stream end with its duration', async () => {
    const { url, output } = await start(['--demo'], { LOG_FORMAT: 'pretty', RATE_LIMIT_RPM: '60' });
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'demo', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    await res.text();
    for (let i = 0; i < 100 && !output().includes('stream ended'); i++) await sleep(10);
    const text = output();
    expect(text).toMatch(/^Switchyard \S+ — DEMO MODE/);
    expect(text).toMatch(/URL +http:\/\/127\.0\.0\.1:\d+\/v1/);
    expect(text).toMatch(/providers +demo/);
    expect(text).toMatch(/limits +60 requests\/min per key/);
    expect(text).toMatch(/redis +off/);
    expect(text).toMatch(/keys +not required/);
    expect(text).toMatch(
      /\d\d:\d\d:\d\d\.\d{3} INFO {2}POST \/v1\/chat\/completions 200 {2}demo\/demo {2}stream ended after \d+ms/,
    );
    expect(text).not.toContain('{"level"');
  });

  it('a missing --env-file is one line and exit 1, also through the bin (Node does not take the flag)', () => {
    const result = spawnSync(BUNDLE, ['--env-file', 'missing.env'], { cwd: emptyDir(), encoding: 'utf8' });
    expect([result.status, result.stderr]).toEqual([1, "switchyard: --env-file: cannot read 'missing.env' (ENOENT)\n"]);
  });

  it('npm start passes --env-file on to the gateway, not to Node', () => {
    const result = spawnSync('npm', ['start', '--silent', '--', '--env-file', 'missing.env'], { encoding: 'utf8' });
    expect([result.status, result.stderr]).toEqual([1, "switchyard: --env-file: cannot read 'missing.env' (ENOENT)\n"]);
  });

  it('warns about a misspelt variable with the closest known name', () => {
    const result = spawnSync(BUNDLE, ['--check', '--demo'], {
      cwd: emptyDir(),
      encoding: 'utf8',
      env: { PATH: process.env.PATH, ANTROPIC_API_KEY: 'x', OPENAI_APIKEY: 'y' },
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(
      'warning: ANTROPIC_API_KEY is not a Switchyard variable and is ignored; did you mean ANTHROPIC_API_KEY?',
    );
    expect(result.stdout).toContain(
      'warning: OPENAI_APIKEY is not a Switchyard variable and is ignored; did you mean OPENAI_API_KEY?',
    );
  });
});

describe('Node version check', () => {
  // CI provides a Node older than the minimum (Node 20, where undici used to fail at load time).
  const oldNode = process.env.SWITCHYARD_OLD_NODE;
  it.runIf(oldNode)('an older Node gets one line and exit 1, from the gateway and from build:binary', () => {
    for (const args of [['--', BUNDLE, '--demo'], ['scripts/build-binary.mjs']]) {
      const result = spawnSync(oldNode as string, args, { encoding: 'utf8' });
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(
        /^(switchyard|build:binary) needs Node\.js 22\.19\.0 or newer; this is Node\.js 20\.\d+\.\d+\n$/,
      );
    }
  });

  it('names the version needed and the one running', () => {
    expect(nodeVersionProblem('20.19.1', '>=22.19.0')).toBe(
      'switchyard needs Node.js 22.19.0 or newer; this is Node.js 20.19.1',
    );
    expect(nodeVersionProblem('22.18.9', '>=22.19.0')).toContain('needs Node.js 22.19.0');
    expect(nodeVersionProblem('22.19.0', '>=22.19.0')).toBeUndefined();
    expect(nodeVersionProblem('23.0.0', '>=22.19.0')).toBeUndefined();
    expect(nodeVersionProblem('24.1.0')).toBeUndefined();
  });
});
