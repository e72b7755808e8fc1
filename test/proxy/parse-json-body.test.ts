import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseJsonBody } from '../../src/proxy/proxy.ts';

/** How many objects/arrays a value opens at its deepest point. */
function depthOf(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  return 1 + Math.max(0, ...Object.values(value).map(depthOf));
}
const nested = (depth: number, inner: string) => '{"a":'.repeat(depth) + inner + '}'.repeat(depth);
const outcome = (text: string) => {
  try {
    parseJsonBody(Buffer.from(text));
    return 'ok';
  } catch (error) {
    return (error as Error).message;
  }
};

describe('parseJsonBody', () => {
  it('takes 128 levels of nesting and refuses 129 with invalid_json', () => {
    expect(outcome(nested(128, '1'))).toBe('ok');
    expect(() => parseJsonBody(Buffer.from(nested(129, '1')))).toThrow(
      expect.objectContaining({
        status: 400,
        code: 'invalid_json',
        message: expect.stringContaining('deeper than 128'),
      }),
    );
  });

  it('does not count brackets inside strings, whatever the escapes before their quotes', () => {
    const tricky = '"[{ \\" [[ \\\\" ';
    expect(outcome(nested(128, JSON.stringify(`${tricky}${'['.repeat(500)}`)))).toBe('ok');
    expect(outcome(nested(127, JSON.stringify('x\\'.repeat(300) + '{'.repeat(300))))).toBe('ok');
  });

  it('agrees with the depth of the parsed value, for any JSON object', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 6 })),
        fc.integer({ min: 0, max: 130 }),
        (value, wrap) => {
          const text = nested(wrap, JSON.stringify(value));
          const tooDeep = wrap + depthOf(value) > 128;
          expect(outcome(text) === 'ok').toBe(!tooDeep);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses bodies that are not JSON, or not an object', () => {
    expect(outcome('{"a": "unterminated')).toMatch(/not valid JSON/);
    expect(outcome('[1]')).toMatch(/must be a JSON object/);
  });
});
