import { afterEach, describe, expect, it } from 'vitest';
import {
  assembleAnthropic,
  assembleOpenAI,
  readAnthropicStream,
  readOpenAIStream,
  readSse,
} from '../helpers/formats.ts';
import { postJson, startGateway, type TestGateway, waitForLog } from '../helpers/gateway.ts';
import {
  chatCompletion,
  chatCompletionChunks,
  json,
  MockUpstream,
  sleep,
  streamEvents,
} from '../helpers/mock-upstream.ts';
import { anthropicMessage, anthropicTextStream } from '../helpers/native-mocks.ts';

const MODEL = 'claude-sonnet-4-5-20250929';

/** One request per client format, asking the same Anthropic model; `stream` toggles streaming. */
const CLIENTS = {
  openai: {
    path: () => '/v1/chat/completions',
    body: (stream: boolean, text = 'Hi') => ({
      model: MODEL,
      messages: [{ role: 'user', content: text }],
      temperature: 0,
      ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
    }),
    jsonText: (body: any) => body.choices[0].message.content as string,
    streamText: (text: string) => {
      const { chunks, done } = readOpenAIStream(text);
      expect(done).toBe(true);
      const assembled = assembleOpenAI(chunks);
      expect(assembled.finish).toBe('stop');
      // the client asked for usage: the replay carries the usage chunk
      expect(assembled.usage?.completion_tokens).toBe(12);
      return assembled.content;
    },
  },
  anthropic: {
    path: () => '/v1/messages',
    body: (stream: boolean, text = 'Hi') => ({
      model: MODEL,
      max_tokens: 100,
      messages: [{ role: 'user', content: text }],
      ...(stream ? { stream: true } : {}),
    }),
    jsonText: (body: any) => body.content[0].text as string,
    streamText: (text: string) => {
      const assembled = assembleAnthropic(readAnthropicStream(text));
      expect(assembled.stopReason).toBe('end_turn');
      return assembled.text;
    },
  },
  'openai-responses': {
    path: () => '/v1/responses',
    body: (stream: boolean, text = 'Hi') => ({ model: MODEL, input: text, ...(stream ? { stream: true } : {}) }),
    jsonText: (body: any) => body.output[0].content[0].text as string,
    streamText: (text: string) => {
      const events = readSse(text).map((m) => JSON.parse(m.data));
      expect(events.at(-1).type).toBe('response.completed');
      return events
        .filter((e) => e.type === 'response.output_text.delta')
        .map((e) => e.delta)
        .join('');
    },
  },
  gemini: {
    path: (stream: boolean) =>
      `/v1beta/models/${MODEL}:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`,
    body: (_stream: boolean, text = 'Hi') => ({ contents: [{ role: 'user', parts: [{ text }] }] }),
    jsonText: (body: any) => body.candidates[0].content.parts.map((p: any) => p.text).join('') as string,
    streamText: (text: string) =>
      readSse(text.replaceAll('\r\n', '\n'))
        .map((m) => JSON.parse(m.data))
        .flatMap((chunk) => chunk.candidates?.[0]?.content?.parts ?? [])
        .map((p: any) => p.text ?? '')
        .join(''),
  },
} as const;

