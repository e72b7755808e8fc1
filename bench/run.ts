// `npm run bench`: measures what the gateway adds to a call, against the same mock upstream called
// directly, in the same run. Three processes: the mock upstream, the gateway, and this one (the
// load generator). Prints a report and writes bench/results/latest.json.
//
// Environment: BENCH_DURATION (s, default 10), BENCH_CONNECTIONS (default 50),
// BENCH_TTFB_REQUESTS (default 300), BENCH_LOG_LEVEL (the gateway's LOG_LEVEL, default info), BENCH_CPU_PROF=1 (profile the gateway and list its hottest
// functions; the profiler slows the gateway, so compare numbers only between unprofiled runs).

import type { ChildProcess } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { RawResult } from 'autocannon';
import autocannon from 'autocannon';
import type { TtfbStats } from './lib.ts';
import {
  cpuSeconds,
  envInt,
  firstLine,
  freePort,
  killChildren,
  machineBusySeconds,
  measureTtfb,
  peakRssMb,
  post,
  spawnNode,
  stopChild,
  topSelfTime,
  waitFor200,
} from './lib.ts';

const ROOT = join(import.meta.dirname, '..');
const RESULTS = join(ROOT, 'bench', 'results');
const PROFILES = join(RESULTS, 'cpu-profile');
const DURATION_S = envInt('BENCH_DURATION', 10);
const CONNECTIONS = envInt('BENCH_CONNECTIONS', 50);
const WARMUP_S = 2;
/** The measured time of each target is cut into this many slices, alternating between targets. */
const ROUNDS = Math.max(1, Math.round(DURATION_S / 2.5));
const TTFB_REQUESTS = envInt('BENCH_TTFB_REQUESTS', 300);
const TTFB_WARMUP = 50;
const CPU_PROF = process.env.BENCH_CPU_PROF === '1';
/** The gateway's log level: by default what users run with (one JSON line per request). */
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL || 'info';
/** CPU cores' worth of work by other processes above which a run is flagged as unreliable. */
const OTHER_LOAD_LIMIT = 0.25;
/** Hard limit on the whole run: 4 load runs plus start-up, TTFB and shutdown. */
const BUDGET_MS = (4 * (WARMUP_S + DURATION_S) + 45) * 1000;

const messages = [
  { role: 'system', content: 'You are a concise assistant. Answer in two sentences at most.' },
  {
    role: 'user',
    content: 'In one paragraph: what does an LLM gateway add between an application and the model provider?',
  },
];
const BODIES = {
  json: JSON.stringify({ model: 'gpt-4o-mini', messages, temperature: 0.2, max_tokens: 128 }),
  sse: JSON.stringify({ model: 'gpt-4o-mini', messages, temperature: 0.2, max_tokens: 128, stream: true }),
};
type Kind = keyof typeof BODIES;
const KINDS = ['json', 'sse'] as const;
type Target = 'direct' | 'gateway';
const TARGETS: readonly Target[] = ['direct', 'gateway'];

interface Comparison {
  direct: LoadStats;
  gateway: LoadStats;
  /** Gateway requests/s over direct requests/s. */
  throughputRatio: number;
  meanDiffMs: number;
  p50DiffMs: number;
  p99DiffMs: number;
}

interface Summary {
  date: string;
  node: string;
  cpus: number;
  cpuModel: string;
  settings: {
    connections: number;
    durationS: number;
    warmupS: number;
    slicesPerTarget: number;
    ttfbRequests: number;
    cpuProfile: boolean;
    logLevel: string;
  };
  throughput: Record<Kind, Comparison>;
  ttfb: {
    direct: TtfbStats;
    gateway: TtfbStats;
    medianDiffMs: number;
    routed: TtfbStats;
    routingDecisionMs: number;
    translated: TtfbStats;
    translationMs: number;
    /** `/v1/responses` streams: to the mock directly, via the gateway untranslated (OpenAI), and translated to Chat Completions. */
    responses: { direct: TtfbStats; native: TtfbStats; translated: TtfbStats; translationMs: number };
  };
  gatewayPeakRssMb: number;
  /** Peak RSS once ready, before any load. */
  gatewayStartRssMb: number;
  cpuProfileTop: { fn: string; selfPercent: number }[] | undefined;
}

