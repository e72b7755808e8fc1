import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

/** The built bundle (`npm test` builds it first) running as its own process on a loopback port. */
export interface GatewayProcess {
  url: string;
  /** Its stdout, parsed: one JSON object per log line. */
  logs: Record<string, unknown>[];
  /** Its stdout as written so far, for text searches (secrets, warnings). */
  output(): string;
  /** For signals (SIGHUP) a test sends it. */
  child: ChildProcess;
  stop(): Promise<void>;
}

export async function startGatewayProcess(env: Record<string, string>): Promise<GatewayProcess> {
  const child: ChildProcess = spawn(process.execPath, ['dist/switchyard.mjs'], {
    env: { PATH: process.env.PATH, PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const logs: Record<string, unknown>[] = [];
  let pending = '';
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    text += chunk.toString();
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) if (line) logs.push(JSON.parse(line));
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    const listening = logs.find((line) => line.msg === 'switchyard listening');
    if (listening) return { url: `http://${listening.listen as string}`, logs, output: () => text, child, stop };
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`the gateway process did not start: ${JSON.stringify(logs)}`);
    }
    await sleep(20);
  }
}
