import { describe, expect, it } from 'vitest';
import { cacheKey, canonicalBody, canonicalJson } from '../../src/cache/key.ts';

const key = (body: Record<string, unknown>, parts: Partial<Parameters<typeof cacheKey>[0]> = {}) =>
  cacheKey({
    scope: '',
    clientFormat: 'openai',
    provider: 'openai',
    model: 'gpt-4o',
    body: canonicalBody(body),
    ...parts,
  });

describe('cache key', () => {
  it('sorts keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null } })).toBe('{"a":{"c":null,"d":[2,1]},"b":1}');
  });

  it('leaves out the delivery fields, nothing else', () => {
    const body = { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] };
    expect(key({ ...body, stream: true, stream_options: { include_usage: true } })).toBe(key(body));
    expect(key({ ...body, temperature: 0 })).not.toBe(key(body));
    expect(key({ ...body, messages: [{ role: 'user', content: 'hi!' }] })).not.toBe(key(body));
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
});
