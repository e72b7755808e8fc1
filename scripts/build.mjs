// Bundles the gateway into one self-contained ESM file (dependencies and model catalog included)
// so that `npm start` needs no TypeScript tooling at run time and starts fast.
import { build } from 'esbuild';
import { shared } from './esbuild-options.mjs';

const started = performance.now();
await build({
  ...shared,
  outfile: 'dist/switchyard.mjs',
  target: 'node22',
  format: 'esm',
  // CommonJS dependencies (pino) call require() for Node built-ins; give the ESM bundle one.
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);",
  },
});
console.log(`built dist/switchyard.mjs in ${Math.round(performance.now() - started)} ms`);
