/** The dashboard's files: page, script, style sheet. */
interface UiFiles {
  html: string;
  js: string;
  css: string;
}

/** Replaced by the built files when the gateway is bundled (scripts/esbuild-options.mjs). */
declare const __SWITCHYARD_UI__: UiFiles | undefined;

export interface UiAsset {
  contentType: string;
  body: Buffer;
}

let assets: Promise<Map<string, UiAsset>> | undefined;

async function load(): Promise<Map<string, UiAsset>> {
  const files: UiFiles =
    typeof __SWITCHYARD_UI__ !== 'undefined'
      ? __SWITCHYARD_UI__
      : // Run from source (tests, `npm run dev`): build the dashboard now, with the build's own script.
        await (await import(/* @vite-ignore */ new URL('../../scripts/ui.mjs', import.meta.url).href)).buildUi();
  return new Map([
    ['/ui/', { contentType: 'text/html; charset=utf-8', body: Buffer.from(files.html) }],
    ['/ui/app.js', { contentType: 'text/javascript; charset=utf-8', body: Buffer.from(files.js) }],
    ['/ui/style.css', { contentType: 'text/css; charset=utf-8', body: Buffer.from(files.css) }],
  ]);
}

/** The file served at `path`, or undefined. Built (or unpacked) on first use, not at start-up. */
export async function uiAsset(path: string): Promise<UiAsset | undefined> {
  assets ??= load().catch((error: unknown) => {
    assets = undefined;
    throw error;
  });
  return (await assets).get(path);
}
