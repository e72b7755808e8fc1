import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startGateway, type TestGateway } from '../helpers/gateway.ts';
import { chatCompletion, json, MockUpstream } from '../helpers/mock-upstream.ts';

const ask = (gw: TestGateway, body: unknown) => postJson(`${gw.url}/v1/chat/completions`, body);
const requestLines = (gw: TestGateway) =>
  gw.logs.filter((line) => line.msg === 'request' || line.msg === 'request failed');
/** The line is written when the response closes, a moment after the client has read it. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

describe('LOG_REQUESTS: which requests get their log line', () => {
  const upstream = new MockUpstream();
  let failNext = false;
  beforeAll(async () => {
    await upstream.start();
    upstream.handle((_req, res) => {
      if (failNext) json(res, 404, { error: { message: 'no such model' } });
      else json(res, 200, chatCompletion('Hi there'));
      failNext = false;
    });
  });
  afterAll(() => upstream.close());

  const start = (mode?: string) =>
    startGateway({
      OPENAI_API_KEY: 'sk-openai-SECRET-logreq',
      OPENAI_BASE_URL: `${upstream.url}/v1`,
      ...(mode ? { LOG_REQUESTS: mode } : {}),
    });
  const good = { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi "quoted" \\ \n line' }] };

  it('all (the default): one JSON line per request, with the fields of the request', async () => {
    const gw = await start();
    try {
      expect((await ask(gw, good)).status).toBe(200);
      await settle();
      const [line, ...others] = requestLines(gw);
      expect(others).toEqual([]);
      expect(line).toMatchObject({
        level: 'info',
        service: 'switchyard',
        method: 'POST',
        path: '/v1/chat/completions',
        provider: 'openai',
        model: 'gpt-4o',
        status: 200,
        stream: false,
        usage: { inputTokens: expect.any(Number), outputTokens: expect.any(Number) },
        bytesIn: expect.any(Number),
        bytesOut: expect.any(Number),
        msg: 'request',
      });
      expect(typeof line?.requestId).toBe('string');
      expect(Number.isNaN(Date.parse(String(line?.time)))).toBe(false);
      expect(line?.latencyMs).toBeGreaterThanOrEqual(0);
      // Fields a request does not have are left out, not written as null.
      expect(line).not.toHaveProperty('error');
      expect(line).not.toHaveProperty('clientAborted');
    } finally {
      await gw.close();
    }
  });

  it('a model name with quotes and backslashes stays one valid JSON line', async () => {
    const gw = await start();
    try {
      const model = 'gpt-4o "quoted" \\ x';
      expect((await ask(gw, { ...good, model })).status).toBe(200);
      await settle();
      expect(requestLines(gw).map((l) => l.model)).toEqual([model]);
    } finally {
      await gw.close();
    }
  });

  it('errors: only requests that failed', async () => {
    const gw = await start('errors');
    try {
      expect((await ask(gw, good)).status).toBe(200);
      expect((await ask(gw, { messages: [] })).status).toBe(400);
      failNext = true;
      const failed = await ask(gw, good);
      expect(failed.status).toBe(404);
      await settle();
      const lines = requestLines(gw);
      expect(lines.map((l) => l.status)).toEqual([400, 404]);
      expect(lines[0]).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
    } finally {
      await gw.close();
    }
  });

  it('none: no request lines, other lines still', async () => {
    const gw = await start('none');
    try {
      expect((await ask(gw, good)).status).toBe(200);
      expect((await ask(gw, { messages: [] })).status).toBe(400);
      await settle();
      expect(requestLines(gw)).toEqual([]);
    } finally {
      await gw.close();
    }
  });

  it('refuses a value it does not know, naming the variable', async () => {
    await expect(start('some')).rejects.toThrow(/LOG_REQUESTS/);
  });
});