interface LoadStats {
  requestsPerSec: number;
  /** Mean latency by Little's law (connections / requests per second): finer than autocannon's whole ms. */
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  failures: number;
  /**
   * CPU cores kept busy on average during the measured slices: by each of our processes, and by
   * everything else on the machine (other processes, kernel network work, hypervisor steal).
   */
  cpuCores: { loadGenerator: number; mock: number; gateway: number; other: number };
  /** CPU time used per successful request, in µs (the gateway's is ~0 for direct runs). */
  cpuMicrosPerRequest: { mock: number; gateway: number };
}

async function main(): Promise<void> {
  mkdirSync(RESULTS, { recursive: true });
  log('building dist/switchyard.mjs');
  const build = spawnSync(process.execPath, ['scripts/build.mjs'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: 60_000,
  });
  if (build.status !== 0) throw new Error(`build failed (status ${build.status})`);

  const mock = spawnNode([join(ROOT, 'bench', 'mock-upstream.ts')], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const mockPort = Number(await firstLine(mock, 10_000));

  const gatewayPort = await freePort();
  const gatewayLog = openSync(join(RESULTS, 'gateway.log'), 'w');
  rmSync(PROFILES, { recursive: true, force: true });
  const gateway = spawnNode(
    [...(CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${PROFILES}`] : []), join(ROOT, 'dist', 'switchyard.mjs')],
    {
      // Only these variables, and a directory without a .env file: the developer's own provider
      // keys or settings cannot change what is measured.
      cwd: RESULTS,
      env: {
        PATH: process.env.PATH,
        PORT: String(gatewayPort),
        HOST: '127.0.0.1',
        LOG_LEVEL,
        OPENAI_API_KEY: 'sk-bench',
        OPENAI_BASE_URL: `http://127.0.0.1:${mockPort}/v1`,
        // A virtual model over two targets (both the mock), to time the routing decision itself.
        GROQ_API_KEY: 'gsk-bench',
        GROQ_BASE_URL: `http://127.0.0.1:${mockPort}/v1`,
        ROUTES: JSON.stringify({ 'bench-route': ['openai/gpt-4o-mini', 'groq/gpt-4o-mini'] }),
        ROUTING_STRATEGY: 'least-latency',
        // A Chat-Completions-only provider (the same mock), for Responses clients translated to it.
        DEEPSEEK_API_KEY: 'sk-bench-deepseek',
        DEEPSEEK_BASE_URL: `http://127.0.0.1:${mockPort}/v1`,
      },
      stdio: ['ignore', gatewayLog, gatewayLog],
    },
  );
  await waitFor200(`http://127.0.0.1:${gatewayPort}/health`, gateway, 10_000);
  const gatewayStartRssMb = peakRssMb(pid(gateway));

  const urls: Record<Target, string> = {
    direct: `http://127.0.0.1:${mockPort}/v1/chat/completions`,
    gateway: `http://127.0.0.1:${gatewayPort}/v1/chat/completions`,
  };
  await checkSameAnswers(urls);

  const throughput = {} as Record<Kind, Comparison>;
  for (const kind of KINDS) {
    log(
      `load: ${kind.toUpperCase()}, direct and via gateway, ${CONNECTIONS} connections, ${WARMUP_S} s warm-up + ${ROUNDS} × ${DURATION_S / ROUNDS} s each`,
    );
    throughput[kind] = await compareLoad(urls, BODIES[kind], { mock, gateway });
  }

  log(`TTFB: ${TTFB_REQUESTS} sequential SSE requests per target (after ${TTFB_WARMUP} warm-up)`);
  const routedBody = JSON.stringify({ ...JSON.parse(BODIES.sse), model: 'bench-route' });
  // The same stream, asked for by an Anthropic-format client: translated event by event.
  const [system, ...turns] = messages;
  const translatedBody = JSON.stringify({
    model: 'openai/gpt-4o-mini',
    system: system?.content,
    messages: turns,
    temperature: 0.2,
    max_tokens: 128,
    stream: true,
  });
  // A Responses API client: to OpenAI natively (passed through), or to a Chat-Completions-only provider (translated).
  const responsesBody = (model: string) =>
    JSON.stringify({ model, instructions: system?.content, input: turns, max_output_tokens: 128, stream: true });
  const responsesUrl = (url: string) => url.replace('/chat/completions', '/responses');
  const [ttfbDirect, ttfbGateway, ttfbRouted, ttfbTranslated, responsesDirect, responsesNative, responsesTranslated] =
    (await measureTtfb(
      [
        { url: urls.direct, body: BODIES.sse },
        { url: urls.gateway, body: BODIES.sse },
        { url: urls.gateway, body: routedBody },
        { url: urls.gateway.replace('/chat/completions', '/messages'), body: translatedBody },
        { url: responsesUrl(urls.direct), body: responsesBody('gpt-4o-mini') },
        { url: responsesUrl(urls.gateway), body: responsesBody('openai/gpt-4o-mini') },
        { url: responsesUrl(urls.gateway), body: responsesBody('deepseek/gpt-4o-mini') },
      ],
      TTFB_REQUESTS,
      TTFB_WARMUP,
    )) as [TtfbStats, TtfbStats, TtfbStats, TtfbStats, TtfbStats, TtfbStats, TtfbStats];

  const gatewayPeakRssMb = peakRssMb(pid(gateway));
  if (!(await stopChild(gateway, 5_000))) log('the gateway did not stop within 5 s of SIGTERM: killed it');
  await stopChild(mock, 2_000);
  closeSync(gatewayLog);

  const summary: Summary = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    settings: {
      connections: CONNECTIONS,
      durationS: DURATION_S,
      warmupS: WARMUP_S,
      slicesPerTarget: ROUNDS,
      ttfbRequests: TTFB_REQUESTS,
      cpuProfile: CPU_PROF,
      logLevel: LOG_LEVEL,
    },
    throughput,
    ttfb: {
      direct: ttfbDirect,
      gateway: ttfbGateway,
      medianDiffMs: round(ttfbGateway.medianMs - ttfbDirect.medianMs, 3),
      routed: ttfbRouted,
      routingDecisionMs: round(ttfbRouted.medianMs - ttfbGateway.medianMs, 3),
      translated: ttfbTranslated,
      translationMs: round(ttfbTranslated.medianMs - ttfbGateway.medianMs, 3),
      responses: {
        direct: responsesDirect,
        native: responsesNative,
        translated: responsesTranslated,
        translationMs: round(responsesTranslated.medianMs - responsesNative.medianMs, 3),
      },
    },
    gatewayPeakRssMb: round(gatewayPeakRssMb, 1),
    gatewayStartRssMb: round(gatewayStartRssMb, 1),
    cpuProfileTop: CPU_PROF ? profileSummary() : undefined,
  };
  writeFileSync(join(RESULTS, 'latest.json'), `${JSON.stringify(summary, null, 2)}\n`);
  printReport(summary);
}

