/**
 * Start-up and idle memory of bundles against two yardsticks, launched in turn (so machine load
 * affects each alike): bare node:http (`node -e "createServer(...).listen()"`) and the minimal
 * proxy of `npm run bench` (bench/minimal-proxy.mjs). For each: wall time from spawn to the first
 * 200 from /health, the process's CPU time (user + system) at that moment (less noisy than wall
 * time on a shared machine), and its RSS 500 ms later, as `npm run bench` measures idle RSS. Bundles
 * run with only OpenAI configured (no cloud credential library in use) and `--max-semi-space-size=8`
 * as their shebang and the Docker image run them.
 *
 *   npx tsx bench/startup.ts [a.mjs] [b.mjs ...]   # default dist/switchyard.mjs; ratios against the first
 *
 * Environment: RUNS (default 15); COMPILE_CACHE=cold (a fresh empty TMPDIR, where the bundle keeps
 * its compile cache, for every launch: a first start) or warm (the default: one TMPDIR for the
 * run, filled by a first launch that is not counted).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cpuSeconds, freePort, rssMb } from './lib.ts';

const RUNS = Number(process.env.RUNS ?? 15);
const COLD = process.env.COMPILE_CACHE === 'cold';
const bundles = (process.argv.length > 2 ? process.argv.slice(2) : ['dist/switchyard.mjs']).map((f) => resolve(f));
const work = mkdtempSync(join(tmpdir(), 'switchyard-startup-'));
const cacheDir = join(work, 'tmp');
mkdirSync(cacheDir);

interface Target {
  name: string;
  args: (port: number) => string[];
  env: (port: number) => NodeJS.ProcessEnv;
}

const base = { PATH: process.env.PATH ?? '' };
const targets: Target[] = [
  {
    name: 'bare node:http',
    args: (port) => ['-e', `require('node:http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1')`],
    env: () => base,
  },
  {
    name: 'minimal proxy',
    args: () => [join(import.meta.dirname, 'minimal-proxy.mjs'), 'http://127.0.0.1:9'],
    env: (port) => ({ ...base, PORT: String(port) }),
  },
  ...bundles.map((file) => ({
    name: file,
    args: () => ['--max-semi-space-size=8', '--', file],
    env: (port: number) => ({
      ...base,
      HOST: '127.0.0.1',
      PORT: String(port),
      OPENAI_API_KEY: 'sk-bench',
      LOG_LEVEL: 'warn',
      // The bundle keeps its compile cache under os.tmpdir() (TMPDIR) unless NODE_COMPILE_CACHE says otherwise.
      TMPDIR: COLD ? mkdtempSync(join(work, 'cold-')) : cacheDir,
    }),
  })),
];

interface Sample {
  wallMs: number;
  cpuMs: number;
  rssMb: number;
}

async function launch(target: Target): Promise<Sample> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, target.args(port), { cwd: work, env: target.env(port), stdio: 'ignore' });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${target.name} exited (${child.exitCode}) before answering`);
      const ok = await fetch(`http://127.0.0.1:${port}/health`).then(
        (r) => r.arrayBuffer().then(() => r.ok),
        () => false,
      );
      if (ok) break;
      await new Promise((r) => setTimeout(r, 2));
    }
    const wallMs = performance.now() - started;
    const cpuMs = cpuSeconds(child.pid as number) * 1000;
    await new Promise((r) => setTimeout(r, 500));
    return { wallMs, cpuMs, rssMb: rssMb(child.pid as number) };
  } finally {
    child.kill('SIGTERM');
    if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
  }
}

// Not counted: fills the warm compile cache (and the page cache) for every bundle.
for (const target of targets) await launch(target);
const samples = new Map(targets.map((t) => [t, [] as Sample[]]));
for (let i = 0; i < RUNS; i++) for (const target of targets) samples.get(target)!.push(await launch(target));
rmSync(work, { recursive: true, force: true });

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const stat = (target: Target, key: keyof Sample) => median(samples.get(target)!.map((s) => s[key]));
const [bare, minimal, first] = targets as [Target, Target, Target];
console.log(
  `median of ${RUNS} launches each, in turn; compile cache ${COLD ? 'cold (empty for every launch)' : 'warm'}`,
);
for (const target of targets) {
  const ratio = (key: keyof Sample, to: Target, name: string) =>
    `×${(stat(target, key) / stat(to, key)).toFixed(2)} ${name}`;
  const ratios = (key: keyof Sample) => {
    if (target === bare) return '';
    const parts = target === minimal ? [] : [ratio(key, minimal, 'minimal')];
    parts.push(ratio(key, bare, 'bare'));
    if (bundles.length > 1 && target !== minimal && target !== first) parts.push(ratio(key, first, 'first'));
    return ` (${parts.join(', ')})`;
  };
  console.log(
    `${target.name}: /health after ${stat(target, 'wallMs').toFixed(0)} ms${ratios('wallMs')}, ` +
      `CPU ${stat(target, 'cpuMs').toFixed(0)} ms${ratios('cpuMs')}, idle RSS ${stat(target, 'rssMb').toFixed(1)} MB${ratios('rssMb')}`,
  );
}
