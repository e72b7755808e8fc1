import { describe, expect, it } from 'vitest';
import { PII_KINDS } from '../../src/guardrails/pii.ts';
import { HeldText, type TextRule } from '../../src/guardrails/text-rules.ts';

const pii: TextRule = {
  type: 'pii',
  name: 'pii',
  keys: undefined,
  action: 'redact',
  kinds: new Set(PII_KINDS),
  on: new Set(['response']),
};
const deny: TextRule = {
  type: 'deny',
  name: 'no-secrets',
  keys: undefined,
  patterns: [/project falcon/giu],
  on: new Set(['response']),
};

const TEXT =
  'Sure. You can reach Jane at jane.doe@example.com or on 555-123-4567; her card 4111 1111 1111 1111 is on file, ' +
  'IBAN GB82 WEST 1234 5698 7654 32, SSN 078-05-1120, and the server is 10.0.0.12. Anything else?';
const EXPECTED =
  'Sure. You can reach Jane at [EMAIL] or on [PHONE]; her card [CARD] is on file, ' +
  'IBAN [IBAN], SSN [SSN], and the server is [IP]. Anything else?';

function run(rules: TextRule[], deltas: string[]) {
  const held = new HeldText(rules, () => undefined);
  let out = '';
  for (const delta of [...deltas, null]) {
    const result = delta === null ? held.flush() : held.push(delta);
    if ('block' in result) return { out, block: result.block };
    out += result.text;
  }
  return { out, block: undefined };
}

describe('text held back across stream events', () => {
  it('redacts every value however the text is split into deltas', () => {
    for (const size of [1, 2, 3, 5, 7, 11, 16, 40]) {
      const deltas = TEXT.match(new RegExp(`[\\s\\S]{1,${size}}`, 'g')) as string[];
      expect(run([pii], deltas).out).toBe(EXPECTED);
    }
    for (let cut = 1; cut < TEXT.length; cut++)
      expect(run([pii], [TEXT.slice(0, cut), TEXT.slice(cut)]).out).toBe(EXPECTED);
  });

  it('releases text as it goes, holding back only a window', () => {
    const held = new HeldText([pii], () => undefined);
    const long = 'word '.repeat(100);
    const first = held.push(long);
    expect('text' in first && first.text.length).toBeGreaterThan(long.length - 80);
  });

  it('blocks a denied phrase split across deltas before any of it is sent', () => {
    const { out, block } = run([pii, deny], ['We call it proj', 'ect fal', 'con internally.']);
    expect(block).toEqual({ rule: 'no-secrets', reason: 'the text matches a denied pattern' });
    expect(out).not.toContain('proj');
  });
});
