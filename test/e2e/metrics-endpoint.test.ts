import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startGateway, type TestGateway } from '../helpers/gateway.ts';
import { chatCompletion, chatCompletionChunks, json, MockUpstream, streamEvents } from '../helpers/mock-upstream.ts';

/** `name{labels} value` lines of a Prometheus text exposition. */
function samples(text: string): Map<string, number> {
  const map = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    map.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return map;
}

describe('GET /metrics', () => {
  let upstream: MockUpstream;
  let gw: TestGateway;
  beforeAll(async () => {
    upstream = await new MockUpstream().start();
    upstream.handle(async (req, res) => {
      if (req.json.stream) return streamEvents(res, chatCompletionChunks(['a']));
      json(res, 200, {
        ...chatCompletion('ok', 'gpt-4o'),
        usage: { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 },
      });
    });
    gw = await startGateway({
      GATEWAY_API_KEYS: 'ops:sk-metrics-SECRET',
      OPENAI_API_KEY: 'sk-openai-SECRET',
      OPENAI_BASE_URL: `${upstream.url}/v1`,
    });
  });
  afterAll(async () => {
    await gw.close();
    await upstream.close();
  });

  const auth = { authorization: 'Bearer sk-metrics-SECRET' };
  const scrape = async () => {
    const response = await fetch(`${gw.url}/metrics`, { headers: auth });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    return response.text();
  };

  it('needs a gateway key when keys are set', async () => {
    expect((await fetch(`${gw.url}/metrics`)).status).toBe(401);
  });

  it('counts requests, tokens, cost and latency after known requests, without secrets or raw paths', async () => {
    const before = samples(await scrape());
    const key = 'switchyard_requests_total{route="/v1/chat/completions",provider="openai",model="gpt-4o",status="200"}';
    for (let i = 0; i < 3; i++)
      expect((await postJson(`${gw.url}/v1/chat/completions`, { model: 'gpt-4o', messages: [] }, auth)).status).toBe(
        200,
      );
    await postJson(`${gw.url}/v1/chat/completions`, { model: 'no-such-model', messages: [] }, auth); // the only active provider serves it
    await (
      await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: '{"model":"gpt-4o","stream":true,"messages":[]}',
      })
    ).text();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const text = await scrape();
    const after = samples(text);
    expect((after.get(key) ?? 0) - (before.get(key) ?? 0)).toBe(4); // three answers and one stream
    expect(after.get('switchyard_tokens_total{provider="openai",model="gpt-4o",type="input"}')).toBe(300);
    expect(after.get('switchyard_tokens_total{provider="openai",model="gpt-4o",type="output"}')).toBe(60);
    expect(after.get('switchyard_cost_usd_total{provider="openai",model="gpt-4o"}')).toBeCloseTo(
      (3 * (100 * 2.5 + 20 * 10)) / 1e6,
      12,
    );
    expect(
      after.get('switchyard_request_duration_seconds_count{route="/v1/chat/completions",provider="openai"}'),
    ).toBeGreaterThanOrEqual(4);
    // A model the catalog does not know is labelled "other": label values stay bounded.
    expect(
      after.get('switchyard_requests_total{route="/v1/chat/completions",provider="openai",model="other",status="200"}'),
    ).toBe(1);
    expect(
      after.get(
        'switchyard_time_to_first_byte_seconds_count{route="/v1/chat/completions",provider="openai",streamed="true"}',
      ),
    ).toBe(1);
    expect(after.get('switchyard_open_streams')).toBe(0);
    expect(after.get('switchyard_requests_in_flight')).toBe(1); // the scrape itself
    expect(text).not.toMatch(/SECRET|no-such-model/);
  });

  it('counts upstream errors by kind', async () => {
    upstream.handle((_req, res) => json(res, 503, { error: { message: 'overloaded', type: 'server_error' } }));
    expect((await postJson(`${gw.url}/v1/chat/completions`, { model: 'gpt-4o', messages: [] }, auth)).status).toBe(503);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(samples(await scrape()).get('switchyard_upstream_errors_total{provider="openai",kind="http_503"}')).toBe(1);
  });
});
