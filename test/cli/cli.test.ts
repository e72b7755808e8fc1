import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sleep } from '../helpers/mock-upstream.ts';
import { freePort } from '../helpers/ports.ts';

const BUNDLE = resolve('dist/switchyard.mjs');
const version = JSON.parse(readFileSync('package.json', 'utf8')).version as string;

function run(args: string[], env: Record<string, string> = {}) {
  const cwd = mkdtempSync(join(tmpdir(), 'switchyard-cli-'));
  // `--` as in the bin's shebang: Node would otherwise take `--env-file` for itself.
  return spawnSync(process.execPath, ['--', BUNDLE, ...args], {
    cwd,
    env: { PATH: process.env.PATH, ...env },
    encoding: 'utf8',
    timeout: 10_000,
  });
}

describe('command line', () => {
  it('--version prints the package version', () => {
    const result = run(['--version']);
    expect([result.status, result.stdout]).toEqual([0, `${version}\n`]);
  });

  it('--help lists every flag and the variables that matter most', () => {
    const result = run(['--help']);
    expect(result.status).toBe(0);
    for (const flag of [
      '--port',
      '--host',
      '--env-file',
      '--check',
      '--version',
      '--help',
      'GATEWAY_API_KEYS',
      'OPENAI_API_KEY',
    ]) {
      expect(result.stdout).toContain(flag);
    }
  });

  it('an unknown flag exits 1 saying so', () => {
    const result = run(['--bogus']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("Unknown option '--bogus'");
  });

  it('--check exits 0 with a valid configuration without opening its port, printing providers and warnings', async () => {
    // Hold the port: a gateway that tried to listen would fail.
    const server = createServer();
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const { port } = server.address() as { port: number };
    try {
      const result = run(['--check'], {
        PORT: String(port),
        HOST: '127.0.0.1',
        OPENAI_API_KEY: 'k',
        GROQ_API_KEY: 'k',
      });
      expect(result.status).toBe(0);
      expect(result.stdout).toContain('configuration is valid');
      expect(result.stdout).toContain('active providers: openai, groq');
      expect(result.stdout).toContain('warning: GATEWAY_API_KEYS is not set');
    } finally {
      server.close();
    }
  });

  it("--check warns when a provider's base URL is the gateway's own address (issue 15 item 11)", () => {
    const result = run(['--check'], {
      PORT: '8080',
      ANTHROPIC_API_KEY: 'sk-ant-x',
      ANTHROPIC_BASE_URL: 'http://localhost:8080',
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/warning: provider 'anthropic' has its base URL http:\/\/localhost:8080 .*loop/);
  });

  it('--check exits 1 naming the invalid variable', () => {
    const result = run(['--check'], { RATE_LIMIT_RPM: 'lots' });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^ {2}RATE_LIMIT_RPM: /m);
  });

  it('--env-file adds variables; the real environment wins', () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-envfile-'));
    const file = join(dir, 'prod.env');
    writeFileSync(file, 'MISTRAL_API_KEY=from-file\nDEFAULT_PROVIDER=mistral\nPORT=1234\n');
    const result = run(['--check', '--env-file', file], { PORT: '4321' });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('active providers: mistral');
    expect(result.stdout).toContain('listen: 127.0.0.1:4321');
  });

  it('--port wins over PORT, --host over HOST', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [BUNDLE, '--port', String(port), '--host', '127.0.0.1'], {
      cwd: mkdtempSync(join(tmpdir(), 'switchyard-cli-')),
      env: { PATH: process.env.PATH, PORT: '1', HOST: '0.0.0.0' },
      stdio: 'ignore',
    });
    try {
      let ok = false;
      for (let i = 0; i < 300 && !ok; i++) {
        ok = await fetch(`http://127.0.0.1:${port}/health`).then(
          (r) => r.ok,
          () => false,
        );
        if (!ok) await sleep(10);
      }
      expect(ok).toBe(true);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
