import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryCacheStore } from '../../src/cache/memory-store.ts';
import { RedisCacheStore } from '../../src/cache/redis-store.ts';
import type { CacheStore } from '../../src/cache/store.ts';
import { sleep } from '../helpers/mock-upstream.ts';
import { freePort, HAS_REDIS, RedisServer } from '../helpers/redis-server.ts';

const bytes = (text: string) => Buffer.from(text);

/** One contract, run against both stores: what the response cache relies on. */
function storeContract(name: string, open: () => Promise<CacheStore>) {
  describe(`${name} cache store`, () => {
    it('returns what was set, and nothing for a key never set', async () => {
      const store = await open();
      await store.set('k:one', bytes('{"a":1}'), 60);
      expect(await store.get('k:one')).toEqual(bytes('{"a":1}'));
      expect(await store.get('k:never')).toBeUndefined();
      await store.close();
    });

    it('keeps the bytes as they were, also those that are not UTF-8 text', async () => {
      const store = await open();
      const value = Buffer.from([0xff, 0x00, 0x0a, 0xe2, 0x82, 0x7b]);
      await store.set('k:bytes', value, 60);
      expect(await store.get('k:bytes')).toEqual(value);
      await store.close();
    });

    it('a second set replaces the first', async () => {
      const store = await open();
      await store.set('k:two', bytes('first'), 60);
      await store.set('k:two', bytes('second'), 60);
      expect(await store.get('k:two')).toEqual(bytes('second'));
      await store.close();
    });

    it('forgets an entry once its TTL has passed', async () => {
      const store = await open();
      await store.set('k:ttl', bytes('soon gone'), 1);
      expect(await store.get('k:ttl')).toEqual(bytes('soon gone'));
      await sleep(1100);
      expect(await store.get('k:ttl')).toBeUndefined();
      await store.close();
    });
  });
}

storeContract('memory', async () => new MemoryCacheStore(1024 * 1024));

describe.skipIf(!HAS_REDIS)('redis', () => {
  let redis: RedisServer;
  const password = 'cache-store-test-pw';
  beforeAll(async () => {
    redis = new RedisServer(await freePort(), password);
    await redis.start();
  });
  afterAll(async () => redis?.stop());
  storeContract(
    'redis',
    async () => new RedisCacheStore(`redis://:${password}@127.0.0.1:${redis.port}`, () => undefined),
  );

  it('an unreachable Redis is a miss, reported once, never an error', async () => {
    const errors: string[] = [];
    const store = new RedisCacheStore(`redis://127.0.0.1:${await freePort()}`, (message) => errors.push(message));
    await store.set('k', bytes('v'), 60);
    expect(await store.get('k')).toBeUndefined();
    expect(await store.get('k')).toBeUndefined();
    expect(errors).toHaveLength(1);
    await store.close();
  });
});

describe('memory cache store', () => {
  it('keeps within CACHE_MAX_BYTES by forgetting the least recently used', async () => {
    const store = new MemoryCacheStore(100);
    await store.set('a', bytes('x'.repeat(40)), 60);
    await store.set('b', bytes('y'.repeat(40)), 60);
    expect(await store.get('a')).toBeDefined(); // a is now the most recently used
    await store.set('c', bytes('z'.repeat(40)), 60);
    expect(await store.get('b')).toBeUndefined();
    expect(await store.get('a')).toEqual(bytes('x'.repeat(40)));
    expect(await store.get('c')).toEqual(bytes('z'.repeat(40)));
    // an entry larger than the whole store is not kept
    await store.set('huge', bytes('h'.repeat(200)), 60);
    expect(await store.get('huge')).toBeUndefined();
  });
});
