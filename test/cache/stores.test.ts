import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hash32 } from '../../src/cache/key.ts';
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
      await store.set('k:one', [bytes('{"a":1}')], 60);
      expect(await store.get('k:one')).toEqual(bytes('{"a":1}'));
      expect(await store.get('k:never')).toBeUndefined();
      await store.close();
    });

    it('keeps the bytes as they were, also those that are not UTF-8 text', async () => {
      const store = await open();
      const value = Buffer.from([0xff, 0x00, 0x0a, 0xe2, 0x82, 0x7b]);
      await store.set('k:bytes', [value], 60);
      expect(await store.get('k:bytes')).toEqual(value);
      await store.close();
    });

    it('a second set replaces the first', async () => {
      const store = await open();
      await store.set('k:two', [bytes('first')], 60);
      await store.set('k:two', [bytes('second')], 60);
      expect(await store.get('k:two')).toEqual(bytes('second'));
      await store.close();
    });

    it('forgets an entry once its TTL has passed', async () => {
      const store = await open();
      await store.set('k:ttl', [bytes('soon gone')], 1);
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
    await store.set('k', [bytes('v')], 60);
    expect(await store.get('k')).toBeUndefined();
    expect(await store.get('k')).toBeUndefined();
    expect(errors).toHaveLength(1);
    await store.close();
  });
});

describe('memory cache store', () => {
  const answer = (n: number, length: number) => bytes(String(n).padEnd(length, '.'));

  it('a value set in parts reads back as one', async () => {
    const store = new MemoryCacheStore(1024 * 1024);
    await store.set('k', [bytes('{"meta":1}\n'), bytes('{"a"'), bytes(':1}')], 60);
    expect(await store.get('k')).toEqual(bytes('{"meta":1}\n{"a":1}'));
  });

  it('keeps within CACHE_MAX_BYTES, forgetting the least recently used first', async () => {
    // 1024 bytes: slabs of 64, one 40-byte answer each (after its 12-byte header)
    const store = new MemoryCacheStore(1024);
    await store.set('a', [answer(0, 40)], 60);
    for (let n = 1; n <= 40; n++) {
      await store.set(`k${n}`, [answer(n, 40)], 60);
      expect(await store.get('a')).toEqual(answer(0, 40)); // read after every write: never the oldest
      expect(store.bytes).toBeLessThanOrEqual(1024);
    }
    // what is kept is the newest, as many as fit (each read of `a` moves it to a slab of its own)
    const kept: number[] = [];
    for (let n = 1; n <= 40; n++) if ((await store.get(`k${n}`))?.equals(answer(n, 40))) kept.push(n);
    expect(kept.length).toBeGreaterThanOrEqual(5);
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, i) => 41 - kept.length + i));
  });

  it('many answers share a slab, and go with it when it is the oldest', async () => {
    // 16 MiB: slabs of 1 MiB; 1000-byte answers, about a thousand to a slab
    const store = new MemoryCacheStore(16 * 1024 * 1024);
    const count = 20_000;
    for (let n = 0; n < count; n++) await store.set(`k${n}`, [answer(n, 1000)], 60);
    expect(store.bytes).toBeLessThanOrEqual(16 * 1024 * 1024);
    expect(store.bytes).toBeGreaterThan(15 * 1024 * 1024);
    expect(await store.get('k0')).toBeUndefined();
    expect(await store.get(`k${count - 1}`)).toEqual(answer(count - 1, 1000));
    let kept = 0;
    for (let n = 0; n < count; n++) if (await store.get(`k${n}`)) kept++;
    // what is kept is what the cap has room for: 15 to 16 slabs of ~1040 answers
    expect(kept).toBeGreaterThan(14_000);
    expect(kept).toBeLessThan(16_200);
  });

  it('an answer larger than a slab has one of its own; one larger than the cap is not kept, nor its older value', async () => {
    const store = new MemoryCacheStore(1024 * 1024); // slabs of 64 KiB
    const big = answer(1, 200_000);
    await store.set('big', [big], 60);
    expect(await store.get('big')).toEqual(big);
    await store.set('small', [answer(2, 10)], 60);
    expect(await store.get('small')).toEqual(answer(2, 10));
    await store.set('big', [answer(3, 2 * 1024 * 1024)], 60);
    expect(await store.get('big')).toBeUndefined();
    expect(await store.get('small')).toEqual(answer(2, 10));
  });

  it('tells apart two keys with the same index hash: the later set wins, the other is a miss', async () => {
    const [a, b] = ['key-16086', 'key-29464']; // one hash32
    expect(hash32(Buffer.from(a))).toBe(hash32(Buffer.from(b)));
    const store = new MemoryCacheStore(1024 * 1024);
    await store.set(a, [bytes('answer a')], 60);
    expect(await store.get(b)).toBeUndefined();
    expect(await store.get(a)).toEqual(bytes('answer a'));
    await store.set(b, [bytes('answer b')], 60);
    expect(await store.get(a)).toBeUndefined();
    expect(await store.get(b)).toEqual(bytes('answer b'));
  });

  it('keys are compared whole, beyond Latin-1 and past any buffer it keeps for them', async () => {
    const store = new MemoryCacheStore(16 * 1024 * 1024);
    await store.set('prompt: 你好 🙂', [bytes('hi'), 'and a string part: é'], 60);
    expect(await store.get('prompt: 你好 🙂')).toEqual(bytes('hiand a string part: é'));
    expect(await store.get('prompt: 你好 🙃')).toBeUndefined();
    for (const length of [5_000, 50_000, 2_000_000]) {
      const key = `${'€'.repeat(length)}!`;
      await store.set(key, [bytes(`v${length}`)], 60);
      expect(await store.get(key)).toEqual(bytes(`v${length}`));
      expect(await store.get(`${'€'.repeat(length)}?`)).toBeUndefined();
    }
    expect(await store.get('prompt: 你好 🙂')).toEqual(bytes('hiand a string part: é'));
  });

  it('hands out copies: what a caller does with one, or what is written later, does not change another', async () => {
    const store = new MemoryCacheStore(1024); // one answer to a slab: every set reuses the oldest's
    await store.set('a', [answer(1, 40)], 60);
    const first = (await store.get('a')) as Buffer;
    first.fill(0);
    expect(await store.get('a')).toEqual(answer(1, 40));
    const kept = (await store.get('a')) as Buffer;
    for (let n = 0; n < 40; n++) await store.set(`k${n}`, [answer(n + 100, 40)], 60);
    expect(await store.get('a')).toBeUndefined();
    expect(kept).toEqual(answer(1, 40));
  });

  it('drops slabs whose answers have all expired before older live ones would be', async () => {
    let now = 0;
    const store = new MemoryCacheStore(16 * 1024 * 1024, () => now);
    for (let n = 0; n < 3000; n++) await store.set(`old${n}`, [answer(n, 1000)], 10);
    expect(store.bytes).toBeGreaterThan(2 * 1024 * 1024);
    now = 11_000;
    await store.set('new', [answer(0, 1000)], 10);
    await store.set('new2', [answer(0, 1_500_000)], 10); // needs a new slab: the expired ones go
    expect(store.bytes).toBeLessThan(4 * 1024 * 1024);
    expect(await store.get('old2999')).toBeUndefined();
    expect(await store.get('new')).toEqual(answer(0, 1000));
    expect(await store.get('new2')).toEqual(answer(0, 1_500_000));
  });
});
