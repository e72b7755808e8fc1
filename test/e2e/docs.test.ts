import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SETTING_NAMES } from '../../src/config/config.ts';
import { PROVIDERS } from '../../src/providers/registry.ts';

const variables = [...SETTING_NAMES, ...PROVIDERS.flatMap((p) => p.env.map((v) => v.name))];
const readme = readFileSync('README.md', 'utf8');
/** The README and the docs pages it links to: where the reference lives. */
const linked = [...readme.matchAll(/\]\((docs\/[\w.-]+\.md)(#[\w-]*)?\)/g)].map((m) => m[1] as string);
const reference = ['README.md', ...new Set(linked)].map((file) => readFileSync(file, 'utf8')).join('\n');

describe('documentation stays true', () => {
  const envExample = readFileSync('.env.example', 'utf8');

  it.each(variables)('%s is documented (README or a docs page it links) and in .env.example', (name) => {
    expect(reference).toContain(`\`${name}\``);
    expect(envExample).toMatch(new RegExp(`^# ${name}=`, 'm'));
  });

  it.each([
    'CLIENT_HEADERS_TIMEOUT_MS',
    'CLIENT_BODY_TIMEOUT_MS',
    'CLIENT_IDLE_TIMEOUT_MS',
    'MAX_RESPONSE_BYTES',
    'MAX_HOPS',
  ])('%s is in docs/operations.md (linked from the README) and in .env.example', (name) => {
    expect(readme).toContain('docs/operations.md');
    expect(readFileSync('docs/operations.md', 'utf8')).toContain(`\`${name}\``);
    expect(envExample).toMatch(new RegExp(`^# ${name}=`, 'm'));
  });

  it('every <PREFIX>_AUTH_MODE is documented', () => {
    // The demo has no credentials to pass through.
    for (const p of PROVIDERS.filter((spec) => spec.id !== 'demo'))
      expect(reference).toContain(`\`${p.envPrefix}_AUTH_MODE\``);
  });

  it('every provider id is in the providers table', () => {
    const providers = readFileSync('docs/providers.md', 'utf8');
    for (const p of PROVIDERS.filter((spec) => spec.id !== 'demo')) expect(providers).toContain(`| \`${p.id}\` |`);
    expect(providers).toContain('## Demo provider');
  });

  it('every docs page is linked from the README, and every relative link resolves', () => {
    const pages = readdirSync('docs').filter((file) => file.endsWith('.md'));
    for (const page of pages) expect(linked).toContain(`docs/${page}`);
    for (const [file, text] of [
      ['README.md', readme],
      ...pages.map((p) => [`docs/${p}`, readFileSync(`docs/${p}`, 'utf8')]),
    ]) {
      const dir = (file as string).includes('/') ? 'docs/' : '';
      for (const [, target] of (text as string).matchAll(/\]\(((?:\.\.\/|docs\/|[\w-]+\.md|\.)[^)#\s]*)/g)) {
        expect(existsSync(`${dir}${target}`), `${file} links ${target}`).toBe(true);
      }
    }
  });

  it('the README is short, with a table of contents', () => {
    expect(readme.split('\n').length).toBeLessThan(200);
    expect(readme).toMatch(/^\*\*Contents:\*\*/m);
  });
});