/**
 * Both targets must give the same answer, or the comparison means nothing. Streams are compared
 * chunk by chunk, ignoring `"usage": null` (the gateway asks the upstream for usage, which then adds
 * that field to every chunk).
 */
async function checkSameAnswers(urls: Record<Target, string>): Promise<void> {
  const parse = (kind: Kind, text: string): unknown =>
    kind === 'json'
      ? JSON.parse(text)
      : text
          .split('\n\n')
          .filter((event) => event.startsWith('data: '))
          .map((event) => {
            const data = event.slice('data: '.length);
            if (data === '[DONE]') return data;
            const { usage, ...chunk } = JSON.parse(data) as Record<string, unknown>;
            return usage === null || usage === undefined ? chunk : { ...chunk, usage };
          });
  for (const kind of KINDS) {
    const [direct, gateway] = await Promise.all([post(urls.direct, BODIES[kind]), post(urls.gateway, BODIES[kind])]);
    if (direct.status !== 200 || gateway.status !== 200) {
      throw new Error(
        `${kind}: direct answered ${direct.status}, gateway ${gateway.status} (see bench/results/gateway.log): ${gateway.text.slice(0, 300)}`,
      );
    }
    if (!isDeepStrictEqual(parse(kind, direct.text), parse(kind, gateway.text)))
      throw new Error(`${kind}: the gateway's answer differs from the upstream's`);
    if (kind === 'sse' && !gateway.text.endsWith('data: [DONE]\n\n'))
      throw new Error('sse: the stream does not end with [DONE]');
  }
}

