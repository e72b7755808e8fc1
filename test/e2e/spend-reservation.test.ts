import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startGateway } from '../helpers/gateway.ts';
import { startGatewayProcess } from '../helpers/gateway-process.ts';
import { json, MockUpstream, sleep } from '../helpers/mock-upstream.ts';
import { anthropicMessage, anthropicTextStream } from '../helpers/native-mocks.ts';
import { freePort, HAS_REDIS, RedisServer } from '../helpers/redis-server.ts';

// gpt-4o: $2.5 per million input tokens, $10 per million output tokens (built-in catalog).
// max_tokens 6000 → a worst case of 6000 × $10/M = $0.06 (+ a few input tokens) per stream.
const MAX_TOKENS = 6000;
const WORST_CASE_USD = 0.0601;
const BUDGET_USD = 0.1;
const STREAMS = 50;
const streamRequest = {
  model: 'gpt-4o',
  stream: true,
  max_tokens: MAX_TOKENS,
  messages: [{ role: 'user', content: 'Write a long story.' }],
};

/** Each stream takes a while and uses all of its max_tokens: every admitted one costs its worst case. */
function slowFullStreams(upstream: MockUpstream): void {
  upstream.handle(async (req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const chunk = (body: object) => res.write(`data: ${JSON.stringify(body)}\n\n`);
    const base = { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-2024-08-06' };
    chunk({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: 'Once' }, finish_reason: null }] });
    await sleep(300);
    chunk({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'length' }] });
    if (req.json?.stream_options?.include_usage)
      chunk({
        ...base,
        choices: [],
        usage: { prompt_tokens: 12, completion_tokens: MAX_TOKENS, total_tokens: 12 + MAX_TOKENS },
      });
    res.end('data: [DONE]\n\n');
  });
}

/** Sends a stream and reads it to the end: its status, and whether the body completed. */
async function stream(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(streamRequest),
  });
  const text = await response.text();
  return { status: response.status, done: text.includes('[DONE]'), text };
}

/** Token limits count in one-minute windows: start a counting test early enough in one to finish in it. */
async function awayFromMinuteEnd(): Promise<void> {
  const second = new Date().getUTCSeconds();
  if (second >= 50) await sleep((61 - second) * 1000);
}

/** What the upstream billed: each request it received used its whole max_tokens. */
const billedUsd = (upstream: MockUpstream) => (upstream.received.length * (12 * 2.5 + MAX_TOKENS * 10)) / 1e6;

