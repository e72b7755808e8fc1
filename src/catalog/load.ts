import { readFileSync } from 'node:fs';
import { ConfigError } from '../config/config.ts';
import type { Logger } from '../observability/logger.ts';
import { Catalog, loadBuiltinCatalog } from './catalog.ts';
import { fromSource } from './from-source.ts';

const CATALOG_URL_TIMEOUT_MS = 5_000;

export interface CatalogSources {
  /** CATALOG_FILE: entries in LiteLLM's format that add to or replace built-in ones. */
  file: string | undefined;
  /** CATALOG_URL: a fresh copy of the whole source file, fetched once at start-up. */
  url: string | undefined;
}

/**
 * The catalog the gateway runs with: the built-in one (or a fresh copy from CATALOG_URL when it
 * can be fetched in time), then CATALOG_FILE's entries on top. A bad CATALOG_FILE stops start-up;
 * an unreachable CATALOG_URL only warns, since the built-in data is a sound fallback.
 */
export async function loadCatalog(sources: CatalogSources, logger: Logger): Promise<Catalog> {
  let catalog = loadBuiltinCatalog();
  if (sources.url) catalog = (await fetchCatalog(sources.url, logger)) ?? catalog;
  if (sources.file) catalog = catalog.withOverrides(fromSource(readCatalogFile(sources.file)));
  return catalog;
}

function readCatalogFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError([
      `CATALOG_FILE: cannot read '${path}' (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    ]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ConfigError([`CATALOG_FILE: '${path}' is not valid JSON`]);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ConfigError([
      `CATALOG_FILE: '${path}' must hold a JSON object of model entries, as LiteLLM's price map does`,
    ]);
  }
  return json as Record<string, unknown>;
}

async function fetchCatalog(url: string, logger: Logger): Promise<Catalog | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(CATALOG_URL_TIMEOUT_MS) });
    if (!response.ok) throw new Error(`answered ${response.status}`);
    const entries = fromSource((await response.json()) as Record<string, unknown>);
    if (entries.length === 0) throw new Error('held no model entries');
    logger.info({ entries: entries.length }, 'catalog fetched from CATALOG_URL');
    return new Catalog(entries);
  } catch (error) {
    logger.warn({ reason: (error as Error).message }, 'CATALOG_URL could not be used; using the built-in catalog');
    return undefined;
  }
}