/**
 * Loads both targets with the same body and connections: a warm-up each, then DURATION_S each, cut
 * into slices taken in turn (direct, gateway, gateway, direct, …) so that a machine whose speed
 * drifts during the run (a shared VM does) slows both alike.
 */
async function compareLoad(urls: Record<Target, string>, body: string, procs: Procs): Promise<Comparison> {
  const options = (target: Target) => ({
    url: urls[target],
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-client' },
    body,
    connections: CONNECTIONS,
    timeout: 10,
  });
  for (const target of TARGETS) await autocannon({ ...options(target), duration: WARMUP_S });

  const slices: Record<Target, RawResult[]> = { direct: [], gateway: [] };
  const cpu: Record<Target, CpuTimes> = { direct: noCpuTimes(), gateway: noCpuTimes() };
  for (let round = 0; round < ROUNDS; round++) {
    for (const target of round % 2 === 0 ? TARGETS : [...TARGETS].reverse()) {
      const before = cpuTimes(procs);
      slices[target].push(
        await autocannon({ ...options(target), duration: DURATION_S / ROUNDS, skipAggregateResult: true }),
      );
      const after = cpuTimes(procs);
      for (const key of Object.keys(after) as (keyof CpuTimes)[]) cpu[target][key] += after[key] - before[key];
    }
  }
  const direct = loadStats(urls.direct, slices.direct, cpu.direct);
  const gateway = loadStats(urls.gateway, slices.gateway, cpu.gateway);
  return {
    direct,
    gateway,
    throughputRatio: round(gateway.requestsPerSec / direct.requestsPerSec, 3),
    meanDiffMs: round(gateway.meanMs - direct.meanMs, 3),
    p50DiffMs: gateway.p50Ms - direct.p50Ms,
    p99DiffMs: gateway.p99Ms - direct.p99Ms,
  };
}

interface Procs {
  mock: ChildProcess;
  gateway: ChildProcess;
}

/** Seconds: of wall-clock time, of CPU time per process, and of busy CPU time on the whole machine. */
interface CpuTimes {
  wall: number;
  loadGenerator: number;
  mock: number;
  gateway: number;
  machine: number;
}

const noCpuTimes = (): CpuTimes => ({ wall: 0, loadGenerator: 0, mock: 0, gateway: 0, machine: 0 });

function cpuTimes(procs: Procs): CpuTimes {
  const self = process.cpuUsage();
  return {
    wall: performance.now() / 1000,
    loadGenerator: (self.user + self.system) / 1e6,
    mock: cpuSeconds(pid(procs.mock)),
    gateway: cpuSeconds(pid(procs.gateway)),
    machine: machineBusySeconds(),
  };
}

function loadStats(url: string, slices: RawResult[], cpu: CpuTimes): LoadStats {
  const result = autocannon.aggregateResult(slices, { url, connections: CONNECTIONS });
  const ok = result['2xx'];
  const requestsPerSec = ok / slices.reduce((seconds, slice) => seconds + slice.duration, 0);
  const cores = (seconds: number) => round(seconds / cpu.wall, 2);
  return {
    requestsPerSec: round(requestsPerSec, 1),
    meanMs: round((1000 * CONNECTIONS) / requestsPerSec, 3),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    failures: result.errors + result.non2xx,
    cpuCores: {
      loadGenerator: cores(cpu.loadGenerator),
      mock: cores(cpu.mock),
      gateway: cores(cpu.gateway),
      other: cores(Math.max(0, cpu.machine - cpu.loadGenerator - cpu.mock - cpu.gateway)),
    },
    cpuMicrosPerRequest: { mock: round((1e6 * cpu.mock) / ok, 1), gateway: round((1e6 * cpu.gateway) / ok, 1) },
  };
}

