import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startGateway, type TestGateway, waitForLog } from '../helpers/gateway.ts';
import { chatCompletion, json, MockUpstream, sleep } from '../helpers/mock-upstream.ts';
import { anthropicMessage } from '../helpers/native-mocks.ts';

const logOf = (gw: TestGateway, requestId: string) =>
  waitForLog(gw, (line) => line.msg === 'request' && line.requestId === requestId);

describe('end users and sessions', () => {
  let upstream: MockUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    upstream = await new MockUpstream().start();
    upstream.handle((req, res) => {
      if (req.url.startsWith('/v1/messages'))
        // $15/M × 30k = $0.45 an answer: all of max_tokens
        return json(res, 200, {
          ...anthropicMessage('hi', 'claude-sonnet-4-5'),
          usage: { input_tokens: 10, output_tokens: 30_000 },
        });
      json(res, 200, chatCompletion('ok', 'gpt-4o'));
    });
    gw = await startGateway({
      BUDGET_USD_DAILY_PER_USER: '1',
      OPENAI_API_KEY: 'sk-openai-users',
      OPENAI_BASE_URL: `${upstream.url}/v1`,
      ANTHROPIC_API_KEY: 'sk-ant-users',
      ANTHROPIC_BASE_URL: upstream.url,
    });
  });
  afterAll(async () => {
    await gw.close();
    await upstream.close();
  });

  const message = (userId: string) => ({
    model: 'claude-sonnet-4-5',
    max_tokens: 30_000,
    metadata: { user_id: userId },
    messages: [{ role: 'user', content: 'Hi' }],
  });

  it('reads Claude Code’s user and session from metadata.user_id into the log line', async () => {
    const userId = 'user_3f9a2c_account_8b1e-44_session_5d1c7a2e-1111-4c4c-9d9d-0123456789ab';
    await postJson(`${gw.url}/v1/messages`, message(userId), { 'x-request-id': 'cc-1' });
    const line = await logOf(gw, 'cc-1');
    expect(line).toMatchObject({ user: 'user_3f9a2c', session: '5d1c7a2e-1111-4c4c-9d9d-0123456789ab' });
    // The metadata still reaches the provider untouched.
    expect(upstream.last.json.metadata).toEqual({ user_id: userId });
  });

  it('reads OpenAI’s user / safety_identifier, and the headers win over the body', async () => {
    const chat = { model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] };
    await postJson(`${gw.url}/v1/chat/completions`, { ...chat, user: 'alice@example.com' }, { 'x-request-id': 'oa-1' });
    expect(await logOf(gw, 'oa-1')).toMatchObject({ user: 'alice@example.com' });
    await postJson(
      `${gw.url}/v1/chat/completions`,
      { ...chat, safety_identifier: 'hash-77' },
      { 'x-request-id': 'oa-2' },
    );
    expect(await logOf(gw, 'oa-2')).toMatchObject({ user: 'hash-77' });
    await postJson(
      `${gw.url}/v1/chat/completions`,
      { ...chat, user: 'from-body' },
      { 'x-request-id': 'oa-3', 'x-gateway-user': 'from-header', 'x-session-id': 'sess-42' },
    );
    const line = await logOf(gw, 'oa-3');
    expect(line).toMatchObject({ user: 'from-header', session: 'sess-42' });
    expect(upstream.last.headers['x-gateway-user']).toBeUndefined(); // the gateway's own header stays here
  });

  it('BUDGET_USD_DAILY_PER_USER: one user’s budget runs out, another user’s does not', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      statuses.push((await postJson(`${gw.url}/v1/messages`, message('user_bob'))).status);
      await sleep(20);
    }
    // $0.45 each: two fit $1, the third's worst case does not.
    expect(statuses).toEqual([200, 200, 429]);
    const refused = await postJson(`${gw.url}/v1/messages`, message('user_bob'));
    expect(refused.json.error.type).toBe('rate_limit_error');
    expect(refused.json.error.message).toContain('BUDGET_USD_DAILY_PER_USER');
    expect((await postJson(`${gw.url}/v1/messages`, message('user_carol'))).status).toBe(200);
  });

  it('counts users in metrics only by where they came from, never by id', async () => {
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toMatch(/switchyard_attributed_requests_total\{user="body",session="yes"\} [1-9]/);
    expect(metrics).toMatch(/switchyard_attributed_requests_total\{user="header",session="yes"\} 1/);
    expect(metrics).not.toContain('alice@example.com');
    expect(metrics).not.toContain('user_bob');
  });
});
