import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';

const BUNDLE = resolve('dist/switchyard.mjs');
const work = mkdtempSync(join(tmpdir(), 'switchyard-startup-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Node 22 (the oldest supported) warns when node:sqlite loads; Node 24 does not. Not the bundle's message. */
const SQLITE_WARNING =
  /\(node:\d+\) ExperimentalWarning: SQLite is an experimental feature[^\n]*\n\(Use `node --trace-warnings \.\.\.`[^\n]*\n/g;
/** Node's trace when V8 takes the cached code of the gateway (Node 24: "V8 code cache for ESM file:…"; Node 22: "cache for file:…"). */
const CACHE_ACCEPTED = /cache for (ESM )?file:\S+dist\/gateway\.mjs was accepted/;

/**
 * Starts the built bundle, waits for its start-up line, answers /health, then stops it with
 * SIGTERM. Returns what it wrote to stderr (Node's own messages land there).
 */
async function startAndStop(env: Record<string, string>, nodeArgs: string[] = []): Promise<string> {
  const child = spawn(process.execPath, [...nodeArgs, BUNDLE], {
    cwd: work,
    env: { PATH: process.env.PATH, PORT: '0', HOST: '127.0.0.1', OPENAI_API_KEY: 'sk-test', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise((done) => child.once('exit', done));
  try {
    const deadline = Date.now() + 15_000;
    while (!stdout.includes('switchyard listening')) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`did not start: ${stdout}${stderr}`);
      await sleep(20);
    }
    const { listen } = JSON.parse(stdout.split('\n').find((line) => line.includes('switchyard listening'))!);
    expect((await fetch(`http://${listen}/health`)).status).toBe(200);
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
  return stderr.replace(SQLITE_WARNING, '');
}

/** The cache files Node wrote under `dir` (one subdirectory per Node version, V8 flags and user). */
const cacheFiles = (dir: string) =>
  readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());

describe('start-up of the bundle', () => {
  it('fills a compile cache under the temporary directory, and the next start compiles from it', async () => {
    const temp = mkdtempSync(join(work, 'tmp-'));
    await startAndStop({ TMPDIR: temp });
    expect(cacheFiles(join(temp, 'node-compile-cache')).length).toBeGreaterThan(0);
    // Node's own compile cache trace says whether V8 accepted the cached code for the gateway.
    const trace = await startAndStop({ TMPDIR: temp, NODE_DEBUG_NATIVE: 'COMPILE_CACHE' });
    expect(trace).toMatch(CACHE_ACCEPTED);
  });

  it('NODE_COMPILE_CACHE chooses the directory; NODE_DISABLE_COMPILE_CACHE=1 writes none', async () => {
    const temp = mkdtempSync(join(work, 'tmp-'));
    const chosen = mkdtempSync(join(work, 'chosen-'));
    await startAndStop({ TMPDIR: temp, NODE_COMPILE_CACHE: chosen });
    expect(cacheFiles(chosen).length).toBeGreaterThan(0);
    expect(readdirSync(temp)).toEqual([]);
    await startAndStop({ TMPDIR: temp, NODE_DISABLE_COMPILE_CACHE: '1' });
    expect(readdirSync(temp)).toEqual([]);
  });

  it('starts all the same, and says nothing of it, where no cache directory can be made', async () => {
    // A temporary "directory" that is a file: creating the cache under it fails (even for root).
    const file = join(work, 'not-a-directory');
    writeFileSync(file, '');
    expect(await startAndStop({ TMPDIR: file })).toBe('');
  });

  it("loads Node's http but not Node's internal undici (the gateway has its own)", async () => {
    const preload = join(work, 'report-builtins.cjs');
    writeFileSync(
      preload,
      "process.on('exit', () => process.stderr.write(JSON.stringify(process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')))));",
    );
    const loaded = JSON.parse(await startAndStop({}, ['--require', preload])) as string[];
    expect(loaded).toContain('NativeModule http');
    expect(loaded.filter((m) => m.includes('undici'))).toEqual([]);
  });
});
