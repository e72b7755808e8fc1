/**
 * Two gateway bundles side by side, in one run, against the same mock: CPU time per request of
 * each (its /proc CPU time over the requests it answered), slice by slice in turn, and their ratio
 * paired by round. For telling whether a change made the request path cheaper on a machine whose
 * speed drifts more between runs than the change is worth.
 *
 *   npx tsx bench/compare.ts <baseline.mjs> [candidate.mjs, default dist/switchyard.mjs]
 *
 * ROUNDS (default 6) slices of 2 s per bundle and scenario, 50 connections, LOG_LEVEL=info.
 * BASELINE_ENV / CANDIDATE_ENV (JSON objects) add variables to one side, so one bundle can be
 * compared with itself under two settings (e.g. `CANDIDATE_ENV='{"LOG_REQUESTS":"none"}'`), and
 * BASELINE_NODE_ARGS / CANDIDATE_NODE_ARGS Node flags (e.g. `--max-semi-space-size=16`);
 * SCENARIOS picks some of json, sse, large (default all).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { firstLine, freePort, killChildren, spawnNode, spreadOf, treeCpuSeconds, waitFor200 } from './lib.ts';

const [baseline, candidate = 'dist/switchyard.mjs'] = process.argv.slice(2);
if (!baseline) throw new Error('usage: bench/compare.ts <baseline.mjs> [candidate.mjs]');
const ROUNDS = Number(process.env.ROUNDS ?? 6);
const SLICE_S = 2;
process.on('exit', killChildren);

const cwd = mkdtempSync(join(tmpdir(), 'switchyard-compare-'));
const mock = spawnNode([join(import.meta.dirname, 'mock-upstream.ts')], { cwd, stdio: ['ignore', 'pipe', 'inherit'] });
const mockPort = Number(await firstLine(mock, 10_000));

const sideEnv = (name: string): Record<string, string> => JSON.parse(process.env[name] || '{}');

async function start(
  file: string,
  name: string,
  extra: Record<string, string>,
): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort();
  const log = openSync(join(cwd, `${name}.log`), 'w');
  const env = {
    PATH: process.env.PATH,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    OPENAI_API_KEY: 'sk-bench',
    OPENAI_BASE_URL: `http://127.0.0.1:${mockPort}/v1`,
    ...extra,
  };
  const flags = (process.env[`${name.toUpperCase()}_NODE_ARGS`] ?? '').split(' ').filter(Boolean);
  const child = spawnNode([...flags, resolve(file)], { cwd, env, stdio: ['ignore', log, log] });
  await waitFor200(`http://127.0.0.1:${port}/health`, child, 20_000);
  return { port, child };
}
const gateways = {
  baseline: await start(baseline, 'baseline', sideEnv('BASELINE_ENV')),
  candidate: await start(candidate, 'candidate', sideEnv('CANDIDATE_ENV')),
};

const messages = [{ role: 'user', content: 'In one paragraph: what does an LLM gateway add to a model call?' }];
const turn = 'The function reads the file, splits it into lines and counts the words of each. '.repeat(6);
const BODIES = {
  json: JSON.stringify({ model: 'gpt-4o-mini', messages, max_tokens: 128 }),
  sse: JSON.stringify({ model: 'gpt-4o-mini', messages, max_tokens: 128, stream: true }),
  large: JSON.stringify({
    model: 'gpt-4o-mini',
    messages: Array.from({ length: 200 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: `${i}: ${turn}` })),
    max_tokens: 128,
  }),
};

async function cpuPerRequest(which: keyof typeof gateways, body: string, seconds: number): Promise<number> {
  const { port, child } = gateways[which];
  const before = treeCpuSeconds(child.pid as number);
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/v1/chat/completions`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections: 50,
    duration: seconds,
  });
  const ok = result.requests.total - result.errors - result.non2xx;
  return (1e6 * (treeCpuSeconds(child.pid as number) - before)) / Math.max(1, ok);
}

const show = (values: number[], digits: number) => {
  const s = spreadOf(values);
  return `${s.median.toFixed(digits)} [${s.min.toFixed(digits)}–${s.max.toFixed(digits)}]`;
};
console.log(`baseline ${baseline}, candidate ${candidate}: CPU µs per request, median [min–max] of ${ROUNDS} rounds`);
const picked = (process.env.SCENARIOS ?? 'json,sse,large').split(',');
for (const [scenario, body] of Object.entries(BODIES).filter(([name]) => picked.includes(name))) {
  await cpuPerRequest('baseline', body, SLICE_S);
  await cpuPerRequest('candidate', body, SLICE_S);
  const us = { baseline: [] as number[], candidate: [] as number[] };
  const ratios: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 ? (['candidate', 'baseline'] as const) : (['baseline', 'candidate'] as const);
    const got = { baseline: 0, candidate: 0 };
    for (const which of order) got[which] = await cpuPerRequest(which, body, SLICE_S);
    us.baseline.push(got.baseline);
    us.candidate.push(got.candidate);
    ratios.push(got.candidate / got.baseline);
  }
  console.log(
    `${scenario}: baseline ${show(us.baseline, 1)}, candidate ${show(us.candidate, 1)}, candidate/baseline ${show(ratios, 2)}`,
  );
}
process.exit(0);
