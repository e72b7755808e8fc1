// Builds the dashboard (src/ui/) into three strings: its page, script and style sheet. The gateway
// bundle embeds them (scripts/esbuild-options.mjs); run from source, the gateway calls this itself.
import { readFile } from 'node:fs/promises';
import { build } from 'esbuild';

const UI = new URL('../src/ui/', import.meta.url);

export async function buildUi() {
  const result = await build({
    entryPoints: [new URL('browser/app.ts', UI).pathname],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  return {
    html: await readFile(new URL('index.html', UI), 'utf8'),
    css: await readFile(new URL('style.css', UI), 'utf8'),
    js: result.outputFiles[0].text,
  };
}
