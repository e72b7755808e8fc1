// The yardstick of `npm run bench`: the least a Node proxy can do, node:http in front of an undici
// Pool, no logging, no metrics, no parsing. `node bench/minimal-proxy.mjs <upstream origin>` prints
// its port (PORT, else one the OS picks) on stdout. It forwards method, path, body and content-type,
// streams the answer back as it arrives, and answers GET /health itself, so its start-up is timed
// like the gateway's. Plain JavaScript: Node's TypeScript stripping would add its own memory and
// start-up time.
import { createServer } from 'node:http';
import { Pool } from 'undici';

// Or, from the gateway's own variables, as bench/compare.ts starts a bundle: OPENAI_BASE_URL's origin.
const upstream = process.argv[2] ?? (process.env.OPENAI_BASE_URL && new URL(process.env.OPENAI_BASE_URL).origin);
if (!upstream) throw new Error('usage: minimal-proxy.mjs <upstream origin>');
// No connection cap: each open stream holds one upstream connection, as in the gateway.
const pool = new Pool(upstream, { keepAliveTimeout: 30_000 });

const server = createServer({ keepAliveTimeout: 65_000, noDelay: true }, (req, res) => {
  if (req.url === '/health') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    pool
      .request({
        method: req.method,
        path: req.url ?? '/',
        headers: { 'content-type': req.headers['content-type'] ?? 'application/json' },
        body: Buffer.concat(chunks),
      })
      .then(
        ({ statusCode, headers, body }) => {
          const type = headers['content-type'];
          res.writeHead(statusCode, typeof type === 'string' ? { 'content-type': type } : {});
          body.on('data', (chunk) => res.write(chunk));
          body.on('end', () => res.end());
          body.on('error', () => res.destroy());
          res.on('close', () => body.destroy());
        },
        () => res.writeHead(502).end(),
      );
  });
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
