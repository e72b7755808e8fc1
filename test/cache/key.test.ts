import { describe, expect, it } from 'vitest';
import { cacheKey, canonicalBody, canonicalJson, digestKey, hash32 } from '../../src/cache/key.ts';

const key = (body: Record<string, unknown>, parts: Partial<Parameters<typeof cacheKey>[0]> = {}) =>
  digestKey(
    cacheKey({
      scope: '',
      clientFormat: 'openai',
      provider: 'openai',
      model: 'gpt-4o',
      body: canonicalBody(body),
      ...parts,
    }),
  );

describe('cache key', () => {
  it('sorts keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null } })).toBe('{"a":{"c":null,"d":[2,1]},"b":1}');
    expect(canonicalJson([{ y: 1, x: [{ q: 1, p: 2 }] }, 'z', 3])).toBe('[{"x":[{"p":2,"q":1}],"y":1},"z",3]');
    expect(canonicalJson('text')).toBe('"text"');
  });

  it('is independent of key order at every depth, integer-like keys and __proto__ included', () => {
    const a = JSON.parse(
      '{"model":"m","10":1,"9":2,"__proto__":{"b":1,"a":2},"messages":[{"role":"user","content":"hi"}]}',
    );
    const b = JSON.parse(
      '{"messages":[{"content":"hi","role":"user"}],"__proto__":{"a":2,"b":1},"9":2,"model":"m","10":1}',
    );
    expect(canonicalBody(b)).toBe(canonicalBody(a));
    expect(canonicalJson(b)).toBe(canonicalJson(a));
    // the own __proto__ property is written as data, not lost as a prototype
    expect(canonicalBody(a)).toContain('"__proto__":{"a":2,"b":1}');
    expect(JSON.parse(canonicalBody(a))).toEqual({ ...JSON.parse(JSON.stringify(a)) });
  });

  it('orders keys as Array.prototype.sort does, for few keys and for many', () => {
    const names = ['b', 'B', 'a', '_x', 'é', 'Z', 'aa', 'a0', '~', '😀', 'ﬀ', '-', 'A'];
    for (const count of [2, 5, names.length, 40]) {
      const keys = Array.from({ length: count }, (_, i) => `${names[i % names.length]}${i >= names.length ? i : ''}`);
      const shuffled = [...keys].reverse();
      const text = canonicalJson(Object.fromEntries(shuffled.map((k) => [k, 1])));
      expect(Object.keys(JSON.parse(text))).toEqual([...keys].sort());
    }
  });

  it('does not depend on whitespace in the request text', () => {
    const compact = JSON.parse('{"model":"m","messages":[{"role":"user","content":"hi"}]}');
    const spaced = JSON.parse('{ "model" : "m",\n  "messages" : [ { "role" : "user", "content" : "hi" } ] }');
    expect(key(spaced)).toBe(key(compact));
  });

  it('leaves out the delivery fields, nothing else', () => {
    const body = { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] };
    expect(key({ ...body, stream: true, stream_options: { include_usage: true } })).toBe(key(body));
    expect(key({ stream: false, ...body })).toBe(key(body));
    expect(canonicalBody({ ...body, stream: true })).not.toContain('stream');
    // only at the top: a field named `stream` inside the content is content
    expect(key({ ...body, metadata: { stream: true } })).not.toBe(key({ ...body, metadata: {} }));
    expect(key({ ...body, temperature: 0 })).not.toBe(key(body));
    expect(key({ ...body, messages: [{ role: 'user', content: 'hi!' }] })).not.toBe(key(body));
  });

  it('tells apart bodies that differ in a value, a type or array order', () => {
    const body = (messages: unknown[]) => ({ model: 'gpt-4o', messages });
    const keys = [
      key(
        body([
          { role: 'user', content: 'a' },
          { role: 'user', content: 'b' },
        ]),
      ),
      key(
        body([
          { role: 'user', content: 'b' },
          { role: 'user', content: 'a' },
        ]),
      ),
      key(body([{ role: 'user', content: '1' }])),
      key(body([{ role: 'user', content: 1 }])),
      key(body([{ role: 'user', content: null }])),
      key(body([{ role: 'user' }])),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('differs by scope, client format, provider and model', () => {
    const body = { model: 'gpt-4o', messages: [] };
    const base = key(body);
    expect(key(body, { scope: 'alice' })).not.toBe(base);
    expect(key(body, { clientFormat: 'anthropic' })).not.toBe(base);
    expect(key(body, { provider: 'groq' })).not.toBe(base);
    expect(key(body, { model: 'gpt-4o-mini' })).not.toBe(base);
    expect(base).toMatch(/^switchyard:cache:[\w-]{43}$/);
  });

  it('is the parts then the canonical body, whole; Redis names it by a digest of that', () => {
    const whole = cacheKey({ scope: 'alice', clientFormat: 'openai', provider: 'groq', model: 'm', body: '{"a":1}' });
    expect(whole).toBe('["alice","openai","groq","m"]{"a":1}');
    // the parts are JSON: a scope or model holding a quote or a comma cannot pass for another
    expect(cacheKey({ scope: 'a","b', clientFormat: 'openai', provider: 'p', model: 'm', body: '{}' })).not.toBe(
      cacheKey({ scope: 'a', clientFormat: 'b', provider: 'openai', model: 'p', body: '{}' }),
    );
    expect(digestKey(whole)).toMatch(/^switchyard:cache:[\w-]{43}$/);
    expect(digestKey(whole)).not.toContain('alice');
  });
});

describe('hash32', () => {
  const hex = (text: string) => (hash32(Buffer.from(text)) >>> 0).toString(16);

  it('is MurmurHash3 x86 32-bit with seed 0', () => {
    expect(hex('')).toBe('0');
    // published reference values
    expect(hex('hello')).toBe('248bfa47');
    expect(hex('The quick brown fox jumps over the lazy dog')).toBe('2e4ff723');
  });

  it('reads only the first `length` bytes, and every one of them (tails of 1 to 3 bytes too)', () => {
    const bytes = Buffer.from('hello, and more after it');
    expect(hash32(bytes, 5)).toBe(hash32(Buffer.from('hello')));
    const hashes = new Set(['abcd', 'abce', 'abcde', 'abcdf', 'abcdef', 'abcdeg', 'abcdefg', 'abcdefh'].map(hex));
    expect(hashes.size).toBe(8);
  });

  it('spreads keys that differ in one character', () => {
    const hashes = new Set(
      Array.from({ length: 10_000 }, (_, n) => hash32(Buffer.from(`["","openai","openai","m"]{"n":${n}}`))),
    );
    expect(hashes.size).toBeGreaterThan(9_990);
  });
});
