import type { ServerResponse } from 'node:http';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import { textAnswer, textStreamEvents } from '../helpers/gemini-samples.ts';
import { MockTokenEndpoint, makeServiceAccount } from '../helpers/google-token-endpoint.ts';
import { json, MockUpstream, type ReceivedRequest, sleep, streamEvents } from '../helpers/mock-upstream.ts';

const sse = (events: readonly unknown[]) => events.map((event) => `data: ${JSON.stringify(event)}\r\n\r\n`);
const anthropicSse = (events: { type: string }[]) =>
  events.map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);

const ROOT = '/v1/projects/my-project/locations/europe-west4/publishers';

/** A Messages API answer as Anthropic's reference shows it (what Vertex AI's rawPredict returns for Claude). */
const claudeMessage = {
  id: 'msg_vrtx_01',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-5-20250929',
  content: [{ type: 'text', text: 'Hi from Claude on Vertex.' }],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: { input_tokens: 14, output_tokens: 8 },
};

describe('Vertex AI: Gemini and Claude behind Google OAuth2', () => {
  const account = makeServiceAccount();
  const pemLine = account.privateKeyPem.split('\n')[1]!;
  let tokens: MockTokenEndpoint;
  let upstream: MockUpstream;
  let gw: TestGateway;
  let openai: OpenAI;
  let answer: (req: ReceivedRequest, res: ServerResponse) => void | Promise<void>;

  const env = () => ({
    VERTEX_AI_PROJECT_ID: 'my-project',
    VERTEX_AI_LOCATION: 'europe-west4',
    VERTEX_AI_SERVICE_ACCOUNT_JSON: account.json,
    VERTEX_AI_TOKEN_URL: tokens.url,
    VERTEX_AI_BASE_URL: upstream.url,
  });

  /** Neither the key nor an access token may appear in a gateway's logs. */
  function expectNoCredentialIn(gateway: TestGateway): void {
    const logs = JSON.stringify(gateway.logs);
    expect(logs).not.toContain(pemLine);
    expect(logs).not.toContain('ya29.');
  }

  beforeAll(async () => {
    tokens = await new MockTokenEndpoint(account).start();
    upstream = await new MockUpstream().start();
    upstream.handle((req, res) => answer(req, res));
    gw = await startGateway(env());
    openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'client-key', maxRetries: 0, timeout: 10_000 });
  });
  afterAll(async () => {
    expectNoCredentialIn(gw);
    await gw.close();
    await upstream.close();
    await tokens.close();
  });
  beforeEach(() => {
    answer = (_req, res) => json(res, 200, textAnswer('Hello from Vertex.'));
    tokens.delayMs = 0;
    tokens.expiresInS = 3600;
    tokens.failWith = undefined;
  });

  it('Gemini: the publisher path, a Bearer token from the verified JWT grant, the answer in OpenAI shape', async () => {
    const { data, response } = await openai.chat.completions
      .create({ model: 'gemini-2.5-pro', messages: [{ role: 'user', content: 'Hi' }] })
      .withResponse();
    expect(upstream.last.url).toBe(`${ROOT}/google/models/gemini-2.5-pro:generateContent`);
    expect(upstream.last.headers.authorization).toMatch(/^Bearer ya29\.test-token-\d+$/);
    expect(upstream.last.headers['x-goog-api-key']).toBeUndefined();
    expect(upstream.last.json).toEqual({ contents: [{ role: 'user', parts: [{ text: 'Hi' }] }] });
    expect(data.choices[0]?.message.content).toBe('Hello from Vertex.');
    expect(response.headers.get('x-gateway-provider')).toBe('vertex-ai');
    expect(tokens.refusals).toEqual([]);
    expect(tokens.grants.at(-1)!.claims).toMatchObject({
      iss: account.clientEmail,
      aud: tokens.url,
      scope: 'https://www.googleapis.com/auth/cloud-platform',
    });
  });

  it('Gemini streamed: :streamGenerateContent?alt=sse', async () => {
    answer = (_req, res) => streamEvents(res, sse(textStreamEvents(['Bon', 'jour'])));
    const stream = await openai.chat.completions.create({
      model: 'gemini-2.5-pro',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(upstream.last.url).toBe(`${ROOT}/google/models/gemini-2.5-pro:streamGenerateContent?alt=sse`);
    expect(text).toBe('Bonjour');
  });

  it('embeddings: :predict with instances, token counts summed into the usage', async () => {
    answer = (req, res) =>
      json(res, 200, {
        predictions: req.json.instances.map((_: unknown, i: number) => ({
          embeddings: { statistics: { truncated: false, token_count: 4 + i }, values: [0.5, -0.25] },
        })),
      });
    const result = await openai.embeddings.create({
      model: 'text-embedding-005',
      input: ['banana bread', 'banana muffins'],
      dimensions: 2,
      encoding_format: 'float',
    });
    expect(upstream.last.url).toBe(`${ROOT}/google/models/text-embedding-005:predict`);
    expect(upstream.last.json).toEqual({
      instances: [{ content: 'banana bread' }, { content: 'banana muffins' }],
      parameters: { outputDimensionality: 2 },
    });
    expect(result.data.map((d) => d.embedding)).toEqual([
      [0.5, -0.25],
      [0.5, -0.25],
    ]);
    expect(result.usage).toMatchObject({ prompt_tokens: 9 });
  });

  it('Claude, from an OpenAI client: rawPredict with the model in the URL and anthropic_version in the body', async () => {
    answer = (_req, res) => json(res, 200, claudeMessage);
    const data = await openai.chat.completions.create({
      model: 'claude-sonnet-4-5@20250929',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(upstream.last.url).toBe(`${ROOT}/anthropic/models/claude-sonnet-4-5@20250929:rawPredict`);
    expect(upstream.last.headers.authorization).toMatch(/^Bearer ya29\./);
    expect(upstream.last.json).toMatchObject({
      anthropic_version: 'vertex-2023-10-16',
      max_tokens: 100,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
    });
    expect(upstream.last.json).not.toHaveProperty('model');
    expect(data.choices[0]?.message.content).toBe('Hi from Claude on Vertex.');
    expect(data.usage).toMatchObject({ prompt_tokens: 14, completion_tokens: 8 });
  });

  it('Claude, from the Anthropic SDK, streamed: streamRawPredict, events relayed', async () => {
    answer = (_req, res) =>
      streamEvents(
        res,
        anthropicSse([
          {
            type: 'message_start',
            message: {
              ...claudeMessage,
              content: [],
              stop_reason: null,
              usage: { input_tokens: 14, output_tokens: 1 },
            },
          } as { type: string },
          { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } } as { type: string },
          { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi from ' } } as {
            type: string;
          },
          { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Vertex.' } } as { type: string },
          { type: 'content_block_stop', index: 0 } as { type: string },
          {
            type: 'message_delta',
            delta: { stop_reason: 'end_turn', stop_sequence: null },
            usage: { output_tokens: 6 },
          } as { type: string },
          { type: 'message_stop' },
        ]),
      );
    const anthropic = new Anthropic({ baseURL: gw.url, apiKey: 'client-key', maxRetries: 0, timeout: 10_000 });
    const final = await anthropic.messages
      .stream({ model: 'claude-sonnet-4-5@20250929', max_tokens: 64, messages: [{ role: 'user', content: 'Hi' }] })
      .finalMessage();
    expect(upstream.last.url).toBe(`${ROOT}/anthropic/models/claude-sonnet-4-5@20250929:streamRawPredict`);
    expect(upstream.last.json).toMatchObject({
      anthropic_version: 'vertex-2023-10-16',
      max_tokens: 64,
      stream: true,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(upstream.last.json).not.toHaveProperty('model');
    expect(upstream.last.headers.authorization).toMatch(/^Bearer ya29\./);
    expect(final.content).toEqual([expect.objectContaining({ type: 'text', text: 'Hi from Vertex.' })]);
    expect(final.stop_reason).toBe('end_turn');
  });

  it('reuses one access token across all those requests', () => {
    expect(tokens.issued).toBe(1);
    const used = new Set(upstream.received.map((r) => r.headers.authorization));
    expect(used).toEqual(new Set(['Bearer ya29.test-token-1']));
  });

  it("Google's errors reach the client with their status", async () => {
    answer = (_req, res) =>
      json(res, 403, {
        error: {
          code: 403,
          message: "Permission 'aiplatform.endpoints.predict' denied on resource.",
          status: 'PERMISSION_DENIED',
        },
      });
    const error = await openai.chat.completions
      .create({ model: 'gemini-2.5-pro', messages: [{ role: 'user', content: 'Hi' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((error as Error).message).toContain("Permission 'aiplatform.endpoints.predict' denied");
  });

  it('a fresh gateway under many concurrent requests asks the token endpoint once', async () => {
    const fresh = await startGateway(env());
    try {
      tokens.delayMs = 150;
      const before = tokens.issued;
      const client = new OpenAI({ baseURL: `${fresh.url}/v1`, apiKey: 'client-key', maxRetries: 0, timeout: 10_000 });
      const answers = await Promise.all(
        Array.from({ length: 20 }, () =>
          client.chat.completions.create({ model: 'gemini-2.5-pro', messages: [{ role: 'user', content: 'Hi' }] }),
        ),
      );
      expect(answers.every((a) => a.choices[0]?.message.content === 'Hello from Vertex.')).toBe(true);
      expect(tokens.issued).toBe(before + 1);
      expect(new Set(upstream.received.slice(-20).map((r) => r.headers.authorization))).toEqual(
        new Set([`Bearer ya29.test-token-${before + 1}`]),
      );
    } finally {
      expectNoCredentialIn(fresh);
      await fresh.close();
    }
  });

  it('refreshes a token nearing expiry (a two-second token, refreshed at half-life)', async () => {
    const fresh = await startGateway(env());
    try {
      tokens.expiresInS = 2;
      const client = new OpenAI({ baseURL: `${fresh.url}/v1`, apiKey: 'client-key', maxRetries: 0, timeout: 10_000 });
      const ask = async () => {
        await client.chat.completions.create({ model: 'gemini-2.5-pro', messages: [{ role: 'user', content: 'Hi' }] });
        return upstream.last.headers.authorization;
      };
      const first = await ask();
      expect(await ask()).toBe(first);
      await sleep(1100);
      const refreshed = await ask();
      expect(refreshed).not.toBe(first);
      expect(refreshed).toMatch(/^Bearer ya29\.test-token-\d+$/);
    } finally {
      expectNoCredentialIn(fresh);
      await fresh.close();
    }
  });

  it('a token endpoint refusing the grant: a 502 that says so and shows no credential', async () => {
    const fresh = await startGateway(env());
    try {
      tokens.failWith = 400;
      const before = upstream.received.length;
      const response = await fetch(`${fresh.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gemini-2.5-pro', messages: [{ role: 'user', content: 'Hi' }] }),
      });
      const text = await response.text();
      expect(response.status).toBe(502);
      expect(text).toContain('invalid_grant');
      expect(text).not.toContain(pemLine);
      expect(upstream.received.length).toBe(before);
    } finally {
      expectNoCredentialIn(fresh);
      await fresh.close();
    }
  });
});
