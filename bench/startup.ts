/**
 * Start-up and idle memory of bundles against two yardsticks, launched in turn (so machine load
 * affects each alike): bare node:http (`node -e "createServer(...).listen()"`) and the minimal
 * proxy of `npm run bench` (bench/minimal-proxy.mjs). For each: wall time from spawn to the first
 * 200 from /health, the process's CPU time at that moment (the sum of its threads' time on CPU
 * from /proc/<pid>/task/<tid>/schedstat, in ns: less noisy than wall time on a shared machine, and
 * finer than /proc/<pid>/stat's 10 ms ticks), and its RSS 500 ms later, as `npm run bench` measures
 * idle RSS. Then, for the minimal proxy and the bundles, the wall time from spawn to the answer of
 * the first chat completion relayed to a mock upstream (bench/mock-upstream.ts), asked for as soon
 * as /health answers: what a client waiting for the gateway gets, lazy loading included. Bundles
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
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, rssMb, spawnNode, stopChild } from './lib.ts';

const RUNS = Number(process.env.RUNS ?? 15);
const COLD = process.env.COMPILE_CACHE === 'cold';
const bundles = (process.argv.length > 2 ? process.argv.slice(2) : ['dist/switchyard.mjs']).map((f) => resolve(f));
const work = mkdtempSync(join(tmpdir(), 'switchyard-startup-'));
const cacheDir = join(work, 'tmp');
mkdirSync(cacheDir);

const mock = spawnNode([join(import.meta.dirname, 'mock-upstream.ts')], {
  cwd: work,
  stdio: ['ignore', 'pipe', 'inherit'],
});
const mockPort = await new Promise<number>((done) =>
  mock.stdout!.once('data', (chunk: Buffer) => done(Number(String(chunk).trim()))),
);
const upstream = `http://127.0.0.1:${mockPort}`;
const completion = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });

interface Target {
  name: string;
  /** Relays /v1/chat/completions to the mock (bare node:http does not). */
  proxies: boolean;
  args: (port: number) => string[];
  env: (port: number) => NodeJS.ProcessEnv;
}

const base = { PATH: process.env.PATH ?? '' };
const targets: Target[] = [
  {
    name: 'bare node:http',
    proxies: false,
    args: (port) => ['-e', `require('node:http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1')`],
    env: () => base,
  },
  {
    name: 'minimal proxy',
    proxies: true,
    args: () => [join(import.meta.dirname, 'minimal-proxy.mjs'), upstream],
    env: (port) => ({ ...base, PORT: String(port) }),
  },
  ...bundles.map((file) => ({
    name: file,
    proxies: true,
    args: () => ['--max-semi-space-size=8', '--', file],
    env: (port: number) => ({
      ...base,
      HOST: '127.0.0.1',
      PORT: String(port),
      OPENAI_API_KEY: 'sk-bench',
      OPENAI_BASE_URL: `${upstream}/v1`,
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
  /** Spawn to the first relayed completion's whole answer (NaN for bare node:http). */
  completionMs: number;
}

/** CPU time of a live process in ms: its threads' run time from schedstat (threads already gone are not counted). */
function cpuMs(pid: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {} // the thread ended meanwhile
  }
  return ns / 1e6;
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
    const cpu = cpuMs(child.pid as number);
    let completionMs = Number.NaN;
    if (target.proxies) {
      const response = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench' },
        body: completion,
      });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`${target.name} answered the completion with ${response.status}`);
      completionMs = performance.now() - started;
    }
    await new Promise((r) => setTimeout(r, 500));
    return { wallMs, cpuMs: cpu, rssMb: rssMb(child.pid as number), completionMs };
  } finally {
    child.kill('SIGTERM');
    if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
  }
}

// Not counted: fills the warm compile cache (and the page cache) for every bundle.
for (const target of targets) await launch(target);
const samples = new Map(targets.map((t) => [t, [] as Sample[]]));
for (let i = 0; i < RUNS; i++) for (const target of targets) samples.get(target)!.push(await launch(target));
await stopChild(mock, 2_000);
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
      `CPU ${stat(target, 'cpuMs').toFixed(0)} ms${ratios('cpuMs')}, idle RSS ${stat(target, 'rssMb').toFixed(1)} MB${ratios('rssMb')}` +
      (target.proxies
        ? `, first completion after ${stat(target, 'completionMs').toFixed(0)} ms` +
          (target === minimal ? '' : ` (${ratio('completionMs', minimal, 'minimal')})`)
        : ''),
  );
}
