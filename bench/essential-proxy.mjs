// The least the gateway's always-on work can cost: the minimal proxy (bench/minimal-proxy.mjs) plus,
// done the cheapest way we know, what issue 21's target counts as on ("logging, metrics and cost
// accounting"): the request's JSON read for its model, the provider's key added, the answer's usage
// read from its tail and priced, one JSON log line per request (written once per event-loop turn),
// metrics in plain arrays, and one row in a SQLite request log (batched every 200 ms, as the
// gateway's). Nothing else: no routing, limits, retries, fallback, translation checks or response
// headers beyond x-request-id. It takes the gateway's own variables (PORT, HOST, OPENAI_BASE_URL,
// OPENAI_API_KEY), so `bench/compare.ts` runs it as it runs a gateway bundle:
//
//   npx tsx bench/compare.ts bench/minimal-proxy.mjs bench/essential-proxy.mjs
//
// Plain JavaScript, like the minimal proxy. node:sqlite needs Node 22.5 or later.
import { mkdtempSync, rmSync, writeSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { Pool } from 'undici';

const base = new URL(process.env.OPENAI_BASE_URL ?? 'http://127.0.0.1:1/v1');
const key = process.env.OPENAI_API_KEY ?? '';
// Requests come to /v1/…; the provider's base URL says where its /v1 is.
const basePath = base.pathname.replace(/\/$/, '');
const pool = new Pool(base.origin, { keepAliveTimeout: 30_000 });

// The log: lines gathered during one turn of the event loop, then one write.
let lines = '';
const flushLines = () => {
  writeSync(1, lines);
  lines = '';
};

// Metrics: per label set, a request counter, token and cost sums and a 16-bucket latency histogram.
const series = new Map();

// The request log: 30 columns and two indexes, as the gateway's table has.
const dir = mkdtempSync(join(tmpdir(), 'essential-proxy-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const db = new DatabaseSync(join(dir, 'log.db'));
db.exec('PRAGMA journal_mode = WAL');
db.exec('PRAGMA synchronous = NORMAL');
const columns = Array.from({ length: 30 }, (_, i) => `c${i}`);
db.exec(`CREATE TABLE log (id INTEGER PRIMARY KEY, ${columns.join(', ')})`);
db.exec('CREATE INDEX log_time ON log (c0); CREATE INDEX log_request ON log (c1)');
const insert = db.prepare(`INSERT INTO log (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
let rows = [];
setInterval(() => {
  if (rows.length === 0) return;
  db.exec('BEGIN');
  for (const row of rows) insert.run(...row);
  db.exec('COMMIT');
  rows = [];
}, 200).unref();

// Usage as an OpenAI answer or stream's last events carry it.
const USAGE = /"prompt_tokens":\s*(\d+),\s*"completion_tokens":\s*(\d+)/;
const PRICE = { input: 0.15e-6, output: 0.6e-6 };
let counter = 0;

const server = createServer({ keepAliveTimeout: 65_000, noDelay: true }, (req, res) => {
  if (req.url === '/health') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  const started = performance.now();
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    let model = '';
    try {
      model = String(JSON.parse(body.toString('utf8')).model ?? '');
    } catch {
      return void res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid_json"}');
    }
    const id = `${Date.now().toString(36)}-${(counter++).toString(36)}`;
    const path = `${basePath}${(req.url ?? '/').replace(/^\/v1/, '')}`;
    pool
      .request({
        method: req.method,
        path,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body,
      })
      .then(
        ({ statusCode, headers, body: answer }) => {
          const type = headers['content-type'];
          res.writeHead(statusCode, {
            'content-type': typeof type === 'string' ? type : 'application/json',
            'x-request-id': id,
          });
          // The last two chunks: where a JSON answer or a stream puts its usage (joined once, at the end).
          let before;
          let last;
          answer.on('data', (chunk) => {
            before = last;
            last = chunk;
            res.write(chunk);
          });
          answer.on('end', () => {
            res.end();
            const tail = before && last ? Buffer.concat([before, last]) : (last ?? Buffer.alloc(0));
            finished(id, req, model, statusCode, started, body.length, tail);
          });
          answer.on('error', () => res.destroy());
          res.on('close', () => answer.destroy());
        },
        () => res.writeHead(502).end(),
      );
  });
});

function finished(id, req, model, status, started, bytesIn, tail) {
  const usage = USAGE.exec(tail.toString('latin1'));
  const input = usage ? Number(usage[1]) : 0;
  const output = usage ? Number(usage[2]) : 0;
  const cost = input * PRICE.input + output * PRICE.output;
  const ms = performance.now() - started;
  const label = `openai\u0000${model}\u0000${status}`;
  let s = series.get(label);
  if (!s) series.set(label, (s = { requests: 0, input: 0, output: 0, cost: 0, latency: new Float64Array(16) }));
  s.requests++;
  s.input += input;
  s.output += output;
  s.cost += cost;
  s.latency[Math.min(15, Math.max(0, Math.ceil(Math.log2(ms))))]++;
  if (lines === '') setImmediate(flushLines);
  lines += `{"level":"info","time":${Date.now()},"requestId":"${id}","method":"${req.method}","path":"${req.url}","provider":"openai","model":${JSON.stringify(model)},"status":${status},"inputTokens":${input},"outputTokens":${output},"costUsd":${cost},"latencyMs":${Math.round(ms * 10) / 10},"msg":"request"}\n`;
  rows.push([
    Date.now(),
    id,
    null,
    null,
    null,
    'openai',
    req.method,
    '/v1/chat/completions',
    req.url,
    'openai',
    model,
    'catalog',
    status,
    null,
    input,
    0,
    0,
    output,
    0,
    cost,
    ms,
    null,
    '[]',
    bytesIn,
    0,
    0,
    0,
    `{"x-request-id":"${id}"}`,
    null,
    null,
  ]);
}

server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1');
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
