import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startGateway, type TestGateway, waitForLog } from '../helpers/gateway.ts';
import { chatCompletion, json, MockUpstream } from '../helpers/mock-upstream.ts';

const anthropicMessage = (text: string) => ({
  id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-5-20250929',
  content: [{ type: 'text', text }],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: { input_tokens: 12, output_tokens: 6, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
});

describe('gateway keys', () => {
  let upstream: MockUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    upstream = await new MockUpstream().start();
    upstream.handle((req, res) =>
      req.url.startsWith('/v1/messages')
        ? json(res, 200, anthropicMessage('hi'))
        : json(res, 200, chatCompletion('ok')),
    );
    gw = await startGateway({
      GATEWAY_API_KEYS: 'team-a:sk-gw-alpha-SECRET, sk-gw-beta-SECRET',
      OPENAI_API_KEY: 'sk-provider-SECRET',
      OPENAI_BASE_URL: `${upstream.url}/v1`,
      ANTHROPIC_API_KEY: 'sk-ant-provider-SECRET',
      ANTHROPIC_BASE_URL: upstream.url,
    });
  });
  afterAll(async () => {
    await gw.close();
    await upstream.close();
  });

  const chat = { model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] };

  it.each([
    ['Authorization: Bearer', { authorization: 'Bearer sk-gw-alpha-SECRET' }],
    ['x-api-key', { 'x-api-key': 'sk-gw-alpha-SECRET' }],
    ['X-Gateway-Key', { 'x-gateway-key': 'sk-gw-alpha-SECRET' }],
  ])('accepts the key as %s, and never forwards it', async (_form, headers) => {
    const result = await postJson(`${gw.url}/v1/chat/completions`, chat, headers);
    expect(result.status).toBe(200);
    expect(JSON.stringify(upstream.last.headers)).not.toContain('sk-gw-');
    expect(upstream.last.headers.authorization).toBe('Bearer sk-provider-SECRET');
  });

  it('labels the request with the key name in the log, never the key', async () => {
    const result = await postJson(`${gw.url}/v1/chat/completions`, chat, { 'x-api-key': 'sk-gw-beta-SECRET' });
    const line = await waitForLog(gw, (l) => l.requestId === result.headers.get('x-request-id'));
    expect(line.subject).toBe('key-2');
  });

  it('401 in the OpenAI shape on OpenAI routes for a missing or wrong key', async () => {
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Bearer sk-gw-alpha-SECRETX' },
      { 'x-api-key': 'nope' },
    ];
    for (const headers of attempts) {
      const result = await postJson(`${gw.url}/v1/chat/completions`, chat, headers);
      expect(result.status).toBe(401);
      expect(result.json.error).toMatchObject({ type: 'authentication_error', code: 'invalid_api_key' });
    }
    const models = await fetch(`${gw.url}/v1/models`);
    expect(models.status).toBe(401);
  });

  it('401 in the Anthropic shape on /v1/messages', async () => {
    const result = await postJson(
      `${gw.url}/v1/messages`,
      { model: 'claude-sonnet-4-5', max_tokens: 10, messages: [] },
      { 'x-api-key': 'wrong' },
    );
    expect(result.status).toBe(401);
    expect(result.json).toEqual({
      type: 'error',
      error: { type: 'authentication_error', message: expect.any(String) },
    });
  });

  it('both SDKs work with the gateway key as their apiKey', async () => {
    const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'sk-gw-alpha-SECRET', maxRetries: 0 });
    const completion = await openai.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(completion.choices[0]?.message.content).toBe('ok');
    const anthropic = new Anthropic({ baseURL: gw.url, apiKey: 'sk-gw-alpha-SECRET', maxRetries: 0 });
    const message = await anthropic.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(message.content[0]).toEqual({ type: 'text', text: 'hi' });
    expect(upstream.last.headers['x-api-key']).toBe('sk-ant-provider-SECRET');
    const bad = new Anthropic({ baseURL: gw.url, apiKey: 'wrong', maxRetries: 0 });
    await expect(
      bad.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [] }),
    ).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
  });

  it('/health stays open', async () => {
    expect((await fetch(`${gw.url}/health`)).status).toBe(200);
  });

  it('reads keys from GATEWAY_API_KEYS_FILE', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-keys-'));
    writeFileSync(join(dir, 'keys'), '# team keys\nops:sk-file-key\n\n');
    const other = await startGateway({
      GATEWAY_API_KEYS_FILE: join(dir, 'keys'),
      OPENAI_API_KEY: 'k',
      OPENAI_BASE_URL: `${upstream.url}/v1`,
    });
    try {
      expect(
        (await postJson(`${other.url}/v1/chat/completions`, chat, { 'x-gateway-key': 'sk-file-key' })).status,
      ).toBe(200);
      expect((await postJson(`${other.url}/v1/chat/completions`, chat, { 'x-gateway-key': 'ops' })).status).toBe(401);
    } finally {
      await other.close();
    }
  });
});

describe('pass-through auth', () => {
  it("forwards the client's credentials byte for byte and no configured key", async () => {
    const upstream = await new MockUpstream().start();
    upstream.handle((_req, res) => json(res, 200, anthropicMessage('from your subscription')));
    const gw = await startGateway({
      GATEWAY_API_KEYS: 'sk-gw-SECRET',
      ANTHROPIC_AUTH_MODE: 'passthrough',
      ANTHROPIC_BASE_URL: upstream.url,
    });
    try {
      const result = await postJson(
        `${gw.url}/v1/messages`,
        { model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] },
        {
          'x-gateway-key': 'sk-gw-SECRET',
          authorization: 'Bearer sk-ant-oat01-personal-OAUTH',
          'anthropic-beta': 'oauth-2025-04-20',
          'anthropic-version': '2023-06-01',
        },
      );
      expect(result.status).toBe(200);
      const h = upstream.last.headers;
      expect(h.authorization).toBe('Bearer sk-ant-oat01-personal-OAUTH');
      expect(h['anthropic-beta']).toBe('oauth-2025-04-20');
      expect(h['x-gateway-key']).toBeUndefined();
      expect(JSON.stringify(h)).not.toContain('sk-gw-SECRET');
      // Without X-Gateway-Key, the provider credential is not a gateway key.
      const refused = await postJson(
        `${gw.url}/v1/messages`,
        { model: 'claude-sonnet-4-5', max_tokens: 1, messages: [] },
        { authorization: 'Bearer sk-ant-oat01-personal-OAUTH' },
      );
      expect(refused.status).toBe(401);
    } finally {
      await gw.close();
      await upstream.close();
    }
  });

  it('activates a provider without its key and rejects an unknown auth mode at start-up', async () => {
    const gw = await startGateway({ OPENAI_AUTH_MODE: 'passthrough' });
    try {
      expect(await (await fetch(`${gw.url}/health`)).json()).toMatchObject({ providers: ['openai'] });
    } finally {
      await gw.close();
    }
    await expect(startGateway({ OPENAI_AUTH_MODE: 'sometimes' })).rejects.toThrow(
      /OPENAI_AUTH_MODE: must be 'key' or 'passthrough'/,
    );
  });
});
