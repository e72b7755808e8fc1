import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { postJson, startGateway, type TestGateway } from '../helpers/gateway.ts';
import { chatCompletion, chatCompletionChunks, sleep } from '../helpers/mock-upstream.ts';
import { behave, ScriptedProvider } from '../helpers/scripted-provider.ts';

/**
 * Providers misbehaving on purpose, each request scripted by the test: what the client gets must
 * never be a false success, never a hang, and never a second billed request.
 */

const chat = (extra: object = {}) => ({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'Hi' }],
  ...extra,
});
const anthropicEvent = (event: object) =>
  `event: ${(event as { type: string }).type}\ndata: ${JSON.stringify(event)}\n\n`;
const textDelta = (text: string) =>
  anthropicEvent({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } });
const anthropicStart = anthropicEvent({
  type: 'message_start',
  message: {
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-4-5',
    content: [],
    usage: { input_tokens: 3, output_tokens: 1 },
  },
});

let openai: ScriptedProvider;
let anthropic: ScriptedProvider;
let gw: TestGateway;

beforeAll(async () => {
  openai = await new ScriptedProvider().start();
  anthropic = await new ScriptedProvider().start();
  gw = await startGateway({
    OPENAI_API_KEY: 'sk-openai-SECRET-1',
    OPENAI_BASE_URL: openai.url,
    ANTHROPIC_API_KEY: 'sk-ant-SECRET-1',
    ANTHROPIC_BASE_URL: anthropic.url,
    STREAM_IDLE_TIMEOUT_MS: '300',
    REQUEST_TIMEOUT_MS: '1500',
    MAX_RETRIES: '2',
    MAX_RESPONSE_BYTES: String(1024 * 1024),
  });
});
afterAll(async () => {
  await gw.close();
  await openai.close();
  await anthropic.close();
});
beforeEach(() => {
  openai.received.length = 0;
  anthropic.received.length = 0;
});

const events = (text: string) => text.split('\n\n').filter(Boolean);