async function postStream(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** The cache files an answer once the response is over: wait for that before asking again. */
const filed = () => sleep(30);

describe('response cache', () => {
  let upstream: MockUpstream;
  let gw: TestGateway | undefined;
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
    await upstream?.close();
  });

  async function anthropicGateway(env: Record<string, string> = {}) {
    upstream = await new MockUpstream().start();
    upstream.handle(async (req, res) => {
      if (req.json.stream) await streamEvents(res, anthropicTextStream(['Hello', ' from', ' Claude']));
      else json(res, 200, anthropicMessage('Hello from Claude'));
    });
    gw = await startGateway({
      ANTHROPIC_API_KEY: 'sk-ant-cache-test',
      ANTHROPIC_BASE_URL: upstream.url,
      CACHE: 'memory',
      ...env,
    });
    return gw;
  }

  for (const [format, client] of Object.entries(CLIENTS)) {
    it(`${format}: a JSON answer is served again from the cache, as JSON and as a stream`, async () => {
      const gw = await anthropicGateway();
      const first = await postJson(`${gw.url}${client.path(false)}`, client.body(false));
      expect(first.status).toBe(200);
      expect(first.headers.get('x-gateway-cache')).toBe('miss');
      expect(client.jsonText(first.json)).toBe('Hello from Claude');
      await filed();

      const again = await postJson(`${gw.url}${client.path(false)}`, client.body(false));
      expect(again.status).toBe(200);
      expect(again.headers.get('x-gateway-cache')).toBe('hit');
      expect(again.headers.get('age')).toMatch(/^\d+$/);
      expect(again.headers.get('x-gateway-provider')).toBe('anthropic');
      expect(client.jsonText(again.json)).toBe('Hello from Claude');

      const streamed = await postStream(`${gw.url}${client.path(true)}`, client.body(true));
      expect(streamed.headers.get('x-gateway-cache')).toBe('hit');
      expect(streamed.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(client.streamText(streamed.text)).toBe('Hello from Claude');
      expect(upstream.received).toHaveLength(1);
    });

    it(`${format}: a streamed answer is served again from the cache, as a stream and as JSON`, async () => {
      const gw = await anthropicGateway();
      const first = await postStream(`${gw.url}${client.path(true)}`, client.body(true));
      expect(first.headers.get('x-gateway-cache')).toBe('miss');
      expect(client.streamText(first.text)).toBe('Hello from Claude');
      await filed();

      const streamed = await postStream(`${gw.url}${client.path(true)}`, client.body(true));
      expect(streamed.headers.get('x-gateway-cache')).toBe('hit');
      expect(client.streamText(streamed.text)).toBe('Hello from Claude');
      const whole = await postJson(`${gw.url}${client.path(false)}`, client.body(false));
      expect(whole.headers.get('x-gateway-cache')).toBe('hit');
      expect(client.jsonText(whole.json)).toBe('Hello from Claude');
      expect(upstream.received).toHaveLength(1);
    });
  }

  it('ollama: answers are not cached (the gateway has no reader of them), said by bypass', async () => {
    const gw = await anthropicGateway();
    const body = { model: MODEL, messages: [{ role: 'user', content: 'Hi' }], stream: false };
    for (let i = 0; i < 2; i++) {
      const answer = await postJson(`${gw.url}/api/chat`, body);
      expect(answer.json.message.content).toBe('Hello from Claude');
      expect(answer.headers.get('x-gateway-cache')).toBe('bypass');
      await filed();
    }
    expect(upstream.received).toHaveLength(2);
  });

  it('a pass-through OpenAI stream is cached; the replay has the usage chunk only when the client asks', async () => {
    upstream = await new MockUpstream().start();
    upstream.handle(async (req, res) => {
      if (!req.json.stream) return json(res, 200, chatCompletion('unused'));
      const usage = `data: ${JSON.stringify({ id: 'chatcmpl-123', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [], usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 } })}\n\n`;
      const chunks = chatCompletionChunks(['a', 'b', 'c']);
      await streamEvents(res, [...chunks.slice(0, -1), usage, chunks.at(-1) as string]);
    });
    gw = await startGateway({
      OPENAI_API_KEY: 'sk-cache-test',
      OPENAI_BASE_URL: `${upstream.url}/v1`,
      CACHE: 'memory',
    });
    const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], stream: true };
    const first = await postStream(`${gw.url}/v1/chat/completions`, body);
    expect(first.headers.get('x-gateway-cache')).toBe('miss');
    await filed();
    const plain = await postStream(`${gw.url}/v1/chat/completions`, body);
    expect(plain.headers.get('x-gateway-cache')).toBe('hit');
    const plainRead = readOpenAIStream(plain.text);
    expect(assembleOpenAI(plainRead.chunks)).toMatchObject({ content: 'abc', finish: 'stop', usage: undefined });
    const withUsage = await postStream(`${gw.url}/v1/chat/completions`, {
      ...body,
      stream_options: { include_usage: true },
    });
    expect(withUsage.headers.get('x-gateway-cache')).toBe('hit');
    expect(assembleOpenAI(readOpenAIStream(withUsage.text).chunks).usage).toMatchObject({
      prompt_tokens: 9,
      completion_tokens: 3,
    });
    expect(upstream.received).toHaveLength(1);
    // the hit is in the request log line, and costs nothing
    const line = await waitForLog(gw, (l) => l.msg === 'request' && l.cache === 'hit');
    expect(line.costUsd).toBe(0);
    expect(line.usage).toBeUndefined();
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toMatch(/switchyard_cache_requests_total\{result="hit"\} 2/);
    expect(metrics).toMatch(/switchyard_cache_requests_total\{result="miss"\} 1/);
  });

  it("a hit costs nothing against the key's budget", async () => {
    upstream = await new MockUpstream().start();
    upstream.handle((_req, res) => json(res, 200, chatCompletion('priced')));
    gw = await startGateway({
      OPENAI_API_KEY: 'sk-cache-test',
      OPENAI_BASE_URL: `${upstream.url}/v1`,
      CACHE: 'memory',
      GATEWAY_API_KEYS: 'alice:sk-gw-alice-budget-1',
      BUDGET_USD_DAILY: '5',
    });
    const as = { authorization: 'Bearer sk-gw-alice-budget-1' };
    const spent = async () => {
      await sleep(50); // settled once the response is over
      const self = await (await fetch(`${gw!.url}/v1/gateway/keys/self`, { headers: as })).json();
      return self.limits.find((l: { kind: string }) => l.kind === 'budget').used as number;
    };
    const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] };
    expect((await postJson(`${gw.url}/v1/chat/completions`, body, as)).headers.get('x-gateway-cache')).toBe('miss');
    const afterMiss = await spent();
    expect(afterMiss).toBeGreaterThan(0);
    for (let i = 0; i < 3; i++)
      expect((await postJson(`${gw.url}/v1/chat/completions`, body, as)).headers.get('x-gateway-cache')).toBe('hit');
    expect(await spent()).toBe(afterMiss);
    expect(upstream.received).toHaveLength(1);
  });

  it('a stream cut short is not cached', async () => {
    upstream = await new MockUpstream().start();
    let calls = 0;
    upstream.handle(async (_req, res) => {
      calls++;
      const chunks = chatCompletionChunks(['a', 'b', 'c']);
      if (calls === 1) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(chunks.slice(0, 2).join(''));
        await sleep(20);
        res.destroy();
        return;
      }
      await streamEvents(res, chunks);
    });
    gw = await startGateway({
      OPENAI_API_KEY: 'sk-cache-test',
      OPENAI_BASE_URL: `${upstream.url}/v1`,
      CACHE: 'memory',
    });
    const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], stream: true };
    const cut = await postStream(`${gw.url}/v1/chat/completions`, body).catch(() => undefined);
    expect(cut === undefined || !readOpenAIStream(cut.text).done).toBe(true);
    await filed();
    const next = await postStream(`${gw.url}/v1/chat/completions`, body);
    expect(next.headers.get('x-gateway-cache')).toBe('miss');
    expect(readOpenAIStream(next.text).done).toBe(true);
    expect(upstream.received).toHaveLength(2);
  });

  it('error answers are not cached', async () => {
    upstream = await new MockUpstream().start();
    let calls = 0;
    upstream.handle((_req, res) =>
      ++calls === 1
        ? json(res, 400, { error: { message: 'bad', type: 'invalid_request_error' } })
        : json(res, 200, chatCompletion('ok')),
    );
    gw = await startGateway({
      OPENAI_API_KEY: 'sk-cache-test',
      OPENAI_BASE_URL: `${upstream.url}/v1`,
      CACHE: 'memory',
    });
    const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] };
    expect((await postJson(`${gw.url}/v1/chat/completions`, body)).status).toBe(400);
    await filed();
    const next = await postJson(`${gw.url}/v1/chat/completions`, body);
    expect(next.status).toBe(200);
    expect(next.headers.get('x-gateway-cache')).toBe('miss');
  });

  it('entries expire after CACHE_TTL_S', async () => {
    const gw = await anthropicGateway({ CACHE_TTL_S: '1' });
    const body = CLIENTS.anthropic.body(false);
    await postJson(`${gw.url}/v1/messages`, body);
    await filed();
    expect((await postJson(`${gw.url}/v1/messages`, body)).headers.get('x-gateway-cache')).toBe('hit');
    await sleep(1100);
    expect((await postJson(`${gw.url}/v1/messages`, body)).headers.get('x-gateway-cache')).toBe('miss');
    expect(upstream.received).toHaveLength(2);
  });

  it('Cache-Control: no-cache asks the provider and refreshes the entry; no-store neither reads nor writes', async () => {
    const gw = await anthropicGateway();
    const url = `${gw.url}/v1/messages`;
    const body = CLIENTS.anthropic.body(false);
    const noStore = await postJson(url, body, { 'cache-control': 'no-store' });
    expect(noStore.headers.get('x-gateway-cache')).toBe('bypass');
    await filed();
    expect((await postJson(url, body, { 'cache-control': 'no-cache' })).headers.get('x-gateway-cache')).toBe('bypass');
    expect(upstream.received).toHaveLength(2);
    await filed();
    // no-store wrote nothing, no-cache did: the next plain request is a hit
    expect((await postJson(url, body)).headers.get('x-gateway-cache')).toBe('hit');
    expect(upstream.received).toHaveLength(2);
  });

  it('a non-zero temperature is not cached unless CACHE_NONDETERMINISTIC=true', async () => {
    let gw = await anthropicGateway();
    const body = { ...CLIENTS.anthropic.body(false), temperature: 0.7 };
    for (let i = 0; i < 2; i++) {
      const answer = await postJson(`${gw.url}/v1/messages`, body);
      expect(answer.headers.get('x-gateway-cache')).toBe('bypass');
      await filed();
    }
    expect(upstream.received).toHaveLength(2);
    await gw.close();
    await upstream.close();
    gw = await anthropicGateway({ CACHE_NONDETERMINISTIC: 'true' });
    await postJson(`${gw.url}/v1/messages`, body);
    await filed();
    expect((await postJson(`${gw.url}/v1/messages`, body)).headers.get('x-gateway-cache')).toBe('hit');
  });

  it('a request that cannot be replayed as asked (n > 1, logprobs) is never answered from the cache', async () => {
    upstream = await new MockUpstream().start();
    upstream.handle((_req, res) => json(res, 200, chatCompletion('two of them')));
    gw = await startGateway({
      OPENAI_API_KEY: 'sk-cache-test',
      OPENAI_BASE_URL: `${upstream.url}/v1`,
      CACHE: 'memory',
    });
    const url = `${gw.url}/v1/chat/completions`;
    for (const extra of [{ n: 2 }, { logprobs: true, top_logprobs: 2 }]) {
      const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: JSON.stringify(extra) }], ...extra };
      const before = upstream.received.length;
      // known once the request is read, which the cache does only with an answer to replay
      expect((await postJson(url, body)).headers.get('x-gateway-cache')).toBe('miss');
      await filed();
      for (let i = 0; i < 2; i++) {
        const again = await postJson(url, body);
        expect(again.headers.get('x-gateway-cache')).toBe('bypass');
        expect(again.json.choices[0].message.content).toBe('two of them');
        await filed();
      }
      expect(upstream.received.length - before).toBe(3);
    }
  });

  it('keys sorted and the stream flag aside, two bodies that mean the same share an entry', async () => {
    const gw = await anthropicGateway();
    await postJson(
      `${gw.url}/v1/messages`,
      `{"model":"${MODEL}","max_tokens":100,"messages":[{"role":"user","content":"Hi"}]}`,
    );
    await filed();
    const reordered = await postJson(
      `${gw.url}/v1/messages`,
      `{"messages":[{"content":"Hi","role":"user"}],"max_tokens":100,"model":"${MODEL}","stream":false}`,
    );
    expect(reordered.headers.get('x-gateway-cache')).toBe('hit');
    const other = await postJson(`${gw.url}/v1/messages`, CLIENTS.anthropic.body(false, 'Hello'));
    expect(other.headers.get('x-gateway-cache')).toBe('miss');
  });

  it('answers are scoped per gateway key, unless CACHE_SCOPE=global', async () => {
    const keys = { GATEWAY_API_KEYS: 'alice:sk-gw-alice-123,bob:sk-gw-bob-456' };
    const body = CLIENTS.anthropic.body(false);
    const as = (key: string) => ({ authorization: `Bearer ${key}` });
    let gw = await anthropicGateway(keys);
    await postJson(`${gw.url}/v1/messages`, body, as('sk-gw-alice-123'));
    await filed();
    expect((await postJson(`${gw.url}/v1/messages`, body, as('sk-gw-bob-456'))).headers.get('x-gateway-cache')).toBe(
      'miss',
    );
    expect((await postJson(`${gw.url}/v1/messages`, body, as('sk-gw-alice-123'))).headers.get('x-gateway-cache')).toBe(
      'hit',
    );
    await gw.close();
    await upstream.close();
    gw = await anthropicGateway({ ...keys, CACHE_SCOPE: 'global' });
    await postJson(`${gw.url}/v1/messages`, body, as('sk-gw-alice-123'));
    await filed();
    expect((await postJson(`${gw.url}/v1/messages`, body, as('sk-gw-bob-456'))).headers.get('x-gateway-cache')).toBe(
      'hit',
    );
  });

  it('CACHE_MAX_BYTES: the least recently used answers go, a kept one is served byte for byte', async () => {
    upstream = await new MockUpstream().start();
    // Each answer names its prompt and is ~600 bytes: with the key beside it, one entry a slab of 1 KiB.
    upstream.handle((req, res) =>
      json(res, 200, chatCompletion(`answer to ${req.json.messages[0].content} ${'.'.repeat(400)}`)),
    );
    gw = await startGateway({
      OPENAI_API_KEY: 'sk-cache-test',
      OPENAI_BASE_URL: `${upstream.url}/v1`,
      CACHE: 'memory',
      CACHE_MAX_BYTES: '16384',
    });
    const url = `${gw.url}/v1/chat/completions`;
    const unstamped = (text: string) => text.replace(/"created":\d+/, '"created":0');
    const ask = (prompt: string) =>
      postJson(url, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: prompt }] });
    expect((await ask('kept')).headers.get('x-gateway-cache')).toBe('miss');
    await filed();
    const firstHit = await ask('kept');
    expect(firstHit.headers.get('x-gateway-cache')).toBe('hit');
    expect(firstHit.json.choices[0].message.content).toMatch(/^answer to kept \.{400}$/);
    for (let n = 0; n < 40; n++) {
      expect((await ask(`filler ${n}`)).headers.get('x-gateway-cache')).toBe('miss');
      await filed();
      // read after every new answer: `kept` is never the least recently used
      const hit = await ask('kept');
      expect(hit.headers.get('x-gateway-cache')).toBe('hit');
      // the same bytes, but for `created`, which a replay sets to when it is sent
      expect(unstamped(hit.text)).toBe(unstamped(firstHit.text));
      expect(hit.headers.get('content-length')).toBe(firstHit.headers.get('content-length'));
    }
    expect(upstream.received).toHaveLength(41);
    // 40 answers of ~1 KiB do not fit in 16 KiB: the oldest are gone, the newest are kept
    expect((await ask('filler 0')).headers.get('x-gateway-cache')).toBe('miss');
    expect((await ask('filler 39')).headers.get('x-gateway-cache')).toBe('hit');
    expect(upstream.received).toHaveLength(42);
  });

  it('refuses CACHE=redis without REDIS_URL at start-up', async () => {
    await expect(startGateway({ OPENAI_API_KEY: 'sk-cache-test', CACHE: 'redis' })).rejects.toThrow(
      /CACHE: redis needs REDIS_URL/,
    );
  });
});
