// Bundles the gateway into one self-contained ESM file (dependencies included) so that
// `npm start` needs no TypeScript tooling at run time and starts fast.
import { build } from 'esbuild';

const started = performance.now();
await build({
  entryPoints: ['src/main.ts'],
  outfile: 'dist/switchyard.mjs',
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
  // CommonJS dependencies (pino) call require() for Node built-ins; give the ESM bundle one.
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);",
  },
});
console.log(`built dist/switchyard.mjs in ${Math.round(performance.now() - started)} ms`);
