import type { ChildProcess } from 'node:child_process';
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startGateway } from '../helpers/gateway.ts';
import { startGatewayProcess } from '../helpers/gateway-process.ts';
import { chatCompletion, json, MockUpstream, sleep } from '../helpers/mock-upstream.ts';
import { freePort, HAS_REDIS, RedisServer } from '../helpers/redis-server.ts';

const chat = { model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] };

/** Limits count in one-minute windows: start a counting test early enough in one to finish in it. */
async function awayFromMinuteEnd(): Promise<void> {
  const second = new Date().getUTCSeconds();
  if (second >= 55) await sleep((61 - second) * 1000);
}

describe('rate limits and budgets at the gateway', () => {
  let upstream: MockUpstream;
  beforeAll(async () => {
    upstream = await new MockUpstream().start();
    upstream.handle((req, res) => {
      if (req.url.startsWith('/v1/messages')) {
        return json(res, 200, {
          id: 'm',
          type: 'message',
          role: 'assistant',
          model: 'claude-sonnet-4-5',
          content: [],
          stop_reason: 'end_turn',
          usage: { input_tokens: 1, output_tokens: 1 },
        });
      }
      json(res, 200, {
        ...chatCompletion('ok', 'gpt-4o'),
        usage: { prompt_tokens: 100_000, completion_tokens: 50_000, total_tokens: 150_000 },
      });
    });
  });
  afterAll(() => upstream.close());

  it('RATE_LIMIT_RPM: per key, 429 with Retry-After and x-ratelimit headers in the client shape', async () => {
    await awayFromMinuteEnd();
    const gw = await startGateway({
      GATEWAY_API_KEYS: 'a:key-a,b:key-b',
      RATE_LIMIT_RPM: '2',
      OPENAI_API_KEY: 'k',
      OPENAI_BASE_URL: `${upstream.url}/v1`,
    });
    try {
      const a = { authorization: 'Bearer key-a' };
      const first = await postJson(`${gw.url}/v1/chat/completions`, chat, a);
      expect(first.status).toBe(200);
      expect(first.headers.get('x-ratelimit-limit-requests')).toBe('2');
      expect(first.headers.get('x-ratelimit-remaining-requests')).toBe('1');
      expect((await postJson(`${gw.url}/v1/chat/completions`, chat, a)).status).toBe(200);
      const refused = await postJson(`${gw.url}/v1/chat/completions`, chat, a);
      expect(refused.status).toBe(429);
      expect(refused.json.error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limit_exceeded' });
      expect(refused.json.error.message).toContain('RATE_LIMIT_RPM');
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(refused.headers.get('x-ratelimit-remaining-requests')).toBe('0');
      // Another key has its own allowance; the Anthropic route answers in Anthropic's shape.
      expect((await postJson(`${gw.url}/v1/chat/completions`, chat, { authorization: 'Bearer key-b' })).status).toBe(
        200,
      );
      const anthropic = new Anthropic({ baseURL: gw.url, apiKey: 'key-a', maxRetries: 0 });
      const error = await anthropic.messages.create({ model: 'gpt-4o', max_tokens: 1, messages: [] }).catch((e) => e);
      expect(error).toBeInstanceOf(Anthropic.RateLimitError);
      expect(error.error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    } finally {
      await gw.close();
    }
  });

  it('BUDGET_USD_DAILY: refuses once the day’s spend reaches the budget, until midnight UTC', async () => {
    // Each answer costs 100k × $2.5/M + 50k × $10/M = $0.75.
    const gw = await startGateway({
      BUDGET_USD_DAILY: '1',
      OPENAI_API_KEY: 'k',
      OPENAI_BASE_URL: `${upstream.url}/v1`,
    });
    try {
      const first = await postJson(`${gw.url}/v1/chat/completions`, chat);
      expect(first.headers.get('x-gateway-cost-usd')).toBe('0.75');
      await sleep(20); // spend is recorded when the request completes
      expect((await postJson(`${gw.url}/v1/chat/completions`, chat)).status).toBe(200); // spent 0.75 < 1
      await sleep(20);
      const refused = await postJson(`${gw.url}/v1/chat/completions`, chat);
      expect(refused.status).toBe(429);
      expect(refused.json.error.message).toContain('BUDGET_USD_DAILY');
      const now = new Date();
      const secondsToMidnight =
        (Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1) - now.getTime()) / 1000;
      expect(Math.abs(Number(refused.headers.get('retry-after')) - secondsToMidnight)).toBeLessThan(5);
    } finally {
      await gw.close();
    }
  });
});

describe('every upstream attempt counts against the rate limits', () => {
  it('retries and fallbacks each count one request (RPM) and their input again (TPM)', async () => {
    const failing = await new MockUpstream().start();
    failing.handle((_req, res) => json(res, 503, { error: { message: 'overloaded', type: 'server_error' } }));
    const working = await new MockUpstream().start();
    working.handle((_req, res) => json(res, 200, chatCompletion('ok', 'llama-3.3-70b-versatile')));
    const gw = await startGateway({
      OPENAI_API_KEY: 'sk-attempts-openai',
      OPENAI_BASE_URL: `${failing.url}/v1`,
      GROQ_API_KEY: 'sk-attempts-groq',
      GROQ_BASE_URL: `${working.url}/v1`,
      RATE_LIMIT_RPM: '4',
      RATE_LIMIT_TPM: '1000000',
      MAX_RETRIES: '1',
    });
    try {
      await awayFromMinuteEnd();
      const body = { ...chat, max_tokens: 10 };
      const inputTokens = Math.ceil(Buffer.byteLength(JSON.stringify(body)) / 4);
      // OpenAI answers 503, is retried once, then the fallback serves: three upstream calls.
      const first = await postJson(`${gw.url}/v1/chat/completions`, body, {
        'x-gateway-fallback': 'groq/llama-3.3-70b-versatile',
      });
      expect(first.status).toBe(200);
      expect(first.headers.get('x-gateway-attempts')).toBe('3');
      expect(failing.received).toHaveLength(2);
      await sleep(30);
      const self = await fetch(`${gw.url}/v1/gateway/keys/self`).then((r) => r.json());
      const used = Object.fromEntries(
        (self.limits as { kind: string; used: number }[]).map((limit) => [limit.kind, limit.used]),
      );
      // The served attempt settles to its usage (19 + 10); the two failed ones sent the prompt too.
      expect(used).toEqual({ requests: 3, tokens: 29 + 2 * inputTokens });

      // One request left of 4 this minute: the next one fits, the one after is refused.
      const second = await postJson(`${gw.url}/v1/chat/completions`, {
        ...body,
        model: 'groq/llama-3.3-70b-versatile',
      });
      expect(second.status).toBe(200);
      const third = await postJson(`${gw.url}/v1/chat/completions`, { ...body, model: 'groq/llama-3.3-70b-versatile' });
      expect(third.status).toBe(429);
      expect(third.json.error.message).toContain('4 requests per minute (RATE_LIMIT_RPM)');
      expect(working.received).toHaveLength(2);
    } finally {
      await gw.close();
      await failing.close();
      await working.close();
    }
  });
});

describe.skipIf(!HAS_REDIS)('limits shared through Redis by two gateway processes', () => {
  let upstream: MockUpstream;
  let redis: RedisServer;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    upstream = await new MockUpstream().start();
    upstream.handle((_req, res) => json(res, 200, chatCompletion('ok')));
    redis = new RedisServer(await freePort(), 'gateway-test-SECRET');
    await redis.start();
  });
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await redis.stop();
    await upstream.close();
  });

  async function startProcess(logs: { output: () => string }[]): Promise<string> {
    const started = await startGatewayProcess({
      OPENAI_API_KEY: 'k',
      OPENAI_BASE_URL: `${upstream.url}/v1`,
      RATE_LIMIT_RPM: '5',
      REDIS_URL: `redis://:gateway-test-SECRET@127.0.0.1:${redis.port}`,
    });
    children.push(started.child);
    logs.push(started);
    return started.url;
  }

  it('together they admit exactly the limit; with Redis stopped requests keep succeeding', async () => {
    const logs: { output: () => string }[] = [];
    const urls = [await startProcess(logs), await startProcess(logs)];
    await awayFromMinuteEnd();
    // One request each first: connections open and the script is loaded before the burst, so that a
    // slow first call on a busy machine does not send a process to local counting. 3 of 5 remain.
    for (const url of urls) expect((await postJson(`${url}/v1/chat/completions`, chat)).status).toBe(200);
    const statuses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => postJson(`${urls[i % 2]}/v1/chat/completions`, chat).then((r) => r.status)),
    );
    expect(logs.map((l) => l.output()).join('')).not.toContain('Redis unreachable');
    expect(statuses.filter((s) => s === 200).length).toBe(3);
    expect(statuses.filter((s) => s === 429).length).toBe(17);

    await redis.stop();
    const started = performance.now();
    const afterOutage = await Promise.all(
      [0, 1].map((i) => postJson(`${urls[i]!}/v1/chat/completions`, chat, { 'x-gateway-ignored': String(i) })),
    );
    // Counting is local now: each process has a fresh window of its own and serves.
    expect(afterOutage.map((r) => r.status)).toEqual([200, 200]);
    expect(performance.now() - started).toBeLessThan(2000);
    await sleep(50);
    const output = logs.map((l) => l.output()).join('');
    expect(output).toContain('Redis unreachable: counting locally');
    expect(output).not.toContain('gateway-test-SECRET');
  });
});
