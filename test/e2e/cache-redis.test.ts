import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayProcess, startGatewayProcess } from '../helpers/gateway-process.ts';
import { postJson } from '../helpers/gateway.ts';
import { json, MockUpstream, sleep } from '../helpers/mock-upstream.ts';
import { anthropicMessage } from '../helpers/native-mocks.ts';
import { freePort, HAS_REDIS, RedisServer } from '../helpers/redis-server.ts';

describe.skipIf(!HAS_REDIS)('response cache in Redis', () => {
  let redis: RedisServer;
  let upstream: MockUpstream;
  let gateways: GatewayProcess[] = [];
  beforeAll(async () => {
    redis = new RedisServer(await freePort(), 'cache-e2e-pw');
    await redis.start();
    upstream = await new MockUpstream().start();
    upstream.handle((_req, res) => json(res, 200, anthropicMessage('Shared answer')));
  });
  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.stop()));
    await upstream?.close();
    await redis?.stop();
  });

  it('an answer filed by one gateway process is a hit on another', async () => {
    const env = {
      ANTHROPIC_API_KEY: 'sk-ant-redis-cache',
      ANTHROPIC_BASE_URL: upstream.url,
      CACHE: 'redis',
      REDIS_URL: `redis://:cache-e2e-pw@127.0.0.1:${redis.port}`,
    };
    gateways = await Promise.all([startGatewayProcess(env), startGatewayProcess(env)]);
    const [a, b] = gateways as [GatewayProcess, GatewayProcess];
    const body = { model: 'claude-sonnet-4-5-20250929', max_tokens: 50, messages: [{ role: 'user', content: 'Hi' }] };
    const first = await postJson(`${a.url}/v1/messages`, body);
    expect(first.headers.get('x-gateway-cache')).toBe('miss');
    let second = await postJson(`${b.url}/v1/messages`, body);
    // filing happens once the first response is over: allow it a moment
    for (let i = 0; i < 20 && second.headers.get('x-gateway-cache') !== 'hit'; i++) {
      await sleep(50);
      second = await postJson(`${b.url}/v1/messages`, body);
    }
    expect(second.headers.get('x-gateway-cache')).toBe('hit');
    expect(second.json.content[0].text).toBe('Shared answer');
    expect(upstream.received.length).toBeLessThanOrEqual(2);
    const misses = upstream.received.length;
    // the entry now answers both
    expect((await postJson(`${a.url}/v1/messages`, body)).headers.get('x-gateway-cache')).toBe('hit');
    expect(upstream.received).toHaveLength(misses);
  });
});
