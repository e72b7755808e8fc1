import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startGateway, type TestGateway, waitForLog } from '../helpers/gateway.ts';
import {
  chatCompletion,
  chatCompletionChunks,
  json,
  MockUpstream,
  sleep,
  streamEvents,
} from '../helpers/mock-upstream.ts';
import { freePort } from '../helpers/ports.ts';

/**
 * Three OpenAI-format providers on one mock, told apart by path. Each test scripts what each
 * answers; `calls` records the order in which they were tried.
 */
type Script = (
  n: number,
) => { status: number; headers?: Record<string, string>; hang?: boolean; stream?: 'break' } | undefined;

describe('routing, fallback and retries', () => {
  let upstream: MockUpstream;
  let gw: TestGateway | undefined;
  let calls: string[] = [];
  let scripts: Record<string, Script> = {};
  const counts: Record<string, number> = {};

  beforeAll(async () => {
    upstream = await new MockUpstream().start();
    upstream.handle(async (req, res) => {
      const provider = req.url.split('/')[1] as string;
      calls.push(provider);
      counts[provider] = (counts[provider] ?? 0) + 1;
      const plan = scripts[provider]?.(counts[provider] as number);
      if (plan?.hang) return; // never answers
      if (plan?.stream === 'break') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(chatCompletionChunks(['x'])[0]);
        await sleep(20);
        res.socket?.destroy();
        return;
      }
      if (plan && plan.status !== 200)
        return json(
          res,
          plan.status,
          { error: { message: `${provider} says ${plan.status}`, type: 'x' } },
          plan.headers,
        );
      if (req.json.stream) return streamEvents(res, chatCompletionChunks([provider]));
      json(res, 200, chatCompletion(`from ${provider}`, req.json.model));
    });
  });
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
    calls = [];
    scripts = {};
    for (const key of Object.keys(counts)) delete counts[key];
  });
  afterAll(() => upstream.close());

  const env = (extra: Record<string, string> = {}) => ({
    OPENAI_API_KEY: 'k',
    OPENAI_BASE_URL: `${upstream.url}/openai`,
    GROQ_API_KEY: 'k',
    GROQ_BASE_URL: `${upstream.url}/groq`,
    TOGETHER_API_KEY: 'k',
    TOGETHER_BASE_URL: `${upstream.url}/together`,
    ROUTES: JSON.stringify({
      smart: ['openai/gpt-4o', 'groq/llama-3.3-70b-versatile', 'together/meta-llama/Llama-3.3-70B'],
    }),
    MAX_RETRIES: '0',
    ...extra,
  });
  const ask = (model = 'smart', headers: Record<string, string> = {}, extra: object = {}) =>
    postJson(
      `${gw!.url}/v1/chat/completions`,
      { model, messages: [{ role: 'user', content: 'Hi' }], ...extra },
      headers,
    );

  it.each([
    ['429', { status: 429 }],
    ['503', { status: 503 }],
  ])('falls back on %s to the next target of a route, naming what served', async (_name, failure) => {
    gw = await startGateway(env());
    scripts.openai = () => failure;
    const result = await ask();
    expect(result.status).toBe(200);
    expect(result.json.choices[0].message.content).toBe('from groq');
    expect(result.headers.get('x-gateway-provider')).toBe('groq');
    expect(result.headers.get('x-gateway-model')).toBe('llama-3.3-70b-versatile');
    expect(result.headers.get('x-gateway-attempts')).toBe('2');
    expect(calls).toEqual(['openai', 'groq']);
    const line = await waitForLog(gw, (l) => l.requestId === result.headers.get('x-request-id'));
    expect(line.attempts).toMatchObject([
      { provider: 'openai', outcome: String(failure.status) },
      { provider: 'groq', outcome: '200' },
    ]);
  });

  it('falls back when a provider refuses connections, and when it sends no headers in time', async () => {
    gw = await startGateway(
      env({ OPENAI_BASE_URL: `http://127.0.0.1:${await freePort()}/openai`, REQUEST_TIMEOUT_MS: '900' }),
    );
    scripts.groq = () => ({ status: 200, hang: true });
    const started = performance.now();
    const result = await ask();
    expect(result.json.choices[0].message.content).toBe('from together');
    expect(calls).toEqual(['groq', 'together']);
    expect(performance.now() - started).toBeLessThan(900);
  });

  it('does not fall back on 400: the client gets the provider’s own answer', async () => {
    gw = await startGateway(env());
    scripts.openai = () => ({ status: 400 });
    const result = await ask();
    expect(result.status).toBe(400);
    expect(result.json.error.message).toBe('openai says 400');
    expect(calls).toEqual(['openai']);
  });

  it('never falls back once a stream has started: the client gets the mid-stream error event', async () => {
    gw = await startGateway(env());
    scripts.openai = () => ({ status: 200, stream: 'break' });
    const response = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'smart', stream: true, messages: [] }),
    });
    const text = await response.text();
    expect(text).toContain('"code":"upstream_stream_error"');
    expect(calls).toEqual(['openai']);
  });

  it('the last candidate’s failure is relayed as is', async () => {
    gw = await startGateway(env());
    scripts.openai = () => ({ status: 503 });
    scripts.groq = () => ({ status: 503 });
    scripts.together = () => ({ status: 429, headers: { 'retry-after': '7' } });
    const result = await ask();
    expect(result.status).toBe(429);
    expect(result.json.error.message).toBe('together says 429');
    expect(result.headers.get('retry-after')).toBe('7');
    expect(calls).toEqual(['openai', 'groq', 'together']);
  });

  it('retries the same target honouring Retry-After, within MAX_RETRIES', async () => {
    gw = await startGateway(env({ MAX_RETRIES: '2' }));
    scripts.openai = (n) => (n === 1 ? { status: 429, headers: { 'retry-after': '1' } } : undefined);
    const started = performance.now();
    const result = await ask('openai/gpt-4o');
    expect(result.status).toBe(200);
    expect(result.headers.get('x-gateway-attempts')).toBe('2');
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
    expect(calls).toEqual(['openai', 'openai']);
  });

  it('retries are bounded, and the whole request stays within REQUEST_TIMEOUT_MS', async () => {
    gw = await startGateway(env({ MAX_RETRIES: '3' }));
    scripts.openai = () => ({ status: 503 });
    const result = await ask('openai/gpt-4o');
    expect(result.status).toBe(503);
    expect(calls).toEqual(['openai', 'openai', 'openai', 'openai']);

    await gw.close();
    gw = await startGateway(env({ REQUEST_TIMEOUT_MS: '600' }));
    calls = [];
    scripts.openai = () => ({ status: 200, hang: true });
    scripts.groq = () => ({ status: 200, hang: true });
    scripts.together = () => ({ status: 200, hang: true });
    const started = performance.now();
    const timedOut = await ask();
    expect(timedOut.status).toBe(504);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('X-Provider bypasses the strategy and fallback', async () => {
    gw = await startGateway(env());
    scripts.groq = () => ({ status: 503 });
    const result = await ask('llama-3.3-70b-versatile', { 'x-provider': 'groq' });
    expect(result.status).toBe(503);
    expect(calls).toEqual(['groq']);
  });

  it('X-Gateway-Fallback adds targets after the selected one', async () => {
    gw = await startGateway(env());
    scripts.openai = () => ({ status: 503 });
    const result = await ask('openai/gpt-4o', { 'x-gateway-fallback': 'together/meta-llama/Llama-3.3-70B' });
    expect(result.json.choices[0].message.content).toBe('from together');
    expect(calls).toEqual(['openai', 'together']);
    expect((await ask('openai/gpt-4o', { 'x-gateway-fallback': 'nope/x' })).status).toBe(400);
  });

  it('cools down a failing target, skips it, then probes it again after COOLDOWN_MS', async () => {
    gw = await startGateway(env({ COOLDOWN_FAILURES: '2', COOLDOWN_MS: '400' }));
    scripts.openai = (n) => (n <= 2 ? { status: 503 } : undefined);
    await ask();
    await ask();
    calls = [];
    const skipped = await ask();
    expect(skipped.headers.get('x-gateway-provider')).toBe('groq');
    expect(calls).toEqual(['groq']);
    const status = await (await fetch(`${gw.url}/v1/gateway/status`)).json();
    expect(status.strategy).toBe('priority');
    expect(status.targets.find((t: { provider: string }) => t.provider === 'openai')).toMatchObject({
      state: 'cooling',
    });
    await sleep(450);
    calls = [];
    const probed = await ask();
    expect(probed.headers.get('x-gateway-provider')).toBe('openai');
    expect(calls).toEqual(['openai']);
  });

  it('round-robin spreads a route over its targets', async () => {
    gw = await startGateway(env({ ROUTING_STRATEGY: 'round-robin' }));
    const served = [];
    for (let i = 0; i < 6; i++) served.push((await ask()).headers.get('x-gateway-provider'));
    expect(served).toEqual(['openai', 'groq', 'together', 'openai', 'groq', 'together']);
  });

  it('PROVIDER_PRIORITY orders the candidates of the priority strategy', async () => {
    gw = await startGateway(env({ PROVIDER_PRIORITY: 'together,groq' }));
    expect((await ask()).headers.get('x-gateway-provider')).toBe('together');
  });

  it('invalid routing settings stop start-up naming the variable', async () => {
    await expect(startGateway(env({ ROUTES: '{"x":["nope/m"]}' }))).rejects.toThrow(/ROUTES: unknown provider 'nope'/);
    await expect(startGateway(env({ ROUTES: '{oops' }))).rejects.toThrow(/ROUTES: not valid JSON/);
    await expect(startGateway(env({ PROVIDER_WEIGHTS: 'openai=0' }))).rejects.toThrow(
      /PROVIDER_WEIGHTS: weight of 'openai' must be a positive number/,
    );
    await expect(startGateway(env({ PROVIDER_PRIORITY: 'openai,bogus' }))).rejects.toThrow(
      /PROVIDER_PRIORITY: unknown provider 'bogus'/,
    );
    await expect(startGateway(env({ ROUTING_STRATEGY: 'fastest' }))).rejects.toThrow(/ROUTING_STRATEGY/);
  });
});