function profileSummary(): { fn: string; selfPercent: number }[] {
  const file = readdirSync(PROFILES).find((name) => name.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile in ${PROFILES}`);
  return topSelfTime(join(PROFILES, file), 15).map(({ fn, selfPercent }) => ({
    fn,
    selfPercent: round(selfPercent, 1),
  }));
}

function printReport(s: Summary): void {
  const out: string[] = [];
  out.push('', `Switchyard overhead — ${s.date}, Node ${s.node}, ${s.cpus} CPUs (${s.cpuModel})`);
  out.push(
    `${CONNECTIONS} connections; per target ${WARMUP_S} s warm-up, then ${DURATION_S} s measured` +
      (ROUNDS > 1 ? ` in ${ROUNDS} slices alternating with the other target.` : '.'),
    `Mock, gateway and load generator are separate processes; the gateway logs at LOG_LEVEL=${LOG_LEVEL} (bench/results/gateway.log).`,
    '',
  );
  const rows: string[][] = [
    [
      '',
      'req/s',
      'mean ms',
      'p50 ms',
      'p99 ms',
      'failed',
      'CPU µs/req: mock / gateway',
      'cores busy: load gen / mock / gateway / other',
    ],
  ];
  for (const kind of KINDS) {
    const t = s.throughput[kind];
    for (const target of TARGETS) {
      const r = t[target];
      const [c, us] = [r.cpuCores, r.cpuMicrosPerRequest];
      const direct = target === 'direct';
      rows.push([
        `${kind.toUpperCase()} ${direct ? 'direct' : 'via gateway'}`,
        r.requestsPerSec.toFixed(0),
        r.meanMs.toFixed(2),
        String(r.p50Ms),
        String(r.p99Ms),
        String(r.failures),
        `${us.mock.toFixed(0)} / ${direct ? '  -' : us.gateway.toFixed(0).padStart(3)}`,
        `${c.loadGenerator.toFixed(2)} / ${c.mock.toFixed(2)} / ${direct ? '  - ' : c.gateway.toFixed(2)} / ${c.other.toFixed(2)}`,
      ]);
    }
    rows.push(
      [
        `${kind.toUpperCase()} gateway/direct`,
        pct(t.throughputRatio),
        signed(t.meanDiffMs, 2),
        signed(t.p50DiffMs, 0),
        signed(t.p99DiffMs, 0),
      ],
      [],
    );
  }
  out.push(...table(rows));
  out.push(
    ...table([
      [`TTFB, SSE, sequential (${s.ttfb.direct.samples} each)`, 'median ms', 'p99 ms'],
      ['direct', s.ttfb.direct.medianMs.toFixed(3), s.ttfb.direct.p99Ms.toFixed(3)],
      ['via gateway', s.ttfb.gateway.medianMs.toFixed(3), s.ttfb.gateway.p99Ms.toFixed(3)],
      ['difference', signed(s.ttfb.medianDiffMs, 3), signed(s.ttfb.gateway.p99Ms - s.ttfb.direct.p99Ms, 3)],
      [
        'via gateway, virtual model (2 targets, least-latency)',
        s.ttfb.routed.medianMs.toFixed(3),
        s.ttfb.routed.p99Ms.toFixed(3),
      ],
      [
        'routing decision (virtual vs plain)',
        signed(s.ttfb.routingDecisionMs, 3),
        signed(s.ttfb.routed.p99Ms - s.ttfb.gateway.p99Ms, 3),
      ],
      [
        'via gateway, translated (Anthropic client → OpenAI-format provider)',
        s.ttfb.translated.medianMs.toFixed(3),
        s.ttfb.translated.p99Ms.toFixed(3),
      ],
      [
        'translation (translated vs plain)',
        signed(s.ttfb.translationMs, 3),
        signed(s.ttfb.translated.p99Ms - s.ttfb.gateway.p99Ms, 3),
      ],
      [
        'Responses API stream, direct',
        s.ttfb.responses.direct.medianMs.toFixed(3),
        s.ttfb.responses.direct.p99Ms.toFixed(3),
      ],
      [
        'via gateway, untranslated (OpenAI)',
        s.ttfb.responses.native.medianMs.toFixed(3),
        s.ttfb.responses.native.p99Ms.toFixed(3),
      ],
      [
        'via gateway, translated (→ Chat Completions provider)',
        s.ttfb.responses.translated.medianMs.toFixed(3),
        s.ttfb.responses.translated.p99Ms.toFixed(3),
      ],
      [
        'Responses translation (translated vs untranslated)',
        signed(s.ttfb.responses.translationMs, 3),
        signed(s.ttfb.responses.translated.p99Ms - s.ttfb.responses.native.p99Ms, 3),
      ],
    ]),
  );
  out.push(
    '',
    `Gateway peak RSS (VmHWM): ${s.gatewayPeakRssMb.toFixed(1)} MB (${s.gatewayStartRssMb.toFixed(1)} MB when ready, before load)`,
  );

  const warnings: string[] = [];
  if (s.throughput.json.throughputRatio < 0.4)
    warnings.push(
      `JSON throughput through the gateway is ${pct(s.throughput.json.throughputRatio)} of direct (target: at least 40%)`,
    );
  if (s.ttfb.medianDiffMs > 1)
    warnings.push(`median TTFB difference is ${s.ttfb.medianDiffMs.toFixed(3)} ms (target: at most 1 ms)`);
  for (const kind of KINDS) {
    for (const target of TARGETS) {
      const { failures, cpuCores } = s.throughput[kind][target];
      if (failures > 0) warnings.push(`${kind} ${target}: ${failures} failed requests (see bench/results/gateway.log)`);
      if (cpuCores.other > OTHER_LOAD_LIMIT)
        warnings.push(
          `${kind} ${target}: other work kept ${cpuCores.other.toFixed(2)} cores busy during the run: its numbers are not reliable`,
        );
    }
  }
  if (warnings.length) out.push('', ...warnings.map((w) => `! ${w}`));
  if (s.cpuProfileTop) {
    out.push(
      '',
      'Gateway CPU profile, top self time as a share of busy time (the profiler slows the gateway: compare only unprofiled numbers):',
    );
    out.push(...s.cpuProfileTop.map(({ fn, selfPercent }) => `${selfPercent.toFixed(1).padStart(6)}%  ${fn}`));
  }
  out.push(
    '',
    "Under load, p50/p99 are autocannon's (whole ms, so 0 means under 1 ms); mean is connections / req/s.",
    'TTFB is timed with performance.now() from sending to the first body chunk. JSON summary: bench/results/latest.json',
    '',
  );
  process.stdout.write(out.join('\n'));
}

function table(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) =>
    row
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('   ')
      .trimEnd(),
  );
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
const pct = (ratio: number) => `${(ratio * 100).toFixed(1)}%`;
const signed = (value: number, digits: number) => `${value >= 0 ? '+' : ''}${value.toFixed(digits)}`;
const log = (message: string) => process.stderr.write(`bench: ${message}\n`);

function pid(child: ChildProcess): number {
  if (child.pid === undefined) throw new Error('child process has no pid');
  return child.pid;
}

process.on('exit', killChildren);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    log(`${signal}: stopping`);
    process.exit(130);
  });
}
setTimeout(() => {
  log(`time budget of ${BUDGET_MS / 1000} s exceeded: stopping`);
  process.exit(1);
}, BUDGET_MS).unref();

try {
  await main();
  process.exit(0);
} catch (error) {
  log(`failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