describe('reservations before the call, in memory', () => {
  let upstream: MockUpstream;
  beforeAll(async () => {
    upstream = await new MockUpstream().start();
    slowFullStreams(upstream);
  });
  afterAll(() => upstream.close());

  it(`${STREAMS} parallel streams under BUDGET_USD_DAILY spend at most the budget plus one worst case`, async () => {
    upstream.received.length = 0;
    const gw = await startGateway({
      BUDGET_USD_DAILY: String(BUDGET_USD),
      OPENAI_API_KEY: 'sk-reservation-test',
      OPENAI_BASE_URL: `${upstream.url}/v1`,
    });
    try {
      const results = await Promise.all(Array.from({ length: STREAMS }, () => stream(gw.url)));
      const served = results.filter((r) => r.status === 200);
      expect(served.length).toBeGreaterThanOrEqual(1);
      expect(served.every((r) => r.done)).toBe(true);
      expect(results.filter((r) => r.status === 429).length).toBe(STREAMS - served.length);
      expect(billedUsd(upstream)).toBeLessThanOrEqual(BUDGET_USD + WORST_CASE_USD);
      const refused = results.find((r) => r.status === 429);
      expect(JSON.parse(refused!.text).error.message).toContain('BUDGET_USD_DAILY');

      // The settled spend is the real one: the log lines' costs add up to what the upstream billed.
      await sleep(50);
      const logged = gw.logs.filter((l) => l.msg === 'request' && l.status === 200);
      const spent = logged.reduce((sum, l) => sum + Number(l.costUsd), 0);
      expect(spent).toBeCloseTo(billedUsd(upstream), 8);
    } finally {
      await gw.close();
    }
  });

  it('RATE_LIMIT_TPM reserves max_tokens: parallel streams fit the minute only as far as their caps do', async () => {
    upstream.received.length = 0;
    const gw = await startGateway({
      RATE_LIMIT_TPM: '13000', // two streams of 6000 (+ input) fit, a third does not
      OPENAI_API_KEY: 'sk-reservation-test',
      OPENAI_BASE_URL: `${upstream.url}/v1`,
    });
    try {
      await awayFromMinuteEnd();
      const results = await Promise.all(Array.from({ length: 20 }, () => stream(gw.url)));
      expect(results.filter((r) => r.status === 200)).toHaveLength(2);
      expect(upstream.received).toHaveLength(2);
      const refused = results.find((r) => r.status === 429)!;
      expect(JSON.parse(refused.text).error.message).toContain('RATE_LIMIT_TPM');
    } finally {
      await gw.close();
    }
  });

  it('a failed call releases its reservation', async () => {
    const failing = await new MockUpstream().start();
    failing.handle((_req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'bad', type: 'invalid_request_error' } }));
    });
    const gw = await startGateway({
      BUDGET_USD_DAILY: '0.07',
      OPENAI_API_KEY: 'sk-reservation-test',
      OPENAI_BASE_URL: `${failing.url}/v1`,
    });
    try {
      for (let i = 0; i < 5; i++) {
        const answer = await postJson(`${gw.url}/v1/chat/completions`, { ...streamRequest, stream: false });
        expect(answer.status).toBe(400);
        expect(answer.headers.get('x-ratelimit-remaining-budget-usd')).toMatch(/^0\.0099/);
        await sleep(20);
      }
    } finally {
      await gw.close();
      await failing.close();
    }
  });
});

describe.skipIf(!HAS_REDIS)('reservations shared through Redis by two gateway processes', () => {
  let upstream: MockUpstream;
  let redis: RedisServer;
  const children: ChildProcess[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-reservations-'));
  const keysFile = join(dir, 'keys.json');

  beforeAll(async () => {
    upstream = await new MockUpstream().start();
    slowFullStreams(upstream);
    redis = new RedisServer(await freePort(), 'reservation-SECRET');
    await redis.start();
    writeFileSync(
      keysFile,
      JSON.stringify([
        { name: 'budget', key: 'sk-gw-budget-key', budget_usd_daily: BUDGET_USD },
        { name: 'tokens', key: 'sk-gw-tokens-key', tpm: 13_000 },
        { name: 'warm', key: 'sk-gw-warm-key', rpm: 1000 },
      ]),
    );
  });
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await redis.stop();
    await upstream.close();
  });

  async function startProcess(logs: { output: () => string }[]): Promise<string> {
    const started = await startGatewayProcess({
      OPENAI_API_KEY: 'sk-reservation-test',
      OPENAI_BASE_URL: `${upstream.url}/v1`,
      GATEWAY_API_KEYS_FILE: keysFile,
      REDIS_URL: `redis://:reservation-SECRET@127.0.0.1:${redis.port}`,
    });
    children.push(started.child);
    logs.push(started);
    return started.url;
  }

  it('together they keep N parallel streams within one budget and one TPM', async () => {
    const logs: { output: () => string }[] = [];
    const urls = [await startProcess(logs), await startProcess(logs)];
    // One reservation each first: connections open and the script is loaded before the burst, so
    // that a slow first call on a busy machine does not send a process to local counting.
    for (const url of urls) expect((await stream(url, { authorization: 'Bearer sk-gw-warm-key' })).status).toBe(200);
    const counting = () => logs.map((l) => l.output()).join('');

    expect(counting()).not.toContain('Redis unreachable');
    upstream.received.length = 0;
    const budget = await Promise.all(
      Array.from({ length: STREAMS }, (_, i) => stream(urls[i % 2]!, { authorization: 'Bearer sk-gw-budget-key' })),
    );
    const served = budget.filter((r) => r.status === 200);
    expect(served.length).toBeGreaterThanOrEqual(1);
    expect(served.every((r) => r.done)).toBe(true);
    expect(billedUsd(upstream)).toBeLessThanOrEqual(BUDGET_USD + WORST_CASE_USD);
    const refusal = JSON.parse(budget.find((r) => r.status === 429)!.text).error.message;
    expect(refusal).toContain("budget_usd_daily of key 'budget'");

    upstream.received.length = 0;
    await awayFromMinuteEnd();
    expect(counting()).not.toContain('Redis unreachable');
    const tokens = await Promise.all(
      Array.from({ length: 20 }, (_, i) => stream(urls[i % 2]!, { authorization: 'Bearer sk-gw-tokens-key' })),
    );
    expect(tokens.filter((r) => r.status === 200)).toHaveLength(2);
    expect(upstream.received).toHaveLength(2);

    const output = counting();
    expect(output).not.toContain('Redis unreachable');
    expect(output).not.toContain('reservation-SECRET');
    expect(output).not.toContain('sk-gw-budget-key');
  }, 60_000); // it may wait for the next minute (awayFromMinuteEnd)
});

