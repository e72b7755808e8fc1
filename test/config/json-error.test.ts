import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseJson } from '../../src/config/json-error.ts';

describe('JSON errors with a position', () => {
  it('accepts whatever JSON.stringify writes', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(undefined, 2), (value, indent) => {
        const text = JSON.stringify(value, null, indent);
        expect(parseJson(text)).toEqual({ value: JSON.parse(text) });
      }),
    );
  });

  it('locates every error JSON.parse finds, inside the text', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(), fc.string({ maxLength: 2 }), (value, cut, junk) => {
        const whole = JSON.stringify(value, null, 2);
        const at = cut % (whole.length + 1);
        const text = whole.slice(0, at) + junk + whole.slice(at + 1);
        let valid = true;
        try {
          JSON.parse(text);
        } catch {
          valid = false;
        }
        const result = parseJson(text);
        if (valid) {
          expect('value' in result).toBe(true);
          return;
        }
        const problem = (result as { problem: string }).problem;
        const [, line, column] = /^not valid JSON at line (\d+), column (\d+)$/.exec(problem) ?? [];
        const lines = text.split('\n');
        expect(Number(line)).toBeLessThanOrEqual(lines.length);
        expect(Number(column)).toBeLessThanOrEqual((lines[Number(line) - 1]?.length ?? 0) + 1);
      }),
    );
  });

  it('names the first bad character', () => {
    expect(parseJson('{"a": tru}')).toEqual({ problem: 'not valid JSON at line 1, column 10' });
    expect(parseJson('{"a": "\\x"}')).toEqual({ problem: 'not valid JSON at line 1, column 9' });
    expect(parseJson('[1, 2]\n]')).toEqual({ problem: 'not valid JSON at line 2, column 1' });
  });
});
