import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  buildCatalogDocument,
  CATALOG_PATH,
  DEFAULT_SOURCE_PATH,
  genaiPriceData,
  generateCatalogText,
  REPO_ROOT,
  serializeCatalog,
} from '../../scripts/generate-catalog.ts';
import type { CatalogDocument } from '../../src/catalog/types.ts';

const SAMPLE_SOURCE = JSON.stringify({
  sample_spec: { litellm_provider: 'one of ...', mode: 'one of ...' },
  'gpt-4o': { litellm_provider: 'openai', mode: 'chat', input_cost_per_token: 2.5e-6, output_cost_per_token: 1e-5 },
  'gemini/gemini-2.5-pro': {
    litellm_provider: 'gemini',
    mode: 'chat',
    input_cost_per_token: 1.25e-6,
    output_cost_per_token: 1e-5,
  },
  'openrouter/openai/gpt-4o': { litellm_provider: 'openrouter', mode: 'chat' },
  last_updated: '2026-07-24T18:23:43.215560+00:00',
});
const sampleBytes = new TextEncoder().encode(SAMPLE_SOURCE);

describe('catalog generator', () => {
  it('produces byte-identical output for the same input', () => {
    expect(generateCatalogText(sampleBytes)).toBe(generateCatalogText(sampleBytes));
  });

  it('records source name, date, SHA-256 and license, and one entry per line', () => {
    const text = generateCatalogText(sampleBytes);
    const document = JSON.parse(text) as CatalogDocument;
    expect(document.source).toStrictEqual({
      name: 'BerriAI/litellm model_prices_and_context_window.json',
      url: 'https://github.com/BerriAI/litellm/blob/main/model_prices_and_context_window.json',
      date: '2026-07-24',
      sha256: createHash('sha256').update(sampleBytes).digest('hex'),
      license: 'MIT',
    });
    expect(document.count).toBe(3);
    const entryLines = text.split('\n').filter((line) => line.startsWith('    {'));
    expect(entryLines).toHaveLength(3);
    expect(text.endsWith('}\n')).toBe(true);
  });

  it('needs a date when the source has no last_updated', () => {
    const undated = new TextEncoder().encode(JSON.stringify({ 'gpt-4o': { litellm_provider: 'openai' } }));
    expect(() => buildCatalogDocument(undated)).toThrow(/--date/);
    expect(buildCatalogDocument(undated, { date: '2026-01-02' }).source.date).toBe('2026-01-02');
  });

  it('rejects a source that is not an object', () => {
    expect(() => buildCatalogDocument(new TextEncoder().encode('[]'))).toThrow(/JSON object/);
  });
});

describe('committed src/catalog/data/catalog.json', () => {
  const committedText = readFileSync(CATALOG_PATH, 'utf8');
  const committed = JSON.parse(committedText) as CatalogDocument;

  it('is in the generator’s canonical form with a consistent count', () => {
    expect(committed.count).toBe(committed.entries.length);
    expect(serializeCatalog(committed)).toBe(committedText);
  });

  it('is credited in THIRD_PARTY_NOTICES with its date, SHA-256 and MIT notice', () => {
    const notices = readFileSync(resolve(REPO_ROOT, 'THIRD_PARTY_NOTICES'), 'utf8');
    expect(notices).toContain(committed.source.name);
    expect(notices).toContain(`Date:      ${committed.source.date}`);
    expect(notices).toContain(`SHA-256:   ${committed.source.sha256}`);
    expect(notices).toContain('Copyright (c) 2023 Berri AI');
    expect(notices).toContain('THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND');
  });

  it('equals a fresh generation from ../shared/catalog, byte for byte', (context) => {
    context.skip(
      !existsSync(DEFAULT_SOURCE_PATH),
      `source ${DEFAULT_SOURCE_PATH} not present (only on machines that hold the shared catalog data)`,
    );
    const sourceBytes = readFileSync(DEFAULT_SOURCE_PATH);
    expect(createHash('sha256').update(sourceBytes).digest('hex')).toBe(committed.source.sha256);
    expect(generateCatalogText(sourceBytes, { supplement: genaiPriceData() })).toBe(committedText);
  });
});
