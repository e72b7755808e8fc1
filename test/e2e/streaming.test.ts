import { once } from 'node:events';
import { connect } from 'node:net';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import { chatCompletionChunks, MockUpstream, sleep, streamEvents } from '../helpers/mock-upstream.ts';

const body = JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'Hi' }] });

describe('streaming', () => {
  let upstream: MockUpstream;
  let gw: TestGateway;

  async function setUp(env: Record<string, string> = {}) {
    upstream = await new MockUpstream().start();
    gw = await startGateway({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: `${upstream.url}/v1`, ...env });
  }
  afterEach(async () => {
    await gw?.close();
    await upstream?.close();
  });

  const post = (signal?: AbortSignal) =>
    fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      signal,
    });

  it('delivers each chunk as it arrives, before the upstream has finished', async () => {
    await setUp();
    let upstreamDoneAt = 0;
    upstream.handle(async (_req, res) => {
      await streamEvents(res, chatCompletionChunks(['a', 'b', 'c', 'd']), 200);
      upstreamDoneAt = performance.now();
    });
    const response = await post();
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(response.headers.get('content-encoding')).toBeNull();
    const reader = response.body!.getReader();
    const arrivals: number[] = [];
    let text = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      arrivals.push(performance.now());
      text += Buffer.from(value).toString('utf8');
    }
    expect(upstreamDoneAt).toBeGreaterThan(0);
    expect(arrivals[0]).toBeLessThan(upstreamDoneAt - 800);
    expect(arrivals.length).toBeGreaterThanOrEqual(5);
    expect(text).toBe(chatCompletionChunks(['a', 'b', 'c', 'd']).join(''));
  });

  it("closes the upstream connection within a second of the client's disconnect", async () => {
    await setUp();
    let upstreamClosedAt = 0;
    upstream.handle(async (_req, res, raw) => {
      raw.socket.once('close', () => (upstreamClosedAt = performance.now()));
      await streamEvents(res, chatCompletionChunks(Array.from({ length: 100 }, (_, i) => `${i} `)), 100);
    });
    const controller = new AbortController();
    const response = await post(controller.signal);
    const reader = response.body!.getReader();
    await reader.read();
    const abortedAt = performance.now();
    controller.abort();
    await reader.read().catch(() => undefined);
    for (let i = 0; i < 100 && upstreamClosedAt === 0; i++) await sleep(10);
    expect(upstreamClosedAt).toBeGreaterThan(0);
    expect(upstreamClosedAt - abortedAt).toBeLessThan(1000);
  });

  it('a client that half-closes once the stream has begun is a hang-up: the upstream is closed', async () => {
    await setUp();
    let upstreamClosedAt = 0;
    upstream.handle(async (_req, res, raw) => {
      raw.socket.once('close', () => (upstreamClosedAt = performance.now()));
      await streamEvents(res, chatCompletionChunks(Array.from({ length: 100 }, (_, i) => `${i} `)), 100);
    });
    const socket = connect(Number(new URL(gw.url).port), '127.0.0.1');
    socket.on('error', () => {});
    socket.write(
      `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    await once(socket, 'data');
    const finAt = performance.now();
    socket.end(); // FIN only: the socket stays open for reading
    for (let i = 0; i < 100 && upstreamClosedAt === 0; i++) await sleep(10);
    socket.destroy();
    expect(upstreamClosedAt).toBeGreaterThan(0);
    expect(upstreamClosedAt - finAt).toBeLessThan(1000);
  });

  it('a mid-stream upstream reset becomes a final SSE error event', async () => {
    await setUp();
    upstream.handle(async (_req, res) => {
      const events = chatCompletionChunks(['partial ', 'answer']);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(events[0]);
      res.write(events[1]);
      // Half an event, then the connection dies.
      res.write(events[2]!.slice(0, 30));
      await sleep(50);
      res.socket?.destroy();
    });
    const text = await (await post()).text();
    const events = text.split('\n\n').filter(Boolean);
    const last = JSON.parse(events.at(-1)!.replace(/^data: /, ''));
    expect(last.error).toMatchObject({ code: 'upstream_stream_error', type: 'upstream_error' });
    // Everything before the error event is whole events; the half one was dropped.
    for (const event of events.slice(0, -1)) expect(() => JSON.parse(event.replace(/^data: /, ''))).not.toThrow();
    expect(events).toHaveLength(3);
  });

  it('the openai SDK raises the mid-stream error instead of ending quietly', async () => {
    await setUp();
    upstream.handle(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chatCompletionChunks(['x'])[0]);
      await sleep(20);
      res.socket?.destroy();
    });
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'k', maxRetries: 0 });
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
    });
    const consume = async () => {
      for await (const _chunk of stream);
    };
    await expect(consume()).rejects.toThrow(/broke off/);
  });

  it('a stream idle for longer than STREAM_IDLE_TIMEOUT_MS ends with a timeout error event', async () => {
    await setUp({ STREAM_IDLE_TIMEOUT_MS: '300' });
    upstream.handle(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chatCompletionChunks(['x'])[0]);
      await sleep(2000);
      res.end();
    });
    const started = performance.now();
    const text = await (await post()).text();
    expect(performance.now() - started).toBeLessThan(1500);
    expect(text).toContain('"code":"upstream_timeout"');
    expect(text).toContain('STREAM_IDLE_TIMEOUT_MS');
  });

  it('logs one line per stream with its first-byte time and size', async () => {
    await setUp();
    upstream.handle((_req, res) => streamEvents(res, chatCompletionChunks(['a']), 10));
    const response = await post();
    const text = await response.text();
    const id = response.headers.get('x-request-id');
    await sleep(50);
    const line = gw.logs.find((l) => l.requestId === id)!;
    expect(line).toMatchObject({
      provider: 'openai',
      model: 'gpt-4o-mini',
      status: 200,
      stream: true,
      bytesOut: Buffer.byteLength(text),
    });
    // Same envelope as every other log line.
    expect(line).toMatchObject({ level: 'info', service: 'switchyard', msg: 'request' });
    expect(new Date(line.time as string).toISOString()).toBe(line.time);
    expect(Object.keys(gw.logs[0]!).slice(0, 3)).toEqual(['level', 'time', 'service']);
    expect(line.ttfbMs).toBeTypeOf('number');
    expect(line.latencyMs as number).toBeGreaterThanOrEqual(line.ttfbMs as number);
  });
});
