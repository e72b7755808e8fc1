import { createHash } from 'node:crypto';

/**
 * Fields that decide how an answer is delivered, not what it says: a streamed request and a JSON
 * one share their cached answer, and the usage chunk a client asks for is rebuilt on replay.
 */
const DELIVERY_FIELDS = new Set(['stream', 'stream_options']);

/** What one cached answer is filed under. */
export interface KeyParts {
  /** The gateway key's name, or '' when the cache is shared by all (CACHE_SCOPE=global). */
  scope: string;
  clientFormat: string;
  provider: string;
  model: string;
  /** `canonicalBody` of the request (computed once: the lookup and the filing share it). */
  body: string;
}

/** JSON with every object's keys sorted, so that two bodies that mean the same get the same key. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const fields = Object.keys(value as Record<string, unknown>)
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${fields.join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The request body as the key reads it: canonical, without the delivery fields. */
export function canonicalBody(body: Record<string, unknown>): string {
  const content: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(body)) if (!DELIVERY_FIELDS.has(name)) content[name] = value;
  return canonicalJson(content);
}

/** The store key: a digest, so that no prompt text sits in Redis key names. */
export function cacheKey({ scope, clientFormat, provider, model, body }: KeyParts): string {
  const digest = createHash('sha256')
    .update(JSON.stringify([scope, clientFormat, provider, model]))
    .update(body)
    .digest('base64url');
  return `switchyard:cache:${digest}`;
}