describe('FALLBACK=off', () => {
  it('only the first candidate is tried, even when it is unreachable', async () => {
    const upstream = await new MockUpstream().start();
    upstream.handle((_req, res) => json(res, 200, chatCompletion('from groq')));
    const gw = await startGateway({
      OPENAI_API_KEY: 'k',
      OPENAI_BASE_URL: `http://127.0.0.1:${await freePort()}/v1`,
      GROQ_API_KEY: 'k',
      GROQ_BASE_URL: `${upstream.url}/groq`,
      ROUTES: JSON.stringify({ smart: ['openai/gpt-4o', 'groq/llama-3.3-70b-versatile'] }),
      FALLBACK: 'off',
      MAX_RETRIES: '1',
    });
    try {
      const result = await postJson(`${gw.url}/v1/chat/completions`, { model: 'smart', messages: [] });
      expect(result.status).toBe(502);
      expect(upstream.received).toHaveLength(0);
      const line = await waitForLog(gw, (l) => l.requestId === result.headers.get('x-request-id'));
      expect(line.attempts).toMatchObject([
        { provider: 'openai', outcome: 'upstream_unreachable' },
        { provider: 'openai', outcome: 'upstream_unreachable' },
      ]);
    } finally {
      await gw.close();
      await upstream.close();
    }
  });
});
