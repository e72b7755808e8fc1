// Bundles the gateway into one self-contained ESM file (dependencies and model catalog included)
// so that `npm start` needs no TypeScript tooling at run time and starts fast.
import { build } from 'esbuild';
import { shared } from './esbuild-options.mjs';
import { writeThirdPartyLicenses } from './third-party-licenses.mjs';

const started = performance.now();
const { metafile } = await build({
  ...shared,
  outfile: 'dist/switchyard.mjs',
  target: 'node22',
  format: 'esm',
  metafile: true,
  // CommonJS dependencies (pino) call require() for Node built-ins; give the ESM bundle one.
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);",
  },
});
const packages = writeThirdPartyLicenses(metafile, 'dist/THIRD_PARTY_LICENSES');
console.log(
  `built dist/switchyard.mjs (${packages} npm packages inside, listed in dist/THIRD_PARTY_LICENSES) in ${Math.round(performance.now() - started)} ms`,
);
