import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RedisCounters } from '../../src/limits/redis-counters.ts';
import { freePort, HAS_REDIS, RedisServer } from '../helpers/redis-server.ts';

/**
 * The bundle compiles ioredis on its first import (scripts/esbuild-options.mjs), which on a busy
 * machine takes longer than the 250 ms call timeout. Here loading it takes 600 ms.
 */
vi.mock('ioredis', async (importOriginal) => {
  await sleep(600);
  return importOriginal();
});

describe.skipIf(!HAS_REDIS)('Redis counters while ioredis is still loading', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = new RedisServer(await freePort(), 'slow-load-secret');
    await server.start();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('the first call waits for the client library, then gets its answer from Redis within the timeout', async () => {
    const counters = new RedisCounters(`redis://:slow-load-secret@127.0.0.1:${server.port}`);
    try {
      const started = performance.now();
      const result = await counters.reserve([
        { key: 'switchyard:{slow}:requests:1', limit: 5, amount: 1, ttlMs: 60_000 },
      ]);
      expect(result).toEqual({ failed: -1, values: [1] });
      expect(performance.now() - started).toBeGreaterThanOrEqual(550);
      expect(counters.isReady).toBe(true);
    } finally {
      await counters.close();
    }
  });
});
