// What both builds (the ESM bundle and the single executable's CommonJS bundle) share.
import { readFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { deflateRawSync } from 'node:zlib';
import { build } from 'esbuild';
import { buildUi } from './ui.mjs';

/**
 * esbuild inlines JSON imports as JavaScript object literals; V8 parses a 700 KB literal several
 * times slower than JSON.parse parses the same text (measured: about 35 ms more from launch to
 * listening). The model catalog is therefore embedded as text, parsed at start-up — compressed:
 * the bundle's source stays in memory for the process's life, and the catalog as a string literal
 * was 0.88 MB of it (plus the literal's own copy on the heap), as deflated base64 it is 54 KB. The
 * inflated text is garbage once parsed (inflating costs about 2 ms).
 */
export const jsonAsParsedString = {
  name: 'json-as-parsed-string',
  setup(build) {
    build.onLoad({ filter: /catalog[\\/]data[\\/]catalog\.json$/ }, async (args) => {
      const json = JSON.stringify(JSON.parse(await readFile(args.path, 'utf8')));
      const packed = deflateRawSync(json, { level: 9 }).toString('base64');
      return {
        contents: [
          "const { inflateRawSync } = require('node:zlib');",
          `module.exports = JSON.parse(inflateRawSync(Buffer.from(${JSON.stringify(packed)}, 'base64')).toString('utf8'));`,
        ].join('\n'),
        loader: 'js',
      };
    });
  },
};

/**
 * The cloud platforms' credential libraries (several MB) are imported only when a provider needs
 * them, yet V8 would still parse them at every start if they sat in the bundle as code. Each is
 * bundled on its own and embedded as a string, compiled on its first import: a gateway without
 * those providers starts as fast as before (measured in the commit that added this). Their inputs
 * are added to the metafile, so their licenses are listed too.
 */
const LAZY_PACKAGES = [
  '@aws-sdk/credential-providers',
  'google-auth-library',
  '@azure/identity',
  // Only with a Postgres request log store, Redis or an OTLP endpoint. (Compiling ioredis on first
  // import delays the connection: the limits' Redis timeout starts once it is loaded.)
  'pg',
  'ioredis',
  // Only when a configuration file is YAML (src/config/yaml.ts).
  'yaml',
  // Only with Bedrock: its request signing (src/providers/bedrock/sigv4.ts) and its stream framing
  // (src/formats/bedrock/stream.ts, through evaluatedOnFirstUse below).
  '@smithy/signature-v4',
  '@aws-crypto/sha256-js',
  '@smithy/eventstream-codec',
  '@opentelemetry/sdk-trace',
  '@opentelemetry/core',
  '@opentelemetry/resources',
  '@opentelemetry/exporter-trace-otlp-http',
  '@opentelemetry/exporter-trace-otlp-proto',
];

export const lazyPackagesAsStrings = {
  name: 'lazy-packages-as-strings',
  setup(outer) {
    const inputs = {};
    const filter = new RegExp(`^(${LAZY_PACKAGES.map((name) => name.replace(/[/.]/g, '\\$&')).join('|')})$`);
    outer.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'lazy-package' }));
    outer.onLoad({ filter: /.*/, namespace: 'lazy-package' }, async (args) => {
      const inner = await build({
        stdin: { contents: `module.exports = require(${JSON.stringify(args.path)});`, resolveDir: process.cwd() },
        bundle: true,
        platform: 'node',
        format: 'cjs',
        target: outer.initialOptions.target,
        minifySyntax: true,
        minifyWhitespace: true,
        charset: 'ascii',
        legalComments: 'none',
        logLevel: 'warning',
        write: false,
        // Its optional native binding and Cloudflare socket: never used by the gateway.
        external: ['pg-native', 'cloudflare:sockets'],
        metafile: true,
      });
      Object.assign(inputs, inner.metafile.inputs);
      // Compressed: a short ASCII string costs V8 next to nothing to scan at start-up.
      const packed = deflateRawSync(inner.outputFiles[0].contents, { level: 9 }).toString('base64');
      return {
        // CommonJS, so esbuild evaluates it on first import only; `require` gives it Node's built-ins.
        contents: [
          "const { inflateRawSync } = require('node:zlib');",
          `const code = inflateRawSync(Buffer.from(${JSON.stringify(packed)}, 'base64')).toString('utf8');`,
          'const m = { exports: {} };',
          "new Function('module', 'exports', 'require', code)(m, m.exports, require);",
          'module.exports = m.exports;',
        ].join('\n'),
        loader: 'js',
      };
    });
    outer.onEnd((result) => {
      if (result.metafile) Object.assign(result.metafile.inputs, inputs);
    });
  },
};

/**
 * Classes the gateway imports statically but constructs only on a provider's first use: imported
 * from src/, each is a function that, called with `new`, evaluates its package (a lazy package
 * above) and returns an instance of the real class. So a gateway without Bedrock never evaluates
 * @smithy/eventstream-codec (about 10 ms of a profiled start).
 */
const CLASSES_ON_FIRST_USE = { '@smithy/eventstream-codec': ['EventStreamCodec'] };