describe('a route whose usage the gateway cannot read yet', () => {
  it('POST /v1/responses reserves max_output_tokens, and keeps the reservation when the usage is unreadable', async () => {
    const upstream = await new MockUpstream().start();
    // A usage object in a shape no reader knows (as /v1/responses was before its own reader).
    upstream.handle((_req, res) =>
      json(res, 200, { id: 'resp_1', object: 'response', model: 'gpt-4o', output: [], usage: { units: 7 } }),
    );
    const gw = await startGateway({
      BUDGET_USD_DAILY: String(BUDGET_USD),
      OPENAI_API_KEY: 'sk-reservation-test',
      OPENAI_BASE_URL: `${upstream.url}/v1`,
    });
    try {
      const body = { model: 'gpt-4o', input: 'Write a long story.', max_output_tokens: MAX_TOKENS };
      const first = await postJson(`${gw.url}/v1/responses`, body);
      expect(first.status).toBe(200);
      expect(Number(first.headers.get('x-ratelimit-remaining-budget-usd'))).toBeCloseTo(BUDGET_USD - 0.06, 3);
      await sleep(30);
      // The worst case stood as the charge: a second $0.06 no longer fits the $0.10.
      const second = await postJson(`${gw.url}/v1/responses`, body);
      expect(second.status).toBe(429);
      expect(upstream.received).toHaveLength(1);
    } finally {
      await gw.close();
      await upstream.close();
    }
  });
});

// The Responses client format: native at OpenAI (pass-through), translated for Anthropic.
const RESPONSE_MESSAGE = {
  type: 'message',
  id: 'msg_1',
  status: 'completed',
  role: 'assistant',
  content: [{ type: 'output_text', text: 'Once upon a time.', annotations: [] }],
};
const responsesAnswer = (usage: object | null) => ({
  id: 'resp_1',
  object: 'response',
  created_at: 1741476542,
  status: 'completed',
  model: 'gpt-4o-2024-08-06',
  output: [RESPONSE_MESSAGE],
  usage,
});
const RESPONSES_USAGE = { input_tokens: 100, output_tokens: 1000, total_tokens: 1100 };

