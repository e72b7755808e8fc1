// One contract for every store of limit counters (src/limits/counters.ts): the in-memory store and
// Redis (its Lua scripts) must behave alike, or a gateway would admit differently with REDIS_URL
// set. Each case runs against both; Redis is a real redis-server on a loopback port.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CounterCheck, LimitCounters } from '../../src/limits/counters.ts';
import { MemoryCounters } from '../../src/limits/memory-counters.ts';
import { RedisCounters } from '../../src/limits/redis-counters.ts';
import { sleep } from '../helpers/mock-upstream.ts';
import { freePort, HAS_REDIS, RedisServer } from '../helpers/redis-server.ts';

interface Store {
  counters: LimitCounters;
  stop(): Promise<void>;
}

const stores: [string, () => Promise<Store>][] = [
  ['memory', async () => ({ counters: new MemoryCounters(), stop: async () => {} })],
];
if (HAS_REDIS)
  stores.push([
    'Redis',
    async () => {
      const server = new RedisServer(await freePort(), 'contract-SECRET');
      await server.start();
      // A generous call timeout: the contract is about answers, not about a busy machine's latency.
      const counters = new RedisCounters(`redis://:contract-SECRET@127.0.0.1:${server.port}`, 5_000);
      return {
        counters,
        stop: async () => {
          await counters.close();
          await server.stop();
        },
      };
    },
  ]);

const MINUTE = 60_000;

describe.each(stores)('limit counters in %s', (_name, open) => {
  let store: Store;
  let counters: LimitCounters;
  beforeAll(async () => {
    store = await open();
    counters = store.counters;
  });
  afterAll(() => store.stop());

  /** Fresh keys per case: the cases share one store. */
  const keys = (...names: string[]) => {
    const prefix = `switchyard:{${randomUUID()}}`;
    return names.map((name) => `${prefix}:${name}`);
  };
  const check = (key: string, limit: number | null, amount: number, ttlMs = MINUTE): CounterCheck => ({
    key,
    limit,
    amount,
    ttlMs,
  });

  it('a counter nobody wrote reads as zero', async () => {
    const [a, b] = keys('a', 'b');
    expect(await counters.read([a!, b!], Date.now())).toEqual([0, 0]);
  });

  it('a reservation that fits adds every amount and answers the values after it', async () => {
    const [requests, spend] = keys('requests', 'spend');
    const first = await counters.reserve([check(requests!, 10, 1), check(spend!, 1, 0.25)], Date.now());
    expect(first).toEqual({ failed: -1, values: [1, 0.25] });
    const second = await counters.reserve([check(requests!, 10, 1), check(spend!, 1, 0.25)], Date.now());
    expect(second).toEqual({ failed: -1, values: [2, 0.5] });
  });

  it('a reservation that does not fit names the first check that failed and adds nothing at all', async () => {
    const [requests, tokens, spend] = keys('requests', 'tokens', 'spend');
    await counters.reserve([check(tokens!, 100, 90), check(spend!, 1, 0.9)], Date.now());
    const refused = await counters.reserve(
      [check(requests!, 10, 1), check(tokens!, 100, 20), check(spend!, 1, 0.2)],
      Date.now(),
    );
    expect(refused.failed).toBe(1);
    expect(await counters.read([requests!, tokens!, spend!], Date.now())).toEqual([0, 90, 0.9]);
  });

  it('a counter at zero admits an amount over the whole limit; once above zero it refuses', async () => {
    const [spend] = keys('spend');
    expect((await counters.reserve([check(spend!, 0.1, 0.5)], Date.now())).failed).toBe(-1);
    expect((await counters.reserve([check(spend!, 0.1, 0.01)], Date.now())).failed).toBe(0);
    expect(await counters.read([spend!], Date.now())).toEqual([0.5]);
  });

  it('a check without a limit is counted, never refused', async () => {
    const [open] = keys('open');
    for (let i = 0; i < 3; i++) await counters.reserve([check(open!, null, 1_000_000)], Date.now());
    expect(await counters.read([open!], Date.now())).toEqual([3_000_000]);
  });

  it('fractions of a dollar add up as numbers, not as truncated integers', async () => {
    const [spend] = keys('spend');
    for (const amount of [0.1, 0.2, 0.000001]) await counters.reserve([check(spend!, 10, amount)], Date.now());
    const [value] = await counters.read([spend!], Date.now());
    expect(value).toBeCloseTo(0.300001, 9);
  });

  it('add() moves counters either way, never below zero, and never recreates a counter that is gone', async () => {
    const [tokens, gone] = keys('tokens', 'gone');
    await counters.reserve([check(tokens!, null, 100)], Date.now());
    await counters.add([{ key: tokens!, amount: -30, ttlMs: MINUTE }], Date.now());
    expect(await counters.read([tokens!], Date.now())).toEqual([70]);
    await counters.add([{ key: tokens!, amount: 5, ttlMs: MINUTE }], Date.now());
    expect(await counters.read([tokens!], Date.now())).toEqual([75]);
    await counters.add(
      [
        { key: tokens!, amount: -500, ttlMs: MINUTE },
        { key: gone!, amount: -5, ttlMs: MINUTE },
      ],
      Date.now(),
    );
    expect(await counters.read([tokens!, gone!], Date.now())).toEqual([0, 0]);
    // Gone stays gone: a later reservation starts from zero, not from a negative count.
    expect((await counters.reserve([check(gone!, 10, 10)], Date.now())).values).toEqual([10]);
  });

  it('a counter lives for its TTL, then reads as zero and starts over', async () => {
    const [requests] = keys('requests');
    for (let i = 0; i < 2; i++) await counters.reserve([check(requests!, 2, 1, 300)], Date.now());
    expect((await counters.reserve([check(requests!, 2, 1, 300)], Date.now())).failed).toBe(0);
    await sleep(450);
    expect(await counters.read([requests!], Date.now())).toEqual([0]);
    expect((await counters.reserve([check(requests!, 2, 1, 300)], Date.now())).values).toEqual([1]);
  });

  it('50 concurrent reservations admit exactly what fits: 10 of 10 requests, one $0.06 stream under $0.10', async () => {
    const [requests, spend] = keys('requests', 'spend');
    const admitted = await Promise.all(
      Array.from({ length: 50 }, () => counters.reserve([check(requests!, 10, 1)], Date.now())),
    );
    expect(admitted.filter((r) => r.failed === -1)).toHaveLength(10);
    expect(await counters.read([requests!], Date.now())).toEqual([10]);

    const streams = await Promise.all(
      Array.from({ length: 50 }, () => counters.reserve([check(spend!, 0.1, 0.06)], Date.now())),
    );
    expect(streams.filter((r) => r.failed === -1)).toHaveLength(1);
    expect(await counters.read([spend!], Date.now())).toEqual([0.06]);
  });
});
