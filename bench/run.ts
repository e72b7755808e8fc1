// `npm run bench`: what the gateway costs per request, against the same mock upstream called
// directly and through a minimal node:http + undici proxy (bench/minimal-proxy.mjs, the floor for
// any Node proxy), in the same run. Processes: the mock upstream, the minimal proxy, the gateway,
// and this one (the load generator). Prints a report and writes bench/results/latest.json.
//
// Every measure is repeated in slices taken in turn (direct, minimal, gateway; then rotated), and
// reported as the median and range over the slices, because a shared machine drifts. CPU per
// request is each process's own CPU time (/proc/<pid>/stat, its workers included) over the
// requests it answered in that slice.
//
// Environment: BENCH_DURATION (s per target and scenario, default 10), BENCH_CONNECTIONS (default 50),
// BENCH_TTFB_REQUESTS (default 300), BENCH_LOG_LEVEL (the gateway's LOG_LEVEL, default info),
// BENCH_IDLE_STREAMS (default 1000), BENCH_STARTUP_RUNS (default 5), BENCH_WORKERS (worker counts
// to compare on JSON, e.g. `1,2,4`; default none), BENCH_SCENARIOS (default json,sse,translated,large),
// BENCH_NODE_ARGS (Node flags for the gateway, default the shipped --max-semi-space-size=8), BENCH_FRESH_ONLY=1 (only the fresh-process part: spawn to
// ready, idle RSS, memory per idle stream; bench/startup.ts has more on start-up), BENCH_CPU_PROF=1 (profile the gateway and list its hottest functions; the profiler slows the
// gateway, so compare numbers only between unprofiled runs).

import type { ChildProcess } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import autocannon from 'autocannon';
import type { Spread, TtfbStats } from './lib.ts';
import {
  envInt,
  firstLine,
  freePort,
  killChildren,
  machineBusySeconds,
  measureTtfb,
  openStreams,
  peakRssMb,
  post,
  spawnNode,
  spawnToReady,
  spreadOf,
  stopChild,
  topSelfTime,
  treeCpuSeconds,
  treeRssMb,
  waitFor200,
} from './lib.ts';

const ROOT = join(import.meta.dirname, '..');
const RESULTS = join(ROOT, 'bench', 'results');
const PROFILES = join(RESULTS, 'cpu-profile');
const DURATION_S = envInt('BENCH_DURATION', 10);
const CONNECTIONS = envInt('BENCH_CONNECTIONS', 50);
const WARMUP_S = 2;
/** The measured time of each target is cut into this many slices of about 2 s, alternating between targets. */
const ROUNDS = Math.max(1, Math.round(DURATION_S / 2));
const TTFB_REQUESTS = envInt('BENCH_TTFB_REQUESTS', 300);
const TTFB_WARMUP = 50;
const IDLE_STREAMS = envInt('BENCH_IDLE_STREAMS', 1000);
const STARTUP_RUNS = envInt('BENCH_STARTUP_RUNS', 5);
const WORKER_COUNTS = (process.env.BENCH_WORKERS ?? '').split(',').filter(Boolean).map(Number);
const CPU_PROF = process.env.BENCH_CPU_PROF === '1';
const FRESH_ONLY = process.env.BENCH_FRESH_ONLY === '1';
/**
 * Node flags for the gateway. By default the ones it ships with (the bin's shebang, `npm start`,
 * the image's NODE_OPTIONS): the young generation's size moves both CPU per request and RSS.
 */
const NODE_ARGS = (process.env.BENCH_NODE_ARGS ?? '--max-semi-space-size=8').split(' ').filter(Boolean);
/** The gateway's log level: by default what users run with (one JSON line per request). */
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL || 'info';
/** CPU cores' worth of work by other processes above which a slice is flagged as unreliable. */
const OTHER_LOAD_LIMIT = 0.25;

const messages = [
  { role: 'system', content: 'You are a concise assistant. Answer in two sentences at most.' },
  {
    role: 'user',
    content: 'In one paragraph: what does an LLM gateway add between an application and the model provider?',
  },
];
const [system, ...turns] = messages;
const chat = (extra: object) =>
  JSON.stringify({ model: 'gpt-4o-mini', messages, temperature: 0.2, max_tokens: 128, ...extra });
