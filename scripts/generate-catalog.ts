// Generates the built-in model catalog, src/catalog/data/catalog.json, from LiteLLM's price map.
//
//   npm run catalog                         reads ../shared/catalog/litellm-model-prices.json
//   npm run catalog -- path/to/prices.json  reads another copy of the same file
//   ... --date YYYY-MM-DD                   only needed when the source has no `last_updated`
//
// Same input → byte-identical output, so a refresh shows up in review as a minimal diff.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { findProvider } from '@pydantic/genai-prices';
import { GENAI_PROVIDERS, type GenaiProvider, supplementFromGenaiPrices } from '../src/catalog/from-genai-prices.ts';
import { fromSource } from '../src/catalog/from-source.ts';
import type { CatalogDocument, CatalogSourceInfo } from '../src/catalog/types.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_SOURCE_PATH = resolve(REPO_ROOT, '../shared/catalog/litellm-model-prices.json');
export const CATALOG_PATH = resolve(REPO_ROOT, 'src/catalog/data/catalog.json');

const SOURCE_NAME = 'BerriAI/litellm model_prices_and_context_window.json';
const SOURCE_URL = 'https://github.com/BerriAI/litellm/blob/main/model_prices_and_context_window.json';
const SOURCE_LICENSE = 'MIT';
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The source's own snapshot date (`"last_updated": "2026-07-24T18:23:43+00:00"`), if it has one. */
function snapshotDate(json: Record<string, unknown>): string | undefined {
  const lastUpdated = json.last_updated;
  const date = typeof lastUpdated === 'string' ? lastUpdated.slice(0, 10) : undefined;
  return date !== undefined && ISO_DATE.test(date) ? date : undefined;
}

function parseSourceObject(sourceBytes: Uint8Array): Record<string, unknown> {
  const json: unknown = JSON.parse(Buffer.from(sourceBytes).toString('utf8'));
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new Error('catalog source must be a JSON object keyed by model name');
  }
  return json as Record<string, unknown>;
}

/** The price data of the installed @pydantic/genai-prices, for the providers the supplement reads. */
export function genaiPriceData(): { providers: GenaiProvider[]; version: string } {
  const providers = Object.keys(GENAI_PROVIDERS)
    .map((providerId) => findProvider({ providerId }))
    .filter((provider) => provider !== undefined) as unknown as GenaiProvider[];
  // The package exports no package.json; it sits two levels above the entry point.
  const entry = createRequire(import.meta.url).resolve('@pydantic/genai-prices');
  const { version } = JSON.parse(readFileSync(resolve(dirname(entry), '../package.json'), 'utf8')) as {
    version: string;
  };
  return { providers, version };
}

export interface BuildOptions {
  date?: string;
  /** genai-prices' data: adds the models LiteLLM lacks and time-of-day prices (see from-genai-prices.ts). */
  supplement?: { providers: readonly GenaiProvider[]; version: string };
}

/** Builds the catalog document from the source file's bytes (hashed as-is). */
export function buildCatalogDocument(sourceBytes: Uint8Array, options: BuildOptions = {}): CatalogDocument {
  const json = parseSourceObject(sourceBytes);
  const date = options.date ?? snapshotDate(json);
  if (date === undefined || !ISO_DATE.test(date)) {
    throw new Error('catalog source has no "last_updated" date; pass --date YYYY-MM-DD');
  }
  const source: CatalogSourceInfo = {
    name: SOURCE_NAME,
    url: SOURCE_URL,
    date,
    sha256: createHash('sha256').update(sourceBytes).digest('hex'),
    license: SOURCE_LICENSE,
  };
  let entries = fromSource(json);
  if (options.supplement === undefined) return { source, count: entries.length, entries };
  entries = supplementFromGenaiPrices(entries, options.supplement.providers, date).entries;
  const supplement = { name: '@pydantic/genai-prices', version: options.supplement.version, license: 'MIT' };
  return { source, supplement, count: entries.length, entries };
}

/** One entry per line: compact, yet a price change is a one-line diff. */
export function serializeCatalog(document: CatalogDocument): string {
  const lines = [
    '{',
    `  "source": ${JSON.stringify(document.source)},`,
    ...(document.supplement ? [`  "supplement": ${JSON.stringify(document.supplement)},`] : []),
    `  "count": ${document.count},`,
    '  "entries": [',
    document.entries.map((entry) => `    ${JSON.stringify(entry)}`).join(',\n'),
    '  ]',
    '}',
  ];
  return `${lines.join('\n')}\n`;
}

/** Source file bytes → the exact text of src/catalog/data/catalog.json. */
export function generateCatalogText(sourceBytes: Uint8Array, options: BuildOptions = {}): string {
  return serializeCatalog(buildCatalogDocument(sourceBytes, options));
}

interface CliArguments {
  sourcePath: string;
  date?: string;
}

function parseArguments(argv: readonly string[]): CliArguments {
  let sourcePath = DEFAULT_SOURCE_PATH;
  let date: string | undefined;
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index] ?? '';
    if (argument === '--date') date = argv[++index];
    else if (argument.startsWith('--date=')) date = argument.slice('--date='.length);
    else sourcePath = resolve(argument);
  }
  return date === undefined ? { sourcePath } : { sourcePath, date };
}

function main(): void {
  const { sourcePath, date } = parseArguments(process.argv.slice(2));
  const supplement = genaiPriceData();
  const document = buildCatalogDocument(readFileSync(sourcePath), {
    ...(date === undefined ? {} : { date }),
    supplement,
  });
  mkdirSync(dirname(CATALOG_PATH), { recursive: true });
  writeFileSync(CATALOG_PATH, serializeCatalog(document));
  const routable = document.entries.filter((entry) => entry.routable).length;
  console.log(
    `wrote ${relative(process.cwd(), CATALOG_PATH)}: ${document.count} entries (${routable} routable) ` +
      `from ${sourcePath} (${document.source.date}, sha256 ${document.source.sha256}), ` +
      `supplemented by @pydantic/genai-prices ${supplement.version}`,
  );
}

// Runs only as a script; the tests import the functions above without writing anything.
const invokedPath = process.argv[1];
if (invokedPath !== undefined && import.meta.url === pathToFileURL(resolve(invokedPath)).href) {
  main();
}
