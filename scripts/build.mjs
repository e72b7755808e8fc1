// Bundles the gateway into one self-contained ESM file (dependencies and model catalog included)
// so that `node -- dist/switchyard.mjs` needs no TypeScript tooling at run time and starts fast.
import { chmodSync } from 'node:fs';
import { build } from 'esbuild';
import { builtinsThroughRequire, shared } from './esbuild-options.mjs';
import { writeThirdPartyLicenses } from './third-party-licenses.mjs';

const started = performance.now();
const { metafile } = await build({
  ...shared,
  outfile: 'dist/switchyard.mjs',
  target: 'node22',
  format: 'esm',
  metafile: true,
  plugins: [...shared.plugins, builtinsThroughRequire],
  // `node --`: Node reads `--env-file` anywhere on its command line, even after the script, and
  // would take the gateway's own `--env-file` (exit 9); after `--` it leaves the arguments alone.
  // --max-semi-space-size=8: a young generation capped at 8 MB cut peak RSS under load from 329 to
  // 254 MB in `npm run bench`, with no CPU per request difference beyond the machine's noise.
  // CommonJS dependencies (pino) call require() for Node built-ins; give the ESM bundle one.
  banner: {
    js: "#!/usr/bin/env -S node --max-semi-space-size=8 --\nimport { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);",
  },
});
// Executable, so the shebang above runs it as `switchyard` (npm does this for installed bins too).
chmodSync('dist/switchyard.mjs', 0o755);
const packages = writeThirdPartyLicenses(metafile, 'dist/THIRD_PARTY_LICENSES');
console.log(
  `built dist/switchyard.mjs (${packages} npm packages inside, listed in dist/THIRD_PARTY_LICENSES) in ${Math.round(performance.now() - started)} ms`,
);