describe('data loss (issue 15 items 1, 2, 4, 7)', () => {
  it('1: a translated stream with a malformed event ends with an error event, not [DONE]', async () => {
    anthropic.script(
      behave.stream([
        anthropicStart,
        textDelta('one'),
        'event: content_block_delta\ndata: {broken\n\n',
        textDelta('two'),
      ]),
    );
    const result = await postJson(`${gw.url}/v1/chat/completions`, chat({ model: 'claude-sonnet-4-5', stream: true }));
    expect(result.status).toBe(200);
    expect(result.text).toContain('one');
    expect(result.text).not.toContain('two');
    expect(result.text).not.toContain('[DONE]');
    expect(events(result.text).at(-1)).toContain('upstream_malformed');
  });

  it('2: a 200 whose body is HTML (labelled JSON) is a 502 upstream_malformed', async () => {
    openai.script(behave.raw(200, { 'content-type': 'application/json' }, '<html><body>Welcome</body></html>'));
    const result = await postJson(`${gw.url}/v1/chat/completions`, chat());
    expect(result.status).toBe(502);
    expect(result.json.error.code).toBe('upstream_malformed');
  });

  it('2: a 200 HTML page for stream: true is a 502, not a stream', async () => {
    openai.script(behave.raw(200, { 'content-type': 'text/html' }, '<html>login</html>'));
    const result = await postJson(`${gw.url}/v1/chat/completions`, chat({ stream: true }));
    expect(result.status).toBe(502);
    expect(result.json.error.code).toBe('upstream_malformed');
  });

  it('2: an event stream that is not SSE ends with an error event', async () => {
    openai.script(behave.stream(['<html>not sse</html>\n\n']));
    const result = await postJson(`${gw.url}/v1/chat/completions`, chat({ stream: true }));
    expect(result.text).not.toContain('<html>');
    expect(result.text).toContain('upstream_malformed');
  });

  it('2: a same-format stream that ends without [DONE] ends with an error event', async () => {
    const chunks = chatCompletionChunks(['Hel', 'lo']).filter((c) => !c.includes('[DONE]'));
    openai.script(behave.stream(chunks));
    const result = await postJson(`${gw.url}/v1/chat/completions`, chat({ stream: true }));
    expect(result.status).toBe(200);
    expect(result.text).toContain('Hel');
    expect(events(result.text).at(-1)).toMatch(/"error"/);
  });

  it('4: usage and cost are read from a gzip-encoded answer', async () => {
    openai.script(
      behave.raw(
        200,
        { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        gzipSync(JSON.stringify(chatCompletion('zipped'))),
      ),
    );
    const response = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(chat()),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-gateway-usage')).toMatch(/input=\d+/);
    expect(response.headers.get('x-gateway-cost-usd')).not.toBeNull();
    expect((await response.json()).choices[0].message.content).toBe('zipped');
  });

  it.each([
    ['plain', (body: string) => ({ headers: {}, body: Buffer.from(body) })],
    ['gzip-encoded', (body: string) => ({ headers: { 'content-encoding': 'gzip' }, body: gzipSync(body) })],
  ])(
    '4: a %s JSON answer of 9 MB still gets its usage read, its cost header and the budget charged',
    async (_, encode) => {
      // 100k × $2.5/M + 50k × $10/M = $0.75 for gpt-4o: past the $0.5 budget after one answer.
      const answer = {
        ...chatCompletion('x'.repeat(9 * 1024 * 1024), 'gpt-4o'),
        usage: { prompt_tokens: 100_000, completion_tokens: 50_000, total_tokens: 150_000 },
      };
      const { headers, body } = encode(JSON.stringify(answer));
      openai.script(behave.raw(200, { 'content-type': 'application/json', ...headers }, body));
      const budgeted = await startGateway({
        OPENAI_API_KEY: 'sk-openai-SECRET-1',
        OPENAI_BASE_URL: openai.url,
        BUDGET_USD_DAILY: '0.5',
      });
      try {
        const first = await postJson(`${budgeted.url}/v1/chat/completions`, chat({ model: 'gpt-4o' }));
        expect(first.status).toBe(200);
        expect(first.text.length).toBeGreaterThan(9 * 1024 * 1024);
        expect(first.headers.get('x-gateway-cost-usd')).toBe('0.75');
        expect(first.headers.get('x-gateway-usage')).toMatch(/input=100000/);
        await sleep(20); // spend is recorded when the request completes
        const second = await postJson(`${budgeted.url}/v1/chat/completions`, chat({ model: 'gpt-4o' }));
        expect(second.status).toBe(429);
        expect(second.json.error.message).toContain('BUDGET_USD_DAILY');
      } finally {
        await budgeted.close();
      }
    },
  );

  it('7: a translated answer over MAX_RESPONSE_BYTES is a 502 upstream_too_large', async () => {
    const huge = JSON.stringify({ type: 'message', content: [{ type: 'text', text: 'x'.repeat(2 * 1024 * 1024) }] });
    anthropic.script(behave.raw(200, { 'content-type': 'application/json' }, huge));
    const result = await postJson(`${gw.url}/v1/chat/completions`, chat({ model: 'claude-sonnet-4-5' }));
    expect(result.status).toBe(502);
    expect(result.json.error.code).toBe('upstream_too_large');
  });
});

describe('hangs (issue 15 items 6, 8)', () => {
  it('8: a JSON answer that stalls after its 200 headers is not asked again', async () => {
    openai.script(behave.stallAfterHeaders());
    const started = performance.now();
    const result = await postJson(`${gw.url}/v1/chat/completions`, chat());
    expect(result.status).toBe(504);
    expect(openai.received).toHaveLength(1);
    expect(performance.now() - started).toBeLessThan(1500);
  });

  it('6: one SSE event without a blank line past the limit ends with an error event, quickly', async () => {
    const part = Buffer.from(`data: ${'x'.repeat(64 * 1024)}`);
    openai.script(behave.stream(Array.from({ length: 40 }, () => part)));
    const started = performance.now();
    const result = await postJson(`${gw.url}/v1/chat/completions`, chat({ stream: true }));
    expect(performance.now() - started).toBeLessThan(3000);
    expect(result.text).toContain('upstream_too_large');
  });
});

describe('faults that already held', () => {
  it('a reset before headers is retried, then a 502', async () => {
    openai.script(behave.resetBeforeHeaders());
    const result = await postJson(`${gw.url}/v1/chat/completions`, chat());
    expect(result.status).toBe(502);
    expect(result.json.error.code).toBe('upstream_unreachable');
  });

  it('17: LOG_LEVEL=debug logs each attempt with its target and outcome', async () => {
    openai.script(
      behave.resetBeforeHeaders(),
      behave.raw(200, { 'content-type': 'application/json' }, JSON.stringify(chatCompletion('ok'))),
    );
    const result = await postJson(`${gw.url}/v1/chat/completions`, chat());
    expect(result.status).toBe(200);
    const request = result.headers.get('x-request-id');
    const lines = gw.logs.filter((line) => line.msg === 'attempt' && line.request === request);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      level: 'debug',
      provider: 'openai',
      model: 'gpt-4o-mini',
      attempt: 1,
      outcome: 'upstream_unreachable',
    });
    expect(lines[1]).toMatchObject({ provider: 'openai', model: 'gpt-4o-mini', attempt: 2 });
    expect(lines[1]?.outcome).not.toBe('upstream_unreachable');
  });

  it('a reset mid-body of a JSON answer is a 502, asked once', async () => {
    openai.script(behave.resetAfter(200, { 'content-type': 'application/json', 'content-length': '500' }, '{"id":'));
    const result = await postJson(`${gw.url}/v1/chat/completions`, chat());
    expect(result.status).toBe(502);
    expect(openai.received).toHaveLength(1);
  });

  it('a reset mid-stream ends the stream with an error event', async () => {
    const [first] = chatCompletionChunks(['Hel', 'lo']);
    openai.script(behave.resetAfter(200, { 'content-type': 'text/event-stream' }, first as string));
    const result = await postJson(`${gw.url}/v1/chat/completions`, chat({ stream: true }));
    expect(result.text).toContain('chatcmpl');
    expect(result.text).not.toContain('[DONE]');
    expect(events(result.text).at(-1)).toMatch(/"error"/);
  });

  it('a provider that never answers gets a 504 within REQUEST_TIMEOUT_MS', async () => {
    openai.script(behave.silent());
    const started = performance.now();
    const result = await postJson(`${gw.url}/v1/chat/completions`, chat());
    expect(result.status).toBe(504);
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it('a slow-drip stream is relayed whole', async () => {
    openai.script(behave.stream(chatCompletionChunks(['a', 'b', 'c']), 50));
    const result = await postJson(`${gw.url}/v1/chat/completions`, chat({ stream: true }));
    expect(result.text).toContain('[DONE]');
  });

  it('a client that stops reading holds the provider back, instead of the gateway buffering its stream', async () => {
    // 128 MB offered; what the provider gets to write while the client reads nothing is bounded by
    // socket buffers (a few MB each way), not by the stream's size.
    const [first] = chatCompletionChunks(['x'.repeat(16 * 1024)]).slice(1);
    let written = 0;
    openai.script(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      while (written < 128 * 1024 * 1024 && !res.destroyed) {
        written += (first as string).length;
        if (!res.write(first))
          await new Promise<void>((r) => {
            const done = () => {
              res.off('drain', done).off('close', done);
              r();
            };
            res.once('drain', done).once('close', done);
          });
      }
      res.end();
    });
    const client = connect(Number(new URL(gw.url).port), '127.0.0.1');
    const request = JSON.stringify(chat({ stream: true }));
    client.write(
      `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${request.length}\r\n\r\n${request}`,
    );
    await new Promise((r) => client.once('data', r));
    client.pause();
    await sleep(1000);
    const held = written;
    await sleep(500);
    expect(written).toBe(held); // stalled: the provider waits on the gateway, which waits on the client
    expect(held).toBeLessThan(40 * 1024 * 1024);
    client.destroy();
    const closedAt = performance.now();
    while (openai.sockets.size > 0 && performance.now() - closedAt < 1000) await sleep(5);
    expect(openai.sockets.size).toBe(0);
  });

  it('a client hanging up mid-stream closes the upstream connection within 100 ms', async () => {
    openai.script(behave.stream(chatCompletionChunks(Array.from({ length: 200 }, (_, i) => `p${i}`)), 20));
    const controller = new AbortController();
    const response = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(chat({ stream: true })),
      signal: controller.signal,
    });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    while (openai.sockets.size === 0) await sleep(5);
    controller.abort();
    const abortedAt = performance.now();
    while (openai.sockets.size > 0 && performance.now() - abortedAt < 1000) await sleep(5);
    expect(performance.now() - abortedAt).toBeLessThan(100);
  });

  it('a client hanging up while the provider has not answered closes the upstream within 100 ms', async () => {
    openai.script(behave.silent());
    const controller = new AbortController();
    const pending = fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(chat()),
      signal: controller.signal,
    }).catch(() => undefined);
    while (openai.received.length === 0) await sleep(5);
    controller.abort();
    await pending;
    const abortedAt = performance.now();
    while (openai.sockets.size > 0 && performance.now() - abortedAt < 1000) await sleep(5);
    expect(performance.now() - abortedAt).toBeLessThan(100);
  });
});

describe('refused connections', () => {
  it('a provider that refuses connections is a 502 upstream_unreachable', async () => {
    const other = await startGateway({ OPENAI_API_KEY: 'sk-openai-SECRET-2', OPENAI_BASE_URL: 'http://127.0.0.1:9' });
    try {
      const result = await postJson(`${other.url}/v1/chat/completions`, chat());
      expect(result.status).toBe(502);
      expect(result.json.error.code).toBe('upstream_unreachable');
    } finally {
      await other.close();
    }
  });
});
