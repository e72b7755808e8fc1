import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseJsonBody } from '../../src/server/json-body.ts';

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

describe('parseJsonBody on large bodies (top-level scan, long values parsed when read)', () => {
  const padding = 'x'.repeat(9000);
  const big = (value: Record<string, unknown>) => ({ ...value, padding });
  const invalidJson = expect.objectContaining({ status: 400, code: 'invalid_json' });

  it('reads what JSON.parse reads, for any JSON object, however it is spaced', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 6 })),
        fc.array(fc.jsonValue({ maxDepth: 4 }), { minLength: 1, maxLength: 60 }),
        fc.constantFrom(undefined, 1, 2, '\t'),
        (value, messages, space) => {
          const text = JSON.stringify(big({ ...value, messages, tools: [{ padding }] }), null, space);
          expect(parseJsonBody(Buffer.from(text))).toEqual(JSON.parse(text));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('keeps the depth limit and the errors of a body that is not one JSON object', () => {
    const deep = (depth: number) => `{"padding":"${padding}","a":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`;
    expect(() => parseJsonBody(Buffer.from(deep(128)))).not.toThrow();
    expect(() => parseJsonBody(Buffer.from(deep(129)))).toThrow(
      expect.objectContaining({ code: 'invalid_json', message: expect.stringContaining('deeper than 128') }),
    );
    const text = JSON.stringify(big({ model: 'm', messages: [{ role: 'user', content: padding }] }));
    for (const broken of [text.slice(0, -1), `${text}}`, `${text} x`, text.replace('"model":', '"model"'), `x${text}`])
      expect(() => parseJsonBody(Buffer.from(broken))).toThrow(invalidJson);
    expect(() => parseJsonBody(Buffer.from(`[${text}]`))).toThrow(expect.objectContaining({ code: 'invalid_body' }));
    expect(() => parseJsonBody(Buffer.from(text.replace('"m"', '"m",,')))).toThrow(invalidJson);
  });

  it('parses a long array only when it is read, and refuses it then if it is not JSON', () => {
    const messages = `[{"role":"user","content":"${padding}"},,]`;
    const json = parseJsonBody(Buffer.from(`{"model":"gpt-4o","stream":true,"messages":${messages}}`));
    expect([json.model, json.stream]).toEqual(['gpt-4o', true]);
    expect(() => json.messages).toThrow(invalidJson);
  });

  it('behaves as a plain object: assignment, spread, key order, duplicate keys, __proto__', () => {
    const messages = [{ role: 'user', content: padding }];
    const text = `{"model":"a","messages":${JSON.stringify(messages)},"__proto__":{"polluted":1},"model":"b"}`;
    const json = parseJsonBody(Buffer.from(text));
    expect(Object.keys(json)).toEqual(['model', 'messages', '__proto__']);
    expect(json.model).toBe('b');
    expect(Object.getPrototypeOf(json)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(json, '__proto__')?.value).toEqual({ polluted: 1 });
    expect({ ...json }.messages).toEqual(messages);
    const other = parseJsonBody(Buffer.from(text));
    other.messages = [];
    expect(other.messages).toEqual([]);
    expect(JSON.parse(JSON.stringify(other))).toEqual({ model: 'b', messages: [], ['__proto__']: { polluted: 1 } });
  });
});
