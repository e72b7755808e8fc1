import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { observabilitySchema } from '../../src/config/observability.ts';

/** The observability variables are documented in docs/observability.md (linked from the README). */
describe('observability documentation stays true', () => {
  const page = readFileSync('docs/observability.md', 'utf8');
  const envExample = readFileSync('.env.example', 'utf8');
  const readme = readFileSync('README.md', 'utf8');

  it.each(Object.keys(observabilitySchema))('%s is in docs/observability.md and in .env.example', (name) => {
    expect(page).toContain(`\`${name}\``);
    expect(envExample).toMatch(new RegExp(`^# ${name}=`, 'm'));
  });

  it('the README links the page and shows the dashboard', () => {
    expect(readme).toContain('(docs/observability.md)');
    expect(readme).toMatch(/!\[[^\]]*\]\(docs\/images\/dashboard\.png\)/);
    expect(readFileSync('docs/images/dashboard.png').subarray(1, 4).toString()).toBe('PNG');
  });
});
