import { describe, expect, it } from 'vitest';
import { startGateway } from '../helpers/gateway.ts';
import { freePort } from '../helpers/ports.ts';
import { HAS_REDIS, RedisServer } from '../helpers/redis-server.ts';

describe('GET /ready', () => {
  it('is 503 while no provider is active, while /health stays 200', async () => {
    const gw = await startGateway({});
    try {
      expect((await fetch(`${gw.url}/health`)).status).toBe(200);
      const res = await fetch(`${gw.url}/ready`);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ status: 'not ready', checks: { providers: 'none active' } });
    } finally {
      await gw.close();
    }
  });

  it('is 200 with an active provider, and 503 while the configured Redis refuses connections', async () => {
    const ready = await startGateway({ DEMO: 'true' });
    const closedPort = await freePort();
    const noRedis = await startGateway({
      DEMO: 'true',
      REDIS_URL: `redis://:sk-redis-password@127.0.0.1:${closedPort}`,
    });
    try {
      const ok = await fetch(`${ready.url}/ready`);
      expect([ok.status, await ok.json()]).toEqual([200, { status: 'ready', checks: { providers: '1 active' } }]);
      const down = await fetch(`${noRedis.url}/ready`);
      expect([down.status, await down.json()]).toEqual([
        503,
        { status: 'not ready', checks: { providers: '1 active', redis: 'unreachable' } },
      ]);
    } finally {
      await Promise.all([ready.close(), noRedis.close()]);
    }
  });

  it.runIf(HAS_REDIS)('is 200 once the configured Redis accepts connections', async () => {
    const redis = new RedisServer(await freePort(), 'sk-redis-ready-secret');
    await redis.start();
    const gw = await startGateway({
      DEMO: 'true',
      REDIS_URL: `redis://:sk-redis-ready-secret@127.0.0.1:${redis.port}`,
    });
    try {
      const res = await fetch(`${gw.url}/ready`);
      expect([res.status, await res.json()]).toEqual([
        200,
        { status: 'ready', checks: { providers: '1 active', redis: 'reachable' } },
      ]);
    } finally {
      await gw.close();
      await redis.stop();
    }
  });

  it('needs no gateway key, like /health', async () => {
    const gw = await startGateway({ DEMO: 'true', GATEWAY_API_KEYS: 'sk-gw-ready-123' });
    try {
      expect((await fetch(`${gw.url}/ready`)).status).toBe(200);
      expect((await fetch(`${gw.url}/v1/models`)).status).toBe(401);
    } finally {
      await gw.close();
    }
  });
});