const evaluatedOnFirstUse = {
  name: 'evaluated-on-first-use',
  setup(build) {
    const names = Object.keys(CLASSES_ON_FIRST_USE);
    const filter = new RegExp(`^(${names.map((name) => name.replace(/[/.]/g, '\\$&')).join('|')})$`);
    build.onResolve({ filter }, (args) =>
      /[\\/]src[\\/]/.test(args.importer) ? { path: args.path, namespace: 'evaluated-on-first-use' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'evaluated-on-first-use' }, (args) => ({
      contents: CLASSES_ON_FIRST_USE[args.path]
        .map(
          (name) =>
            `export const ${name} = function ${name}(...args) { return new (require(${JSON.stringify(args.path)}).${name})(...args); };`,
        )
        .join('\n'),
      loader: 'js',
      resolveDir: process.cwd(),
    }));
  },
};

/**
 * `import ... from 'node:http'` in an ES module makes Node build the module's ESM facade, which
 * reads every export once, lazy getters included: node:http's `WebSocket`/`Agent`-style getters
 * then load Node's internal undici (44 ms of start-up, 0.7 MB; cpu-prof on Node 24.22). Imported
 * through `require` (the banner's createRequire), a built-in is only the object it exports.
 * Only for the ESM bundle: a CommonJS bundle requires its built-ins already.
 */
export const builtinsThroughRequire = {
  name: 'builtins-through-require',
  setup(build) {
    const names = builtinModules.filter((name) => !name.startsWith('_')).map((name) => name.replace(/[/]/g, '\\/'));
    const filter = new RegExp(`^(node:)?(${names.join('|')})$`);
    build.onResolve({ filter }, (args) =>
      args.kind === 'import-statement' ? { path: args.path, namespace: 'builtin-through-require' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'builtin-through-require' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path.startsWith('node:') ? args.path : `node:${args.path}`)});`,
      loader: 'js',
    }));
  },
};

/**
 * undici's index evaluates all of undici at start-up: fetch, WebSocket, EventSource, caches, mocks
 * (136 ms of a profiled start, the largest package). The gateway's code takes `Dispatcher`, `Pool`
 * and `request` from it; this entry gives those, and evaluates each part on first use: `Pool`
 * (with undici's HTTP/1 client and llhttp) when the first pool is made, that is on the first
 * request to a provider's origin; the request API undici's index adds to Dispatcher.prototype on
 * the first call of one of its methods. The top-level `request(url, options)` (only Google's token
 * exchange calls it) is undici's own over an Agent made on its first call, as undici's index does
 * with its global dispatcher: the index itself is not in the bundle (it was 0.6 MB of the bundle's
 * source, which V8 keeps in memory). An ES module: a name the gateway imports that is missing here
 * fails the build instead of reading as undefined.
 */
const slimUndici = {
  name: 'slim-undici',
  setup(build) {
    build.onResolve({ filter: /^undici$/ }, (args) =>
      /[\\/]src[\\/]/.test(args.importer) ? { path: 'undici', namespace: 'slim-undici' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'slim-undici' }, () => ({
      contents: [
        "import Dispatcher from 'undici/lib/dispatcher/dispatcher.js';",
        "for (const name of ['request', 'stream', 'pipeline', 'connect', 'upgrade'])",
        '  Dispatcher.prototype[name] = function (...args) {',
        "    Object.assign(Dispatcher.prototype, require('undici/lib/api/index.js'));",
        '    return this[name](...args);',
        '  };',
        // Called with `new`: the object it returns is what `new Pool(...)` gives.
        "const Pool = function Pool(origin, options) { return new (require('undici/lib/dispatcher/pool.js'))(origin, options); };",
        'export { Dispatcher, Pool };',
        'let agent;',
        'export const request = (url, options = {}) => {',
        '  const { origin, pathname, search } = new URL(url);',
        "  agent ??= new (require('undici/lib/dispatcher/agent.js'))();",
        "  const method = options.method ?? (options.body ? 'PUT' : 'GET');",
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the source of a module: its template literal, as text
        '  return (options.dispatcher ?? agent).request({ ...options, origin, path: `${pathname}${search}`, method });',
        '};',
      ].join('\n'),
      loader: 'js',
      resolveDir: process.cwd(),
    }));
  },
};

export const shared = {
  entryPoints: ['src/main.ts'],
  bundle: true,
  platform: 'node',
  minifySyntax: true,
  // Whitespace and comments out, identifiers kept (error names come from class names). ASCII: V8
  // holds a script's source as a one-byte string only if every character fits in Latin-1; one
  // character above U+00FF in a bundled comment made the whole 8 MB bundle a two-byte string.
  minifyWhitespace: true,
  charset: 'ascii',
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [jsonAsParsedString, evaluatedOnFirstUse, lazyPackagesAsStrings, slimUndici],
  // The dashboard, built once into strings the bundle carries (src/ui/assets.ts).
  // esbuildDetection: what Node's own build of undici defines, leaving out undici's experimental
  // Milo HTTP/1 parser (two WebAssembly builds, 0.18 MB of the bundle), off unless asked for;
  // undici then parses with llhttp, as it does by default.
  define: { __SWITCHYARD_UI__: JSON.stringify(await buildUi()), esbuildDetection: 'true' },
  // pg's optional native binding and Cloudflare socket: never used by the gateway.
  external: ['pg-native', 'cloudflare:sockets'],
};