describe.each([
  {
    name: 'native (OpenAI, passed through)',
    model: 'gpt-4o',
    env: (url: string) => ({ OPENAI_API_KEY: 'sk-responses-openai', OPENAI_BASE_URL: `${url}/v1` }),
    // gpt-4o: $2.5 / $10 per million.
    realCostUsd: (100 * 2.5 + 1000 * 10) / 1e6,
    answer: (res: ServerResponse) => json(res, 200, responsesAnswer(RESPONSES_USAGE)),
    stream: async (res: ServerResponse) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const event = (type: string, fields: object) =>
        res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...fields })}\n\n`);
      event('response.created', {
        sequence_number: 0,
        response: { ...responsesAnswer(null), status: 'in_progress', output: [] },
      });
      await sleep(300);
      event('response.completed', { sequence_number: 1, response: responsesAnswer(RESPONSES_USAGE) });
      res.end();
    },
  },
  {
    name: 'translated (Anthropic)',
    model: 'anthropic/claude-sonnet-4-5',
    env: (url: string) => ({ ANTHROPIC_API_KEY: 'sk-ant-responses', ANTHROPIC_BASE_URL: url }),
    // claude-sonnet-4-5: $3 / $15 per million; anthropicMessage reports 25 in, 12 out.
    realCostUsd: (25 * 3 + 12 * 15) / 1e6,
    answer: (res: ServerResponse) => json(res, 200, anthropicMessage('Once upon a time.')),
    stream: async (res: ServerResponse) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const events = anthropicTextStream(['Once ', 'upon a time.']);
      res.write(events[0]);
      await sleep(300);
      for (const event of events.slice(1)) res.write(event);
      res.end();
    },
  },
])('the Responses API is reserved and settled like chat: $name', ({ model, env, realCostUsd, answer, stream }) => {
  const MAX_OUTPUT = 4000;
  /** Streams the upstream is serving at once, and the most it ever served at once. */
  let inFlight = 0;
  let mostInFlight = 0;
  let upstream: MockUpstream;
  let gw: Awaited<ReturnType<typeof startGateway>>;
  beforeAll(async () => {
    upstream = await new MockUpstream().start();
    upstream.handle(async (req, res) => {
      if (!req.json?.stream) return answer(res);
      inFlight++;
      mostInFlight = Math.max(mostInFlight, inFlight);
      await stream(res);
      inFlight--;
    });
    gw = await startGateway({ BUDGET_USD_DAILY: String(BUDGET_USD), ...env(upstream.url) });
  });
  afterAll(async () => {
    await gw.close();
    await upstream.close();
  });

  it('reserves max_output_tokens before the call, settles to the real cost, and holds parallel streams to the budget', async () => {
    const body = { model, input: 'Write a long story.', max_output_tokens: MAX_OUTPUT };
    const first = await postJson(`${gw.url}/v1/responses`, body);
    expect(first.status).toBe(200);
    // Output price × max_output_tokens ($0.04 at $10/M, $0.06 at $15/M) was taken from the budget.
    const outputPrice = model === 'gpt-4o' ? 10 : 15;
    expect(Number(first.headers.get('x-ratelimit-remaining-budget-usd'))).toBeCloseTo(
      BUDGET_USD - (MAX_OUTPUT * outputPrice) / 1e6,
      3,
    );
    await sleep(30);
    const self = await fetch(`${gw.url}/v1/gateway/keys/self`).then((r) => r.json());
    const budget = (self.limits as { kind: string; used: number }[]).find((limit) => limit.kind === 'budget');
    expect(budget?.used).toBeCloseTo(realCostUsd, 6);

    // In flight, each stream holds its worst case: two fit in what is left only at $0.04, one at $0.06.
    upstream.received.length = 0;
    const streams = await Promise.all(
      Array.from({ length: 20 }, () =>
        fetch(`${gw.url}/v1/responses`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ ...body, stream: true }),
        }).then(async (r) => ({ status: r.status, text: await r.text() })),
      ),
    );
    const served = streams.filter((r) => r.status === 200);
    for (const r of served) expect(r.text).toContain('response.completed');
    expect(streams.every((r) => r.status === 200 || r.status === 429)).toBe(true);
    // Reservations held while streams run: never more at once than the budget left has worst cases
    // for (a stream that ended frees the difference to its real cost for a later one).
    const worstCaseUsd = (MAX_OUTPUT * outputPrice) / 1e6;
    const fits = Math.floor((BUDGET_USD - realCostUsd) / worstCaseUsd);
    expect(mostInFlight).toBeGreaterThanOrEqual(1);
    expect(mostInFlight).toBeLessThanOrEqual(fits);
    expect(served.length).toBeLessThan(20);
    // What the provider billed stays within the budget.
    expect((1 + served.length) * realCostUsd).toBeLessThanOrEqual(BUDGET_USD);
  });
});
