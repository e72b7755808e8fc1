import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** The built gateway (dist/switchyard.mjs) as its own process on 127.0.0.1, its output collected. */
export interface GatewayProcess {
  url: string;
  child: ChildProcess;
  /** stdout and stderr, as written so far. */
  output(): string;
}

/** Starts the bundle with exactly `env` (and PATH) and waits until /health answers. */
export async function startGatewayProcess(port: number, env: Record<string, string>): Promise<GatewayProcess> {
  const chunks: string[] = [];
  const child = spawn(process.execPath, [resolve('dist/switchyard.mjs')], {
    env: { PATH: process.env.PATH, PORT: String(port), HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const started = { url, child, output: () => chunks.join('') };
  for (let i = 0; i < 300; i++) {
    const up = await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) return started;
    await sleep(10);
  }
  child.kill('SIGKILL');
  throw new Error(`gateway did not start: ${started.output()}`);
}
