// Bundles the gateway into one self-contained ESM file, dist/gateway.mjs (dependencies and model
// catalog included), run by the short entry dist/switchyard.mjs, so that `node -- dist/switchyard.mjs`
// needs no TypeScript tooling at run time and starts fast.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';
import { builtinsThroughRequire, shared } from './esbuild-options.mjs';
import { writeThirdPartyLicenses } from './third-party-licenses.mjs';

const started = performance.now();
const OUT = 'dist/switchyard.mjs';
const GATEWAY = 'dist/gateway.mjs';
const { metafile, outputFiles } = await build({
  ...shared,
  outfile: GATEWAY,
  target: 'node22',
  format: 'esm',
  metafile: true,
  write: false,
  plugins: [...shared.plugins, builtinsThroughRequire],
  // CommonJS dependencies (pino) call require() for Node built-ins; give the ESM bundle one.
  banner: { js: "const require = process.getBuiltinModule('node:module').createRequire(import.meta.url);" },
});
// write: false leaves the folder to us: a fresh clone has none.
mkdirSync('dist', { recursive: true });
writeFileSync(GATEWAY, outputFiles[0].text);
writeFileSync(OUT, entryPoint());
// Executable, so the shebang runs it as `switchyard` (npm does this for installed bins too).
chmodSync(OUT, 0o755);
const packages = writeThirdPartyLicenses(metafile, 'dist/THIRD_PARTY_LICENSES');
console.log(
  `built ${OUT} and ${GATEWAY} (${packages} npm packages inside, listed in dist/THIRD_PARTY_LICENSES) in ${Math.round(performance.now() - started)} ms`,
);

/**
 * The file npm's bin, the Docker image and `npm start` run: it turns on Node's compile cache, then
 * imports the gateway (dist/gateway.mjs, beside it). A module is compiled before its first line
 * runs, so `module.enableCompileCache()` serves only code loaded after the call (it saved about
 * 90 ms of CPU per start in bench/startup.ts). The cache lives where Node puts it
 * (NODE_COMPILE_CACHE, else node-compile-cache under the OS temporary directory);
 * NODE_DISABLE_COMPILE_CACHE=1 turns it off, and a directory that cannot be written only means
 * no cache. (The gateway used to be a string literal in this file: V8 then held its 3.9 MB of
 * source twice, as this file's and as the gateway's, and scanned the literal at every start:
 * 6 MB of idle RSS and 50 ms of CPU to ready more than a file of its own, docs/performance.md.)
 *
 * Shebang: `node --`: Node reads `--env-file` anywhere on its command line, even after the
 * script, and would take the gateway's own `--env-file` (exit 9); after `--` it leaves the
 * arguments alone. --max-semi-space-size=8: a young generation capped at 8 MB cut peak RSS under
 * load from 329 to 254 MB in `npm run bench`, with no CPU per request difference beyond noise.
 */
function entryPoint() {
  const required = JSON.parse(readFileSync('package.json', 'utf8')).engines.node.replace(/^>=\s*/, '');
  return `#!/usr/bin/env -S node --max-semi-space-size=8 --
// Switchyard: turns on Node's compile cache, then runs the gateway (./gateway.mjs; scripts/build.mjs).
const [major, minor] = process.versions.node.split('.').map(Number);
const [needMajor, needMinor] = ${JSON.stringify(required)}.split('.').map(Number);
if (major < needMajor || (major === needMajor && minor < needMinor)) {
  process.stderr.write(\`switchyard needs Node.js ${required} or newer; this is Node.js \${process.versions.node}\\n\`);
  process.exit(1);
}
const nodeModule = process.getBuiltinModule('node:module');
try {
  nodeModule.enableCompileCache();
} catch {}
await import('./gateway.mjs');
// Written now rather than at exit, so a start that is killed still leaves its cache behind.
nodeModule.flushCompileCache?.();
`;
}
