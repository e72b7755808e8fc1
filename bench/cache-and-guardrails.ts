// `npm run bench:cache-guardrails`: what the response cache and the guardrail pipeline cost on the
// path every request takes, as requests per second against the plain gateway, in the same run. One
// mock upstream and four gateway processes in front of it (plain; GUARDRAILS_FILE with no rules;
// CACHE=memory with every request a miss; a request-side PII rule), loaded one at a time in
// interleaved slices (A B C D, D C B A, …) so that a drifting machine slows all alike. Every
// request carries a different prompt, so that each is a cache miss (looked up, answered by the
// upstream, then filed). Each target's ratio to plain is given over the whole run and, paired
// with plain's slice of the same round, as the median and range over the rounds (with the CPU
// time a request adds). Writes bench/results/cache-and-guardrails.json.
//
// Environment: BENCH_DURATION (s per target, default 12), BENCH_CONNECTIONS (default 50);
// BENCH_BASELINE=<dist>/switchyard.mjs (another build, its gateway.mjs beside it) adds that
// build's cache miss as a fifth target, loaded in the same rotation, so that a change to the
// cache is compared with the code before it in one run.

import { closeSync, mkdirSync, mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import {
  cpuSeconds,
  envInt,
  firstLine,
  freePort,
  killChildren,
  post,
  spawnNode,
  spreadOf,
  stopChild,
  waitFor200,
} from './lib.ts';

const ROOT = join(import.meta.dirname, '..');
const RESULTS = join(ROOT, 'bench', 'results');
const DURATION_S = envInt('BENCH_DURATION', 12);
const CONNECTIONS = envInt('BENCH_CONNECTIONS', 50);
const WARMUP_S = 2;
const ROUNDS = Math.max(2, Math.round(DURATION_S / 2));

const rulesDir = mkdtempSync(join(tmpdir(), 'switchyard-bench-'));
const file = (name: string, value: unknown) => {
  const path = join(rulesDir, name);
  writeFileSync(path, JSON.stringify(value));
  return path;
};
const TARGETS: Record<string, Record<string, string>> = {
  plain: {},
  'guardrails, no rules': { GUARDRAILS_FILE: file('empty.json', { rules: [] }) },
  'cache miss (memory)': { CACHE: 'memory' },
  'guardrails, PII on requests': { GUARDRAILS_FILE: file('pii.json', { rules: [{ type: 'pii', on: ['request'] }] }) },
};
const BASELINE = process.env.BENCH_BASELINE;
if (BASELINE) TARGETS['cache miss, BENCH_BASELINE'] = { CACHE: 'memory' };
type Name = keyof typeof TARGETS;

let counter = 0;
/** A prompt no earlier request had: every request is a cache miss. */
const body = () =>
  JSON.stringify({
    model: 'gpt-4o-mini',
    temperature: 0,
    max_tokens: 128,
    messages: [
      { role: 'system', content: 'You are a concise assistant. Answer in two sentences at most.' },
      {
        role: 'user',
        content: `Request ${counter++}: what does an LLM gateway add between an application and a model?`,
      },
    ],
  });

async function main(): Promise<void> {
  mkdirSync(RESULTS, { recursive: true });
  const mock = spawnNode([join(ROOT, 'bench', 'mock-upstream.ts')], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const mockPort = Number(await firstLine(mock, 10_000));
  const log = openSync(join(RESULTS, 'cache-and-guardrails-gateways.log'), 'w');
  const gateways: { name: Name; url: string; child: ReturnType<typeof spawnNode> }[] = [];
  // One after another: four cold starts at once on a busy machine can take longer than the wait.
  for (const [name, env] of Object.entries(TARGETS)) {
    gateways.push(
      await (async () => {
        const port = await freePort();
        const bundle =
          BASELINE && name === 'cache miss, BENCH_BASELINE' ? BASELINE : join(ROOT, 'dist', 'switchyard.mjs');
        const child = spawnNode([bundle], {
          cwd: RESULTS,
          env: {
            PATH: process.env.PATH,
            PORT: String(port),
            HOST: '127.0.0.1',
            LOG_LEVEL: 'info',
            OPENAI_API_KEY: 'sk-bench',
            OPENAI_BASE_URL: `http://127.0.0.1:${mockPort}/v1`,
            ...env,
          },
          stdio: ['ignore', log, log],
        });
        await waitFor200(`http://127.0.0.1:${port}/health`, child, 30_000);
        const url = `http://127.0.0.1:${port}/v1/chat/completions`;
        const check = await post(url, body());
        if (check.status !== 200) throw new Error(`${name}: answered ${check.status}: ${check.text.slice(0, 200)}`);
        return { name: name as Name, url, child };
      })(),
    );
  }

  const load = (url: string, seconds: number) =>
    autocannon({
      url,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      connections: CONNECTIONS,
      duration: seconds,
      timeout: 10,
      requests: [{ setupRequest: (request) => ({ ...request, body: body() }) }],
    });
  for (const gateway of gateways) await load(gateway.url, WARMUP_S);
  const done: Record<string, { ok: number; seconds: number; failures: number; cpu: number }> = {};
  /** Per round: each target's requests/s and CPU µs a request (paired with plain's of the same round). */
  const rounds: Record<string, { rps: number; cpuMicros: number }>[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? gateways : [...gateways].reverse();
    const slice: Record<string, { rps: number; cpuMicros: number }> = {};
    for (const gateway of order) {
      const cpuBefore = cpuSeconds(gateway.child.pid as number);
      const result = await load(gateway.url, DURATION_S / ROUNDS);
      const cpu = cpuSeconds(gateway.child.pid as number) - cpuBefore;
      const slot = (done[gateway.name] ??= { ok: 0, seconds: 0, failures: 0, cpu: 0 });
      slot.cpu += cpu;
      slot.ok += result['2xx'];
      slot.seconds += result.duration;
      slot.failures += result.errors + result.non2xx;
      slice[gateway.name] = {
        rps: result['2xx'] / result.duration,
        cpuMicros: (1e6 * cpu) / Math.max(1, result['2xx']),
      };
    }
    rounds.push(slice);
  }
  await Promise.all([...gateways.map((g) => stopChild(g.child, 5_000)), stopChild(mock, 2_000)]);
  closeSync(log);

  const rps = (name: Name) => (done[name] as { ok: number; seconds: number }).ok / done[name]!.seconds;
  const plain = rps('plain');
  // A slice slowed by other work on the machine moves every total: the ratios of each round, paired
  // with plain's slice of that round, are read as their median and range too.
  const paired = (of: (slice: Record<string, { rps: number; cpuMicros: number }>) => number) =>
    spreadOf(rounds.map(of));
  const rows = Object.keys(TARGETS).map((name) => {
    const ratio = paired((slice) => (slice[name]?.rps ?? 0) / (slice.plain?.rps ?? 1));
    const extraCpu = paired((slice) => (slice[name]?.cpuMicros ?? 0) - (slice.plain?.cpuMicros ?? 0));
    return {
      target: name,
      requestsPerSec: Math.round(rps(name) * 10) / 10,
      ratioToPlain: Math.round((rps(name) / plain) * 1000) / 1000,
      // CPU time per request is steadier than requests/s on a machine shared with other work.
      gatewayCpuMicrosPerRequest: Math.round((1e6 * (done[name]?.cpu ?? 0)) / (done[name]?.ok ?? 1)),
      pairedRatio: { median: round3(ratio.median), min: round3(ratio.min), max: round3(ratio.max) },
      pairedExtraCpuMicros: {
        median: Math.round(extraCpu.median),
        min: Math.round(extraCpu.min),
        max: Math.round(extraCpu.max),
      },
      failures: done[name]?.failures ?? 0,
    };
  });
  const summary = {
    date: new Date().toISOString(),
    node: process.version,
    settings: { connections: CONNECTIONS, durationS: DURATION_S, rounds: ROUNDS, warmupS: WARMUP_S },
    results: rows,
  };
  writeFileSync(join(RESULTS, 'cache-and-guardrails.json'), `${JSON.stringify(summary, null, 2)}\n`);
  process.stdout.write(
    `\nCache and guardrails, ${CONNECTIONS} connections, ${DURATION_S} s per target in ${ROUNDS} interleaved slices\n`,
  );
  for (const row of rows)
    process.stdout.write(
      `  ${row.target.padEnd(30)} ${String(row.requestsPerSec).padStart(8)} req/s  ${row.ratioToPlain.toFixed(3)} × plain  ${String(row.gatewayCpuMicrosPerRequest).padStart(5)} µs CPU/request  paired by round: ${row.pairedRatio.median.toFixed(3)} × [${row.pairedRatio.min.toFixed(2)}–${row.pairedRatio.max.toFixed(2)}], ${signed(row.pairedExtraCpuMicros.median)} µs CPU [${signed(row.pairedExtraCpuMicros.min)}, ${signed(row.pairedExtraCpuMicros.max)}]${row.failures ? `  (${row.failures} failed)` : ''}\n`,
    );
}

const round3 = (value: number) => Math.round(value * 1000) / 1000;
const signed = (value: number) => (value >= 0 ? `+${value}` : String(value));

process.on('exit', killChildren);
main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
