import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chatCompletion, json, MockUpstream, sleep } from './helpers/mock-upstream.ts';

describe('packaging', () => {
  it("the file the Dockerfile's CMD runs exists after the build", () => {
    const dockerfile = readFileSync('Dockerfile', 'utf8');
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)![1]!) as string[];
    expect(cmd[0]).toBe('node');
    expect(existsSync(resolve(cmd[1]!))).toBe(true);
    // The runtime stage copies exactly that file from the build stage.
    expect(dockerfile).toContain(`/app/${cmd[1]} ./${cmd[1]}`);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n?.*\/health/m);
  });

  it('the bundle runs alone, with no node_modules, and proxies a request', async () => {
    const upstream = await new MockUpstream().start();
    upstream.handle((_req, res) => json(res, 200, chatCompletion('from the bundle')));
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-bundle-'));
    mkdirSync(join(dir, 'dist'));
    copyFileSync('dist/switchyard.mjs', join(dir, 'dist/switchyard.mjs'));
    const child = spawn(process.execPath, ['dist/switchyard.mjs'], {
      cwd: dir,
      env: { PATH: process.env.PATH, PORT: '0', HOST: '127.0.0.1', OPENAI_API_KEY: 'k', OPENAI_BASE_URL: `${upstream.url}/v1` },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      for (let i = 0; i < 300 && !out.includes('switchyard listening'); i++) await sleep(10);
      const address = JSON.parse(out.split('\n').find((l) => l.includes('switchyard listening'))!).address as string;
      const base = `http://127.0.0.1:${address.split(':').at(-1)}`;
      expect((await fetch(`${base}/health`)).status).toBe(200);
      const response = await fetch(`${base}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o', messages: [] }),
      });
      expect((await response.json()).choices[0].message.content).toBe('from the bundle');
    } finally {
      child.kill('SIGTERM');
      await upstream.close();
    }
  });
});
