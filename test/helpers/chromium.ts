import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** Debian's headless Chromium (`apt-get install chromium`, as .ci/run does). */
export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));

const run = promisify(execFile);

const flags = (budgetMs: number) => [
  '--headless',
  '--no-sandbox', // CI runs as root
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--hide-scrollbars',
  '--no-first-run',
  `--user-data-dir=${mkdtempSync(join(tmpdir(), 'switchyard-chromium-'))}`,
  // Scripts, their fetches and timers run for this long of virtual time before the page is read.
  `--virtual-time-budget=${budgetMs}`,
];

/** The page's DOM after its scripts ran. */
export async function renderedDom(url: string, budgetMs = 4000): Promise<string> {
  const { stdout } = await run(CHROMIUM as string, [...flags(budgetMs), '--dump-dom', url], {
    maxBuffer: 16 << 20,
    timeout: 60_000,
  });
  return stdout;
}

/** A PNG of the page after its scripts ran. */
export async function screenshot(url: string, file: string, size = '1280,1500', budgetMs = 4000): Promise<void> {
  await run(CHROMIUM as string, [...flags(budgetMs), `--screenshot=${file}`, `--window-size=${size}`, url], {
    timeout: 60_000,
  });
}