/** About 100 KB of conversation, as a coding agent sends: many turns of ordinary text. */
const largeMessages = Array.from({ length: 200 }, (_, i) => ({
  role: i % 2 ? 'assistant' : 'user',
  content: `Turn ${i}: ${'The function reads the file, splits it into lines and counts the words of each. '.repeat(6)}`,
}));
const BODIES = {
  json: chat({}),
  sse: chat({ stream: true }),
  // The same stream, asked for by an Anthropic-format client: translated event by event.
  anthropic: JSON.stringify({
    model: 'openai/gpt-4o-mini',
    system: system?.content,
    messages: turns,
    temperature: 0.2,
    max_tokens: 128,
    stream: true,
  }),
  large: JSON.stringify({ model: 'gpt-4o-mini', messages: largeMessages, max_tokens: 128 }),
};

type Target = 'direct' | 'minimal' | 'gateway';
const TARGETS: readonly Target[] = ['direct', 'minimal', 'gateway'];
const CHAT = '/v1/chat/completions';

interface Scenario {
  title: string;
  /** What each target is sent. */
  requests: Record<Target, { path: string; body: string }>;
}
const same = (body: string): Scenario['requests'] => ({
  direct: { path: CHAT, body },
  minimal: { path: CHAT, body },
  gateway: { path: CHAT, body },
});
const ALL_SCENARIOS: Record<string, Scenario> = {
  json: { title: 'JSON chat completion', requests: same(BODIES.json) },
  sse: { title: 'SSE stream (20 events)', requests: same(BODIES.sse) },
  translated: {
    title:
      'SSE stream, Anthropic client translated to an OpenAI provider (direct/minimal: the same stream untranslated)',
    requests: { ...same(BODIES.sse), gateway: { path: '/v1/messages', body: BODIES.anthropic } },
  },
  large: { title: `JSON, ${Math.round(BODIES.large.length / 1024)} KB request body`, requests: same(BODIES.large) },
};
const SCENARIOS = (process.env.BENCH_SCENARIOS ?? Object.keys(ALL_SCENARIOS).join(',')).split(',');
for (const name of SCENARIOS) if (!ALL_SCENARIOS[name]) throw new Error(`BENCH_SCENARIOS: no scenario '${name}'`);

/** Hard limit on the whole run. */
const BUDGET_MS =
  ((SCENARIOS.length * TARGETS.length + WORKER_COUNTS.length) * (WARMUP_S + DURATION_S) + 60 + STARTUP_RUNS * 10) *
  1000;

/** One target's share of a load scenario: spreads are over its slices. */
interface TargetLoad {
  requestsPerSec: Spread;
  /** The proxy's CPU time per answered request, µs (none for direct). */
  cpuMicrosPerRequest: Spread | undefined;
  mockCpuMicrosPerRequest: Spread;
  p99Ms: Spread;
  requests: number;
  failures: number;
  /** Cores kept busy by everything else on the machine, worst slice. */
  otherCoresMax: number;
}

interface ScenarioResult {
  title: string;
  targets: Record<Target, TargetLoad>;
  /** Paired by round (the slices of one round ran back to back), then median and range. */
  ratios: {
    cpuGatewayOverMinimal: Spread;
    throughputGatewayOverDirect: Spread;
    throughputMinimalOverDirect: Spread;
    throughputGatewayOverMinimal: Spread;
  };
}

