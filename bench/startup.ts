/**
 * Start-up time of bundles, launched in turn (so machine load affects each alike): wall time from
 * spawn to the first 200 from /health, and the CPU time of `--check` (user + system, less noisy
 * on a shared machine). With only OpenAI configured, i.e. no cloud credential library in use.
 *
 *   npx tsx bench/startup.ts [baseline.mjs] [dist/switchyard.mjs]   # ratios against the first file
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { freePort } from './lib.ts';

const RUNS = Number(process.env.RUNS ?? 15);
const files = (process.argv.length > 2 ? process.argv.slice(2) : ['dist/switchyard.mjs']).map((f) => resolve(f));
const cwd = mkdtempSync(`${tmpdir()}/switchyard-startup-`);
const env = { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', OPENAI_API_KEY: 'sk-bench', LOG_LEVEL: 'warn' };

async function timeToHealth(file: string): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [file], { cwd, env: { ...env, PORT: String(port) }, stdio: 'ignore' });
  try {
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${port}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return performance.now() - started;
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

/** bash's `time` reports the child's user and system CPU seconds. */
function checkCpuMs(file: string): number {
  const command = `TIMEFORMAT='%U %S'; { time '${process.execPath}' '${file}' --check >/dev/null; } 2>&1`;
  const out = spawnSync('bash', ['-c', command], { cwd, env, encoding: 'utf8' });
  const [user = 0, sys = 0] = out.stdout.trim().split(/\s+/).map(Number);
  return (user + sys) * 1000;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const wall = new Map(files.map((f) => [f, [] as number[]]));
const cpu = new Map(files.map((f) => [f, [] as number[]]));
for (let i = 0; i < RUNS; i++)
  for (const file of files) {
    wall.get(file)!.push(await timeToHealth(file));
    cpu.get(file)!.push(checkCpuMs(file));
  }
const base = files[0]!;
for (const file of files) {
  const w = median(wall.get(file)!);
  const c = median(cpu.get(file)!);
  const ratio = (v: number, b: number) => (file === base ? '' : ` (×${(v / b).toFixed(2)})`);
  console.log(
    `${file}: /health after ${w.toFixed(0)} ms${ratio(w, median(wall.get(base)!))}, --check CPU ${c.toFixed(0)} ms${ratio(c, median(cpu.get(base)!))} (median of ${RUNS})`,
  );
}
