// `npx tsx bench/soak.ts`: a soak for leaks (not CI). 100k requests (SOAK_REQUESTS) through the
// built gateway (dist/switchyard.mjs, its own process) to a mock provider on loopback: JSON answers,
// streams, provider resets and client hang-ups mixed. Prints the gateway's RSS and V8 heap every
// 10k requests, the RSS growth per 10k after the first 10k (warm-up) and over the second half, and
// how each kind of request ended.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';

const TOTAL = Number(process.env.SOAK_REQUESTS ?? 100_000);
const CONCURRENCY = 32;
const ROOT = join(import.meta.dirname, '..');

const completion = JSON.stringify({
  id: 'c',
  object: 'chat.completion',
  model: 'gpt-4o-mini',
  choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
});
const chunk = (content: string) =>
  `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content } }] })}\n\n`;

const mock = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const kind = req.headers['x-soak'];
    if (kind === 'reset') return void res.socket?.destroy();
    if (kind === 'stream' || kind === 'hangup') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chunk('a'));
      res.write(chunk('b'));
      return void res.end('data: [DONE]\n\n');
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(completion) });
    res.end(completion);
  });
});
await new Promise<void>((resolve) => mock.listen(0, '127.0.0.1', resolve));
const mockPort = (mock.address() as AddressInfo).port;

const gatewayPort = 20_000 + Math.floor(Math.random() * 20_000);
// Its own working directory: the request log store (./data) must not land in the repository.
const cwd = mkdtempSync(join(tmpdir(), 'switchyard-soak-'));
const gateway = spawn(process.execPath, [join(ROOT, 'dist/switchyard.mjs')], {
  cwd,
  env: {
    PATH: process.env.PATH,
    PORT: String(gatewayPort),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    OPENAI_API_KEY: 'sk-soak',
    OPENAI_BASE_URL: `http://127.0.0.1:${mockPort}/v1`,
    MAX_RETRIES: '0',
  },
  stdio: ['ignore', 'ignore', 'inherit'],
});
/** The gateway's V8 heap in use, from its own /metrics: tells a leak from memory the allocator keeps. */
const heapMb = async () => {
  const text = await fetch(`http://127.0.0.1:${gatewayPort}/metrics`).then((r) => r.text());
  return Number(text.match(/^nodejs_heap_size_used_bytes (\S+)$/m)?.[1] ?? 0) / 1024 / 1024;
};
const rssMb = () => {
  const line = readFileSync(`/proc/${gateway.pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/);
  return Number(line?.[1] ?? 0) / 1024;
};

// Bounded waits: a request the gateway never answers shows up as a counted error, not a stalled soak.
const dispatcher = new Agent({
  connections: CONCURRENCY,
  keepAliveTimeout: 10_000,
  headersTimeout: 10_000,
  bodyTimeout: 10_000,
});
const url = `http://127.0.0.1:${gatewayPort}/v1/chat/completions`;
for (;;) {
  try {
    await request(`http://127.0.0.1:${gatewayPort}/health`, { dispatcher }).then((r) => r.body.dump());
    break;
  } catch {
    await new Promise((r) => setTimeout(r, 50));
  }
}

const KINDS = ['json', 'json', 'json', 'stream', 'stream', 'reset', 'hangup'] as const;
let sent = 0;
const samples: number[] = [rssMb()];
const outcomes = new Map<string, number>();
const count = (outcome: string) => outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
const started = performance.now();
async function worker(): Promise<void> {
  while (sent < TOTAL) {
    const n = sent++;
    const kind = KINDS[n % KINDS.length] as string;
    const body = JSON.stringify({
      model: 'gpt-4o-mini',
      stream: kind === 'stream' || kind === 'hangup',
      messages: [{ role: 'user', content: `hi ${n}` }],
    });
    const abort = new AbortController();
    try {
      const response = await request(url, {
        method: 'POST',
        dispatcher,
        headers: { 'content-type': 'application/json', 'x-soak': kind },
        body,
        signal: abort.signal,
      });
      if (kind === 'hangup') abort.abort();
      else await response.body.dump();
      count(`${kind} ${response.statusCode}`);
    } catch (error) {
      // hang-ups end this way; anything else is counted and printed at the end
      count(`${kind} ${(error as Error).name === 'AbortError' ? 'hung up' : (error as { code?: string }).code}`);
    }
    if ((n + 1) % 10_000 === 0) {
      samples.push(rssMb());
      const elapsed = ((performance.now() - started) / 1000).toFixed(0);
      console.log(
        `${n + 1} requests (${elapsed} s): gateway RSS ${samples.at(-1)?.toFixed(1)} MB, heap used ${(await heapMb()).toFixed(1)} MB`,
      );
    }
  }
}
await Promise.all(Array.from({ length: CONCURRENCY }, worker));
const seconds = (performance.now() - started) / 1000;
const steady = samples.slice(1);
const growth = (from: number[]) =>
  from.length > 1 ? ((from.at(-1) as number) - (from[0] as number)) / (from.length - 1) : 0;
// RSS climbs until the heap reaches its working size; a leak keeps climbing in the second half too.
const secondHalf = steady.slice(Math.floor(steady.length / 2));
console.log(
  `${TOTAL} requests in ${seconds.toFixed(0)} s; RSS after warm-up ${steady[0]?.toFixed(1)} MB → ${steady.at(-1)?.toFixed(1)} MB: ` +
    `${growth(steady).toFixed(2)} MB per 10k requests, ${growth(secondHalf).toFixed(2)} MB per 10k over the second half`,
);
console.log([...outcomes].map(([outcome, n]) => `${outcome}: ${n}`).join(', '));
gateway.kill('SIGTERM');
await dispatcher.close();
mock.close();
rmSync(cwd, { recursive: true, force: true });