interface Summary {
  date: string;
  node: string;
  cpus: number;
  cpuModel: string;
  settings: Record<string, unknown>;
  load: Record<string, ScenarioResult>;
  ttfb: {
    direct: TtfbStats;
    minimal: TtfbStats;
    gateway: TtfbStats;
    medianDiffMs: number;
    /** Over the minimal proxy's. */
    medianDiffOverMinimalMs: number;
    routed: TtfbStats;
    routingDecisionMs: number;
    translated: TtfbStats;
    translationMs: number;
    /** `/v1/responses` streams: to the mock directly, via the gateway untranslated (OpenAI), and translated to Chat Completions. */
    responses: { direct: TtfbStats; native: TtfbStats; translated: TtfbStats; translationMs: number };
  };
  /** KB of RSS per open idle stream, over fresh processes. */
  idleStreamKb: { minimal: Spread; gateway: Spread; streams: number };
  startup: {
    gatewayMs: Spread;
    minimalMs: Spread;
    /** RSS 500 ms after ready, no request served yet. */
    gatewayIdleRssMb: Spread;
    minimalIdleRssMb: Spread;
  };
  workers: { workers: number; requestsPerSec: Spread; cpuMicrosPerRequest: Spread }[];
  gatewayPeakRssMb: number;
  cpuProfileTop: { fn: string; selfPercent: number }[] | undefined;
}

