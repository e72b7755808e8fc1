// Builds dist/switchyard: a Node.js single executable application (linux-x64) that runs with no
// Node installed. Steps: bundle the gateway as one CommonJS file (SEA entry points must be CJS on
// Node 24), turn it into a SEA blob, copy the running node binary and inject the blob (postject).
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { build } from 'esbuild';
import { shared } from './esbuild-options.mjs';

// The binary is the running node with the bundle injected: an older Node makes a broken binary.
const required = JSON.parse(readFileSync('package.json', 'utf8')).engines.node.replace(/^>=\s*/, '');
const older = (a, b) => {
  const [x, y] = [a, b].map((v) => v.split('.').map(Number));
  const i = x.findIndex((part, index) => part !== y[index]);
  return i >= 0 && x[i] < y[i];
};
if (older(process.versions.node, required)) {
  console.error(`build:binary needs Node.js ${required} or newer; this is Node.js ${process.versions.node}`);
  process.exit(1);
}

const WORK = 'dist/sea';
const BINARY = 'dist/switchyard';
const started = performance.now();

rmSync(WORK, { recursive: true, force: true });
mkdirSync(WORK, { recursive: true });
await build({ ...shared, outfile: `${WORK}/switchyard.cjs`, target: 'node24', format: 'cjs' });
writeFileSync(
  `${WORK}/sea-config.json`,
  JSON.stringify({
    main: `${WORK}/switchyard.cjs`,
    output: `${WORK}/sea-prep.blob`,
    disableExperimentalSEAWarning: true,
    useCodeCache: true,
  }),
);
execFileSync(process.execPath, ['--experimental-sea-config', `${WORK}/sea-config.json`], { stdio: 'inherit' });

rmSync(BINARY, { force: true });
copyFileSync(process.execPath, BINARY);
chmodSync(BINARY, 0o755);
execFileSync(
  process.execPath,
  [
    'node_modules/postject/dist/cli.js',
    BINARY,
    'NODE_SEA_BLOB',
    `${WORK}/sea-prep.blob`,
    '--sentinel-fuse',
    'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2',
  ],
  // postject's (LIEF's) warnings about note sections are noise; its errors surface through the exception.
  { stdio: 'pipe' },
);

const sizeMb = statSync(BINARY).size / 1024 / 1024;
console.log(
  `built ${BINARY} (${sizeMb.toFixed(1)} MB, Node ${process.versions.node}, linux-x64) in ${Math.round(performance.now() - started)} ms`,
);
console.log(`start-up: /health answers ${await timeToHealth(BINARY)} ms after launch`);

/** Launches the binary on a free loopback port and measures until /health answers 200. */
async function timeToHealth(file) {
  const port = await new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
  const launched = performance.now();
  const child = spawn(file, [], { env: { PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' }, stdio: 'ignore' });
  try {
    for (let i = 0; i < 1000; i++) {
      const ok = await fetch(`http://127.0.0.1:${port}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return Math.round(performance.now() - launched);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    throw new Error('the binary did not answer /health within 5 s');
  } finally {
    child.kill('SIGTERM');
  }
}
