// Helpers for bench/run.ts: child processes, readiness, sequential time-to-first-byte, stats.
import { type ChildProcess, type StdioOptions, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { Client } from 'undici';

const children = new Set<ChildProcess>();

/** A positive whole number from the environment (a bench setting), or `fallback` when unset. */
export const envInt = (name: string, fallback: number): number => {
  const value = Number(process.env[name] || fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive whole number`);
  return value;
};

/** Starts `node ...args` as a child that is killed when this process exits, however it exits. */
export function spawnNode(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; stdio: StdioOptions; cwd: string },
): ChildProcess {
  const child = spawn(process.execPath, args, options);
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Kills every child still running (synchronous, so it can run in an 'exit' handler). */
export function killChildren(): void {
  for (const child of children) child.kill('SIGKILL');
}

/** Asks a child to stop (SIGTERM), then kills it if it has not exited within `graceMs`. Resolves false if it had to. */
export async function stopChild(child: ChildProcess, graceMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return true;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  let killed = false;
  const timer = setTimeout(() => (killed = child.kill('SIGKILL')), graceMs);
  await exited;
  clearTimeout(timer);
  return !killed;
}

/** Resolves with the first line a child prints on stdout. */
export function firstLine(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`no output from child within ${timeoutMs} ms`)), timeoutMs);
    child.once('exit', (code) => reject(new Error(`child exited (code ${code}) before printing a line`)));
    child.stdout?.setEncoding('utf8').on('data', (data: string) => {
      text += data;
      const eol = text.indexOf('\n');
      if (eol < 0) return;
      clearTimeout(timer);
      resolve(text.slice(0, eol).trim());
    });
  });
}

/** A port nobody listens on right now (the OS picks it). */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('could not get a free port');
  return address.port;
}

/** Polls `url` until it answers 200; gives up if `server` exits first. */
export async function waitFor200(url: string, server: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (server.exitCode !== null || server.signalCode !== null)
      throw new Error(`the server for ${url} exited (${server.exitCode ?? server.signalCode}); see its log`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** POSTs a JSON body and returns the status and the whole response body as text. */
export async function post(url: string, body: string): Promise<{ status: number; text: string }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return { status: response.status, text: await response.text() };
}

/** Peak resident set size (VmHWM) of a live process, in MB. */
export function peakRssMb(pid: number): number {
  const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match?.[1]) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(match[1]) / 1024;
}

/** Resident set size (VmRSS) of a live process, in MB. */
export function rssMb(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match?.[1]) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]) / 1024;
}

/** Fields of /proc/<pid>/stat after the parenthesised command name (field 3 onwards), or undefined once gone. */
function statFields(pid: number | string): string[] | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** CPU time (user + system, all threads) a live process has used so far, in seconds. */
export function cpuSeconds(pid: number): number {
  const fields = statFields(pid);
  if (!fields) throw new Error(`process ${pid} is gone`);
  // utime and stime are fields 14 and 15, in clock ticks of 1/100 s (USER_HZ on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The live processes below `pid` (cluster workers), by walking /proc's parent ids. */
export function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(entry);
    if (fields) parentOf.set(Number(entry), Number(fields[1]));
  }
  const found: number[] = [];
  const walk = (parent: number) => {
    for (const [child, ppid] of parentOf) {
      if (ppid !== parent) continue;
      found.push(child);
      walk(child);
    }
  };
  walk(pid);
  return found;
}

/**
 * CPU time used so far by a process and the processes below it, in seconds. A worker that exited
 * takes its time with it (until reaped): fine for a measure that runs while all of them live.
 */
export function treeCpuSeconds(pid: number): number {
  let total = cpuSeconds(pid);
  for (const child of descendants(pid)) {
    const fields = statFields(child);
    if (fields) total += (Number(fields[11]) + Number(fields[12])) / 100;
  }
  return total;
}

/** RSS of a process and the processes below it, in MB. */
export function treeRssMb(pid: number): number {
  return [pid, ...descendants(pid)].reduce((sum, p) => sum + rssMb(p), 0);
}

/** CPU time the whole machine has been busy so far, all cores and all processes, in seconds. */
export function machineBusySeconds(): number {
  // user nice system idle iowait irq softirq steal, in 1/100 s; steal is time the hypervisor gave to others.
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = readFileSync('/proc/stat', 'utf8')
    .split('\n', 1)[0]!
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  return (user + nice + system + irq + softirq + steal) / 100;
}

/** The p-th percentile (0..100) of ascending values, nearest-rank. */
export function percentile(sorted: readonly number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

export interface TtfbStats {
  medianMs: number;
  p99Ms: number;
  samples: number;
}

/**
 * Time to first byte, one request at a time over one keep-alive connection per target: from just
 * before the request is sent until the first body chunk arrives. Targets are measured in turn,
 * request by request, so that any drift of the machine affects them alike. The first `warmup`
 * rounds are discarded.
 */
export async function measureTtfb(
  requests: readonly { url: string; body: string }[],
  rounds: number,
  warmup: number,
): Promise<TtfbStats[]> {
  const targets = requests.map(({ url, body }) => ({
    url: new URL(url),
    body,
    client: new Client(new URL(url).origin),
    samples: [] as number[],
  }));
  try {
    for (let round = 0; round < warmup + rounds; round++) {
      for (const target of targets) {
        const started = performance.now();
        const response = await target.client.request({
          method: 'POST',
          path: target.url.pathname,
          headers: { 'content-type': 'application/json' },
          body: target.body,
        });
        let firstByteAt: number | undefined;
        for await (const _chunk of response.body) firstByteAt ??= performance.now();
        if (response.statusCode !== 200 || firstByteAt === undefined)
          throw new Error(`TTFB: ${target.url} answered ${response.statusCode}`);
        if (round >= warmup) target.samples.push(firstByteAt - started);
      }
    }
  } finally {
    await Promise.all(targets.map((target) => target.client.close()));
  }
  return targets.map(({ samples }) => {
    const sorted = samples.sort((a, b) => a - b);
    return { medianMs: percentile(sorted, 50), p99Ms: percentile(sorted, 99), samples: sorted.length };
  });
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }[];
  samples: number[];
  timeDeltas: number[];
}

/** The functions with the most self time in a V8 .cpuprofile, with their share of the non-idle time. */
export function topSelfTime(file: string, count: number): { fn: string; selfPercent: number }[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const labelOf = new Map<number, string>();
  for (const { id, callFrame } of profile.nodes) {
    const where = callFrame.url ? ` ${callFrame.url.replace(/^file:\/\/.*\//, '')}:${callFrame.lineNumber + 1}` : '';
    labelOf.set(id, `${callFrame.functionName || '(anonymous)'}${where}`);
  }
  const self = new Map<string, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const label = labelOf.get(profile.samples[i] ?? -1) ?? '?';
    if (label === '(idle)') continue; // shares are of the time the gateway was busy
    self.set(label, (self.get(label) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([fn, time]) => ({ fn, selfPercent: (100 * time) / total }));
}

/** Median and range of some samples. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

export function spreadOf(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: percentile(sorted, 50), min: sorted[0] ?? Number.NaN, max: sorted.at(-1) ?? Number.NaN };
}

/**
 * Opens `count` streams to a server, one raw connection each, and resolves once every one has
 * received its first bytes; the caller destroys the sockets. Raw sockets, so the load generator's
 * own memory stays out of the way.
 */
export async function openStreams(port: number, path: string, body: string, count: number): Promise<Socket[]> {
  const head =
    `POST ${path} HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\ncontent-type: application/json\r\n` +
    `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  const sockets: Socket[] = [];
  const opened: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const socket = connect(port, '127.0.0.1');
    sockets.push(socket);
    opened.push(
      new Promise((resolve, reject) => {
        socket.once('data', (data: Buffer) =>
          data.toString('latin1').startsWith('HTTP/1.1 200') ? resolve() : reject(new Error(`stream ${i}: ${data}`)),
        );
        socket.once('error', reject);
      }),
    );
    socket.write(head);
    // A few at a time: a burst of thousands of connects overflows the listen backlog.
    if (i % 50 === 49) await Promise.all(opened.slice(-50));
  }
  await Promise.all(opened);
  return sockets;
}

/** Spawns `node ...args` and times it from spawn to its first 200 on `url` (polled every 2 ms). */
export async function spawnToReady(
  args: string[],
  url: string,
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<{ ms: number; child: ChildProcess }> {
  const started = performance.now();
  const child = spawnNode(args, { env, cwd, stdio: 'ignore' });
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${args.join(' ')} exited (${child.exitCode}) before it was ready`);
    const ok = await fetch(url).then(
      (r) => r.arrayBuffer().then(() => r.status === 200),
      () => false,
    );
    if (ok) return { ms: performance.now() - started, child };
    if (performance.now() - started > 10_000) throw new Error(`${url} not ready within 10 s`);
    await new Promise((r) => setTimeout(r, 2));
  }
}