/** The gateway's environment: only these variables, so the developer's own keys cannot change what is measured. */
function gatewayEnv(mockPort: number, port: number, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const mock = `http://127.0.0.1:${mockPort}/v1`;
  return {
    PATH: process.env.PATH,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL,
    OPENAI_API_KEY: 'sk-bench',
    OPENAI_BASE_URL: mock,
    // A virtual model over two targets (both the mock), to time the routing decision itself.
    GROQ_API_KEY: 'gsk-bench',
    GROQ_BASE_URL: mock,
    ROUTES: JSON.stringify({ 'bench-route': ['openai/gpt-4o-mini', 'groq/gpt-4o-mini'] }),
    ROUTING_STRATEGY: 'least-latency',
    // A Chat-Completions-only provider (the same mock), for Responses clients translated to it.
    DEEPSEEK_API_KEY: 'sk-bench-deepseek',
    DEEPSEEK_BASE_URL: mock,
    ...extra,
  };
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

  // Fresh processes first, while nothing else of ours runs: spawn to the first 200 on /health,
  // idle RSS, then memory per open stream, gateway and minimal proxy in turn.
  log(
    `fresh processes: gateway and minimal proxy, ${STARTUP_RUNS} spawns each, in turn, ${IDLE_STREAMS} idle streams each`,
  );
  const { startup, idleStreamKb } = await measureFresh(mockPort);
  if (FRESH_ONLY) {
    await stopChild(mock, 2_000);
    console.log(['', ...freshLines({ startup, idleStreamKb })].join('\n'));
    return;
  }

  const minimal = spawnNode([join(ROOT, 'bench', 'minimal-proxy.mjs'), `http://127.0.0.1:${mockPort}`], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const minimalPort = Number(await firstLine(minimal, 10_000));

  const gatewayPort = await freePort();
  const gatewayLog = openSync(join(RESULTS, 'gateway.log'), 'w');
  rmSync(PROFILES, { recursive: true, force: true });
  const gateway = spawnNode(
    [
      ...NODE_ARGS,
      ...(CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${PROFILES}`] : []),
      join(ROOT, 'dist', 'switchyard.mjs'),
    ],
    // A directory without a .env file.
    { cwd: RESULTS, env: gatewayEnv(mockPort, gatewayPort), stdio: ['ignore', gatewayLog, gatewayLog] },
  );
  await waitFor200(`http://127.0.0.1:${gatewayPort}/health`, gateway, 10_000);

  const ports: Record<Target, number> = { direct: mockPort, minimal: minimalPort, gateway: gatewayPort };
  const procs: Record<Target, ChildProcess | undefined> = { direct: undefined, minimal, gateway };
  await checkSameAnswers(ports);

  const load: Record<string, ScenarioResult> = {};
  for (const name of SCENARIOS) {
    const scenario = ALL_SCENARIOS[name] as Scenario;
    log(
      `load: ${name}, ${CONNECTIONS} connections, ${WARMUP_S} s warm-up + ${ROUNDS} × ${DURATION_S / ROUNDS} s per target`,
    );
    load[name] = await compareLoad(scenario, ports, procs, mock);
  }

  log(`TTFB: ${TTFB_REQUESTS} sequential SSE requests per target (after ${TTFB_WARMUP} warm-up)`);
  const url = (target: Target, path = CHAT) => `http://127.0.0.1:${ports[target]}${path}`;
  const responsesBody = (model: string) =>
    JSON.stringify({ model, instructions: system?.content, input: turns, max_output_tokens: 128, stream: true });
  const [
    ttfbDirect,
    ttfbMinimal,
    ttfbGateway,
    ttfbRouted,
    ttfbTranslated,
    responsesDirect,
    responsesNative,
    responsesTranslated,
  ] = (await measureTtfb(
    [
      { url: url('direct'), body: BODIES.sse },
      { url: url('minimal'), body: BODIES.sse },
      { url: url('gateway'), body: BODIES.sse },
      { url: url('gateway'), body: JSON.stringify({ ...JSON.parse(BODIES.sse), model: 'bench-route' }) },
      { url: url('gateway', '/v1/messages'), body: BODIES.anthropic },
      { url: url('direct', '/v1/responses'), body: responsesBody('gpt-4o-mini') },
      { url: url('gateway', '/v1/responses'), body: responsesBody('openai/gpt-4o-mini') },
      { url: url('gateway', '/v1/responses'), body: responsesBody('deepseek/gpt-4o-mini') },
    ],
    TTFB_REQUESTS,
    TTFB_WARMUP,
  )) as TtfbStats[] as [TtfbStats, TtfbStats, TtfbStats, TtfbStats, TtfbStats, TtfbStats, TtfbStats, TtfbStats];

  const gatewayPeakRssMb = peakRssMb(pid(gateway));
  if (!(await stopChild(gateway, 5_000))) log('the gateway did not stop within 5 s of SIGTERM: killed it');
  await stopChild(minimal, 2_000);
  closeSync(gatewayLog);

  const workers: Summary['workers'] = [];
  if (WORKER_COUNTS.length) {
    log(`workers: JSON load on the gateway with WORKERS=${WORKER_COUNTS.join(', ')}, in turn`);
    workers.push(...(await compareWorkers(mockPort, mock)));
  }
  await stopChild(mock, 2_000);

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
      nodeArgs: NODE_ARGS,
    },
    load,
    ttfb: {
      direct: ttfbDirect,
      minimal: ttfbMinimal,
      gateway: ttfbGateway,
      medianDiffMs: round(ttfbGateway.medianMs - ttfbDirect.medianMs, 3),
      medianDiffOverMinimalMs: round(ttfbGateway.medianMs - ttfbMinimal.medianMs, 3),
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
    idleStreamKb,
    startup,
    workers,
    gatewayPeakRssMb: round(gatewayPeakRssMb, 1),
    cpuProfileTop: CPU_PROF ? profileSummary() : undefined,
  };
  writeFileSync(join(RESULTS, 'latest.json'), `${JSON.stringify(summary, null, 2)}\n`);
  printReport(summary);
}

/**
 * All targets must give the same answer, or the comparison means nothing. Streams are compared
 * chunk by chunk, ignoring `"usage": null` (the gateway asks the upstream for usage, which then adds
 * that field to every chunk).
 */
async function checkSameAnswers(ports: Record<Target, number>): Promise<void> {
  const parse = (stream: boolean, text: string): unknown =>
    !stream
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
  for (const [stream, body] of [
    [false, BODIES.json],
    [true, BODIES.sse],
  ] as const) {
    const answers = await Promise.all(TARGETS.map((t) => post(`http://127.0.0.1:${ports[t]}${CHAT}`, body)));
    const [direct, ...others] = answers as [{ status: number; text: string }, ...{ status: number; text: string }[]];
    answers.forEach(({ status, text }, i) => {
      if (status !== 200)
        throw new Error(`${TARGETS[i]} answered ${status} (see bench/results/gateway.log): ${text.slice(0, 300)}`);
    });
    others.forEach(({ text }, i) => {
      if (!isDeepStrictEqual(parse(stream, direct.text), parse(stream, text)))
        throw new Error(`${TARGETS[i + 1]}: its answer differs from the upstream's`);
      if (stream && !text.endsWith('data: [DONE]\n\n'))
        throw new Error(`${TARGETS[i + 1]}: the stream does not end with [DONE]`);
    });
  }
}

interface Slice {
  requestsPerSec: number;
  cpuMicrosPerRequest: number;
  mockCpuMicrosPerRequest: number;
  p99Ms: number;
  requests: number;
  failures: number;
  otherCores: number;
}

/** One autocannon run of `seconds` against `url`, with the CPU each process used meanwhile. */
async function slice(
  url: string,
  body: string,
  seconds: number,
  proxy: ChildProcess | undefined,
  mock: ChildProcess,
): Promise<Slice> {
  const cpu = () => ({
    wall: performance.now() / 1000,
    self: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
    mock: treeCpuSeconds(pid(mock)),
    proxy: proxy ? treeCpuSeconds(pid(proxy)) : 0,
    machine: machineBusySeconds(),
  });
  const before = cpu();
  const result = await autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-client' },
    body,
    connections: CONNECTIONS,
    timeout: 10,
    duration: seconds,
  });
  const after = cpu();
  const failures = result.errors + result.non2xx;
  const ok = Math.max(1, result.requests.total - failures);
  const used = (key: keyof typeof before) => after[key] - before[key];
  return {
    requestsPerSec: ok / used('wall'),
    cpuMicrosPerRequest: (1e6 * used('proxy')) / ok,
    mockCpuMicrosPerRequest: (1e6 * used('mock')) / ok,
    p99Ms: result.latency.p99,
    requests: ok,
    failures,
    otherCores: Math.max(0, used('machine') - used('self') - used('mock') - used('proxy')) / used('wall'),
  };
}

/**
 * Loads the targets with the scenario's requests: a warm-up each, then ROUNDS rounds of one slice
 * per target, the order rotated each round, so that a machine whose speed drifts during the run (a
 * shared VM does) slows all alike.
 */
async function compareLoad(
  scenario: Scenario,
  ports: Record<Target, number>,
  procs: Record<Target, ChildProcess | undefined>,
  mock: ChildProcess,
): Promise<ScenarioResult> {
  const run = (target: Target, seconds: number) => {
    const { path, body } = scenario.requests[target];
    return slice(`http://127.0.0.1:${ports[target]}${path}`, body, seconds, procs[target], mock);
  };
  for (const target of TARGETS) await run(target, WARMUP_S);
  const slices: Record<Target, Slice[]> = { direct: [], minimal: [], gateway: [] };
  for (let r = 0; r < ROUNDS; r++)
    for (let i = 0; i < TARGETS.length; i++) {
      const target = TARGETS[(i + r) % TARGETS.length] as Target;
      slices[target].push(await run(target, DURATION_S / ROUNDS));
    }
  const paired = (f: (d: Slice, m: Slice, g: Slice) => number) =>
    spreadOf(slices.direct.map((d, r) => round(f(d, slices.minimal[r] as Slice, slices.gateway[r] as Slice), 3)));
  return {
    title: scenario.title,
    targets: {
      direct: targetLoad(slices.direct, false),
      minimal: targetLoad(slices.minimal, true),
      gateway: targetLoad(slices.gateway, true),
    },
    ratios: {
      cpuGatewayOverMinimal: paired((_, m, g) => g.cpuMicrosPerRequest / m.cpuMicrosPerRequest),
      throughputGatewayOverDirect: paired((d, _, g) => g.requestsPerSec / d.requestsPerSec),
      throughputMinimalOverDirect: paired((d, m) => m.requestsPerSec / d.requestsPerSec),
      throughputGatewayOverMinimal: paired((_, m, g) => g.requestsPerSec / m.requestsPerSec),
    },
  };
}

function targetLoad(slices: Slice[], proxied: boolean): TargetLoad {
  const of = (key: keyof Slice, digits: number) => roundSpread(spreadOf(slices.map((s) => s[key])), digits);
  return {
    requestsPerSec: of('requestsPerSec', 0),
    cpuMicrosPerRequest: proxied ? of('cpuMicrosPerRequest', 1) : undefined,
    mockCpuMicrosPerRequest: of('mockCpuMicrosPerRequest', 1),
    p99Ms: of('p99Ms', 0),
    requests: slices.reduce((sum, s) => sum + s.requests, 0),
    failures: slices.reduce((sum, s) => sum + s.failures, 0),
    otherCoresMax: round(Math.max(...slices.map((s) => s.otherCores)), 2),
  };
}

/**
 * Each target in a fresh process, in turn: the time from spawn to its first 200 on /health, its
 * RSS once idle, then the growth of its RSS (workers included) while IDLE_STREAMS streams stay open
 * after their first event, over their number (after 50 streams opened and closed, so one-time
 * costs such as compiling the stream path are not counted as per-stream memory).
 */
async function measureFresh(mockPort: number): Promise<Pick<Summary, 'startup' | 'idleStreamKb'>> {
  const samples = {
    gatewayMs: [] as number[],
    minimalMs: [] as number[],
    gatewayRss: [] as number[],
    minimalRss: [] as number[],
    gatewayKb: [] as number[],
    minimalKb: [] as number[],
  };
  const holdBody = (model: string) => JSON.stringify({ model, messages, stream: true });
  for (let i = 0; i < STARTUP_RUNS; i++) {
    for (const which of ['gateway', 'minimal'] as const) {
      const port = await freePort();
      const { ms, child } = await spawnToReady(
        which === 'gateway'
          ? [...NODE_ARGS, join(ROOT, 'dist', 'switchyard.mjs')]
          : [join(ROOT, 'bench', 'minimal-proxy.mjs'), `http://127.0.0.1:${mockPort}`],
        `http://127.0.0.1:${port}/health`,
        which === 'gateway' ? gatewayEnv(mockPort, port) : { PATH: process.env.PATH, PORT: String(port) },
        RESULTS,
      );
      await new Promise((r) => setTimeout(r, 500));
      samples[`${which}Ms`].push(ms);
      samples[`${which}Rss`].push(treeRssMb(pid(child)));
      const body = holdBody(which === 'gateway' ? 'openai/bench-hold' : 'bench-hold');
      for (const socket of await openStreams(port, CHAT, body, 50)) socket.destroy();
      await new Promise((r) => setTimeout(r, 300));
      const before = treeRssMb(pid(child));
      const sockets = await openStreams(port, CHAT, body, IDLE_STREAMS);
      await new Promise((r) => setTimeout(r, 500));
      samples[`${which}Kb`].push(((treeRssMb(pid(child)) - before) * 1024) / IDLE_STREAMS);
      for (const socket of sockets) socket.destroy();
      await stopChild(child, 2_000);
    }
  }
  return {
    startup: {
      gatewayMs: roundSpread(spreadOf(samples.gatewayMs), 0),
      minimalMs: roundSpread(spreadOf(samples.minimalMs), 0),
      gatewayIdleRssMb: roundSpread(spreadOf(samples.gatewayRss), 1),
      minimalIdleRssMb: roundSpread(spreadOf(samples.minimalRss), 1),
    },
    idleStreamKb: {
      gateway: roundSpread(spreadOf(samples.gatewayKb), 1),
      minimal: roundSpread(spreadOf(samples.minimalKb), 1),
      streams: IDLE_STREAMS,
    },
  };
}

/** JSON load on gateways started with each WORKERS count, in turn: throughput and CPU per request (all workers). */
async function compareWorkers(mockPort: number, mock: ChildProcess): Promise<Summary['workers']> {
  const gateways = new Map<number, { child: ChildProcess; port: number }>();
  for (const workers of WORKER_COUNTS) {
    const port = await freePort();
    const child = spawnNode([...NODE_ARGS, join(ROOT, 'dist', 'switchyard.mjs')], {
      cwd: RESULTS,
      env: gatewayEnv(mockPort, port, { WORKERS: String(workers) }),
      stdio: 'ignore',
    });
    await waitFor200(`http://127.0.0.1:${port}/health`, child, 10_000);
    gateways.set(workers, { child, port });
  }
  const run = (workers: number, seconds: number) => {
    const { child, port } = gateways.get(workers) as { child: ChildProcess; port: number };
    return slice(`http://127.0.0.1:${port}${CHAT}`, BODIES.json, seconds, child, mock);
  };
  for (const workers of WORKER_COUNTS) await run(workers, WARMUP_S);
  const slices = new Map(WORKER_COUNTS.map((w) => [w, [] as Slice[]]));
  for (let r = 0; r < ROUNDS; r++)
    for (let i = 0; i < WORKER_COUNTS.length; i++) {
      const workers = WORKER_COUNTS[(i + r) % WORKER_COUNTS.length] as number;
      slices.get(workers)?.push(await run(workers, DURATION_S / ROUNDS));
    }
  for (const { child } of gateways.values()) await stopChild(child, 5_000);
  return WORKER_COUNTS.map((workers) => {
    const s = slices.get(workers) as Slice[];
    return {
      workers,
      requestsPerSec: roundSpread(spreadOf(s.map((x) => x.requestsPerSec)), 0),
      cpuMicrosPerRequest: roundSpread(spreadOf(s.map((x) => x.cpuMicrosPerRequest)), 1),
    };
  });
}

function profileSummary(): { fn: string; selfPercent: number }[] {
  const file = readdirSync(PROFILES).find((name) => name.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile in ${PROFILES}`);
  return topSelfTime(join(PROFILES, file), 15).map(({ fn, selfPercent }) => ({
    fn,
    selfPercent: round(selfPercent, 1),
  }));
}

const show = (s: Spread, digits: number, unit = '') =>
  `${s.median.toFixed(digits)}${unit} [${s.min.toFixed(digits)}–${s.max.toFixed(digits)}]`;
const showPct = (s: Spread) => `${pct(s.median)} [${pct(s.min)}–${pct(s.max)}]`;

function freshLines(s: Pick<Summary, 'startup' | 'idleStreamKb'>): string[] {
  return [
    `Fresh processes, ${STARTUP_RUNS} each, in turn:`,
    `Memory per open idle stream (${s.idleStreamKb.streams} at once, RSS growth / streams): gateway ${show(s.idleStreamKb.gateway, 1, ' KB')}, minimal proxy ${show(s.idleStreamKb.minimal, 1, ' KB')}`,
    `Spawn to first 200 on /health: gateway ${show(s.startup.gatewayMs, 0, ' ms')}, minimal proxy ${show(s.startup.minimalMs, 0, ' ms')}`,
    `Idle RSS 0.5 s after ready: gateway ${show(s.startup.gatewayIdleRssMb, 1, ' MB')}, minimal proxy ${show(s.startup.minimalIdleRssMb, 1, ' MB')}`,
  ];
}

function printReport(s: Summary): void {
  const out: string[] = [];
  out.push('', `Switchyard overhead — ${s.date}, Node ${s.node}, ${s.cpus} CPUs (${s.cpuModel})`);
  out.push(
    `${CONNECTIONS} connections; per target ${WARMUP_S} s warm-up, then ${DURATION_S} s in ${ROUNDS} slices taken in turn with the other targets.`,
    `Figures are median [min–max] over the slices; ratios are paired by round. The gateway logs at LOG_LEVEL=${LOG_LEVEL} (bench/results/gateway.log).`,
    "CPU µs/req: the process's own CPU time (all threads and workers) over the requests answered.",
    '',
  );
  for (const [name, r] of Object.entries(s.load)) {
    out.push(`${name}: ${r.title}`);
    const rows: string[][] = [['', 'req/s', 'CPU µs/req', 'mock CPU µs/req', 'p99 ms', 'failed']];
    for (const target of TARGETS) {
      const t = r.targets[target];
      rows.push([
        `  ${target === 'direct' ? 'direct' : target === 'minimal' ? 'minimal proxy' : 'gateway'}`,
        show(t.requestsPerSec, 0),
        t.cpuMicrosPerRequest ? show(t.cpuMicrosPerRequest, 1) : '-',
        show(t.mockCpuMicrosPerRequest, 1),
        show(t.p99Ms, 0),
        String(t.failures),
      ]);
    }
    out.push(...table(rows));
    out.push(
      `  gateway CPU/req ÷ minimal proxy's: ${show(r.ratios.cpuGatewayOverMinimal, 2, '×')}`,
      `  throughput gateway/direct ${showPct(r.ratios.throughputGatewayOverDirect)}, minimal/direct ${showPct(r.ratios.throughputMinimalOverDirect)}, gateway/minimal ${showPct(r.ratios.throughputGatewayOverMinimal)}`,
      '',
    );
  }
  const t = s.ttfb;
  out.push(
    ...table([
      [`TTFB, SSE, sequential (${t.direct.samples} each)`, 'median ms', 'p99 ms'],
      ['direct', t.direct.medianMs.toFixed(3), t.direct.p99Ms.toFixed(3)],
      ['minimal proxy', t.minimal.medianMs.toFixed(3), t.minimal.p99Ms.toFixed(3)],
      ['via gateway', t.gateway.medianMs.toFixed(3), t.gateway.p99Ms.toFixed(3)],
      ['gateway − direct', signed(t.medianDiffMs, 3), signed(t.gateway.p99Ms - t.direct.p99Ms, 3)],
      ['gateway − minimal proxy', signed(t.medianDiffOverMinimalMs, 3), signed(t.gateway.p99Ms - t.minimal.p99Ms, 3)],
      [
        'via gateway, virtual model (2 targets, least-latency)',
        t.routed.medianMs.toFixed(3),
        t.routed.p99Ms.toFixed(3),
      ],
      [
        'routing decision (virtual vs plain)',
        signed(t.routingDecisionMs, 3),
        signed(t.routed.p99Ms - t.gateway.p99Ms, 3),
      ],
      [
        'via gateway, translated (Anthropic client → OpenAI-format provider)',
        t.translated.medianMs.toFixed(3),
        t.translated.p99Ms.toFixed(3),
      ],
      [
        'translation (translated vs plain)',
        signed(t.translationMs, 3),
        signed(t.translated.p99Ms - t.gateway.p99Ms, 3),
      ],
      ['Responses API stream, direct', t.responses.direct.medianMs.toFixed(3), t.responses.direct.p99Ms.toFixed(3)],
      [
        'via gateway, untranslated (OpenAI)',
        t.responses.native.medianMs.toFixed(3),
        t.responses.native.p99Ms.toFixed(3),
      ],
      [
        'via gateway, translated (→ Chat Completions provider)',
        t.responses.translated.medianMs.toFixed(3),
        t.responses.translated.p99Ms.toFixed(3),
      ],
      [
        'Responses translation (translated vs untranslated)',
        signed(t.responses.translationMs, 3),
        signed(t.responses.translated.p99Ms - t.responses.native.p99Ms, 3),
      ],
    ]),
  );
  out.push('', ...freshLines(s), `Gateway peak RSS (VmHWM) after all load: ${s.gatewayPeakRssMb.toFixed(1)} MB`);
  if (s.workers.length) {
    out.push('', 'Workers (WORKERS=N), JSON load, in turn:');
    out.push(
      ...table([
        ['', 'req/s', 'CPU µs/req (all processes)'],
        ...s.workers.map((w) => [`  ${w.workers}`, show(w.requestsPerSec, 0), show(w.cpuMicrosPerRequest, 1)]),
      ]),
    );
  }

  const warnings: string[] = [];
  for (const [name, r] of Object.entries(s.load))
    for (const target of TARGETS) {
      const { failures, otherCoresMax } = r.targets[target];
      if (failures > 0) warnings.push(`${name} ${target}: ${failures} failed requests (see bench/results/gateway.log)`);
      if (otherCoresMax > OTHER_LOAD_LIMIT)
        warnings.push(
          `${name} ${target}: other work kept up to ${otherCoresMax.toFixed(2)} cores busy during a slice: its numbers are noisy`,
        );
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
    "p99 is autocannon's (whole ms). TTFB is timed with performance.now() from sending to the first body chunk.",
    'JSON summary: bench/results/latest.json',
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
const roundSpread = (s: Spread, digits: number): Spread => ({
  median: round(s.median, digits),
  min: round(s.min, digits),
  max: round(s.max, digits),
});
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
