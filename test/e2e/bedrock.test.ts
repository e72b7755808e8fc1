import type { IncomingMessage, ServerResponse } from 'node:http';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { concat, eventFrame, exceptionFrame, toolCallStreamFrames } from '../helpers/bedrock-event-stream.ts';
import { splitAt } from '../helpers/formats.ts';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import { json, MockUpstream, type ReceivedRequest, sleep } from '../helpers/mock-upstream.ts';
import { verifySigV4 } from '../helpers/sigv4-verifier.ts';

const ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const SESSION_TOKEN = 'FwoGZXIvYXdzEXAMPLE-SESSION-TOKEN';
const CLAUDE = 'us.anthropic.claude-3-5-haiku-20241022-v1:0';
const THINKING_CLAUDE = 'us.anthropic.claude-sonnet-4-20250514-v1:0';

/** A Converse answer as the API reference shows one. */
const converseAnswer = (
  content: object[],
  stopReason = 'end_turn',
  usage: object = { inputTokens: 30, outputTokens: 12, totalTokens: 42 },
) => ({
  output: { message: { role: 'assistant', content } },
  stopReason,
  usage,
  metrics: { latencyMs: 321 },
});

/** Writes an event stream cut at `cuts` (arbitrary byte offsets), pausing between pieces so they arrive apart. */
async function sendEventStream(res: ServerResponse, bytes: Uint8Array, cuts: number[]): Promise<void> {
  res.writeHead(200, {
    'content-type': 'application/vnd.amazon.eventstream',
    'x-amzn-requestid': 'b1a5e2c0-0000-4000-8000-000000000000',
  });
  for (const piece of splitAt(bytes, cuts)) {
    if (res.destroyed) return;
    res.write(piece);
    await sleep(2);
  }
  res.end();
}

/** Offsets inside every frame's 12-byte prelude, and a few inside payloads. */
function awkwardCuts(frames: readonly Uint8Array[]): number[] {
  const cuts: number[] = [];
  let offset = 0;
  for (const frame of frames) {
    cuts.push(offset + 3, offset + 9, offset + 13, offset + frame.length - 2);
    offset += frame.length;
  }
  return cuts;
}

describe('OpenAI and Anthropic clients reaching AWS Bedrock (Converse, SigV4, event streams)', () => {
  let upstream: MockUpstream;
  let gw: TestGateway;
  let openai: OpenAI;
  let anthropic: Anthropic;
  let answer: (req: ReceivedRequest, res: ServerResponse) => void | Promise<void>;
  let verdicts: string[];

  beforeAll(async () => {
    upstream = await new MockUpstream().start();
    upstream.handle((req, res, raw: IncomingMessage) => {
      // Every request must carry a signature the mock can recompute from the secret.
      const verdict = verifySigV4(
        { method: req.method, url: req.url, headers: raw.headers, body: Buffer.from(req.body) },
        {
          accessKeyId: ACCESS_KEY_ID,
          secretAccessKey: SECRET,
          sessionToken: SESSION_TOKEN,
          region: 'eu-central-1',
          service: 'bedrock',
        },
      );
      verdicts.push(verdict.ok ? 'ok' : verdict.reason);
      if (!verdict.ok)
        return json(res, 403, {
          message: 'The request signature we calculated does not match the signature you provided.',
        });
      return answer(req, res);
    });
    gw = await startGateway({
      AWS_REGION: 'eu-central-1',
      AWS_ACCESS_KEY_ID: ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: SECRET,
      AWS_SESSION_TOKEN: SESSION_TOKEN,
      BEDROCK_BASE_URL: upstream.url,
    });
    openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'client-key', maxRetries: 0, timeout: 10_000 });
    anthropic = new Anthropic({ baseURL: gw.url, apiKey: 'client-key', maxRetries: 0, timeout: 10_000 });
  });
  afterAll(async () => {
    await gw.close();
    await upstream.close();
  });
  beforeEach(() => {
    verdicts = [];
    answer = (_req, res) => json(res, 200, converseAnswer([{ text: 'Hello from Bedrock.' }]));
  });

  it('plain: a signed Converse request to the URL-encoded model, answered in OpenAI shape with usage', async () => {
    answer = (_req, res) =>
      json(
        res,
        200,
        converseAnswer([{ text: 'Hello from Bedrock.' }], 'end_turn', {
          inputTokens: 10,
          outputTokens: 5,
          totalTokens: 515,
          cacheReadInputTokens: 500,
        }),
      );
    const { data, response } = await openai.chat.completions
      .create({
        model: `bedrock/${CLAUDE}`,
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Hi' },
        ],
        max_tokens: 100,
        temperature: 0.2,
      })
      .withResponse();
    expect(verdicts).toEqual(['ok']);
    expect(upstream.last.url).toBe('/model/us.anthropic.claude-3-5-haiku-20241022-v1%3A0/converse');
    expect(upstream.last.headers['x-amz-security-token']).toBe(SESSION_TOKEN);
    expect(upstream.last.json).toEqual({
      system: [{ text: 'Be brief.' }],
      messages: [{ role: 'user', content: [{ text: 'Hi' }] }],
      inferenceConfig: { maxTokens: 100, temperature: 0.2 },
    });
    expect(data.choices[0]?.message.content).toBe('Hello from Bedrock.');
    expect(data.choices[0]?.finish_reason).toBe('stop');
    expect(data.usage).toMatchObject({
      prompt_tokens: 510,
      completion_tokens: 5,
      prompt_tokens_details: { cached_tokens: 500 },
    });
    expect(response.headers.get('x-gateway-provider')).toBe('bedrock');
    expect(response.headers.get('x-gateway-usage')).toBe(
      'input=510; cached_input=500; cache_write=0; output=5; reasoning=0',
    );
  });

  it('streamed: frames split at awkward byte boundaries (mid-prelude) still give every delta and tool call', async () => {
    const frames = toolCallStreamFrames();
    answer = (_req, res) => sendEventStream(res, concat(frames), awkwardCuts(frames));
    const stream = await openai.chat.completions.create({
      model: `bedrock/${CLAUDE}`,
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'Top song on WZPZ?' }],
      tools: [
        {
          type: 'function',
          function: { name: 'top_song', parameters: { type: 'object', properties: { sign: { type: 'string' } } } },
        },
      ],
    });
    let text = '';
    let args = '';
    let finish: string | null | undefined;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      for (const call of chunk.choices[0]?.delta?.tool_calls ?? []) args += call.function?.arguments ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    expect(upstream.last.url).toBe('/model/us.anthropic.claude-3-5-haiku-20241022-v1%3A0/converse-stream');
    expect(verdicts).toEqual(['ok']);
    expect(text).toBe('Let me check the charts.');
    expect(JSON.parse(args)).toEqual({ sign: 'WZPZ' });
    expect(finish).toBe('tool_calls');
    expect(usage).toMatchObject({ prompt_tokens: 510, completion_tokens: 20 });
  });

  it('streamed: a frame with a bad CRC ends the stream with an error event, after what came before', async () => {
    const frames = toolCallStreamFrames();
    const corrupt = Buffer.from(frames[2]!);
    corrupt[corrupt.length - 6]! ^= 0xff;
    answer = (_req, res) =>
      sendEventStream(res, concat([frames[0]!, frames[1]!, corrupt, ...frames.slice(3)]), [20, 70]);
    const stream = await openai.chat.completions.create({
      model: `bedrock/${CLAUDE}`,
      stream: true,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    let text = '';
    const failure = await (async () => {
      try {
        for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
      } catch (error) {
        return error as Error;
      }
      return undefined;
    })();
    expect(text).toBe('Let me check ');
    expect(failure?.message).toMatch(/malformed event stream/);
  });

  it('streamed: a throttlingException frame becomes an error event the SDK raises', async () => {
    answer = (_req, res) =>
      sendEventStream(
        res,
        concat([
          eventFrame('messageStart', { role: 'assistant' }),
          exceptionFrame('throttlingException', 'Too many tokens, please wait before trying again.'),
        ]),
        [],
      );
    const stream = await openai.chat.completions.create({
      model: `bedrock/${CLAUDE}`,
      stream: true,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    await expect(
      (async () => {
        for await (const _chunk of stream);
      })(),
    ).rejects.toThrow(/Too many tokens/);
  });

  it('tools: OpenAI tools become toolConfig, the answer toolUse comes back as tool_calls, results go back as toolResult', async () => {
    answer = (_req, res) =>
      json(
        res,
        200,
        converseAnswer(
          [{ toolUse: { toolUseId: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', name: 'top_song', input: { sign: 'WZPZ' } } }],
          'tool_use',
        ),
      );
    const tools: OpenAI.ChatCompletionFunctionTool[] = [
      {
        type: 'function',
        function: {
          name: 'top_song',
          description: 'Most popular song on a station',
          parameters: { type: 'object', properties: { sign: { type: 'string' } }, required: ['sign'] },
        },
      },
    ];
    const data = await openai.chat.completions.create({
      model: `bedrock/${CLAUDE}`,
      messages: [{ role: 'user', content: 'Top song on WZPZ?' }],
      tools,
      tool_choice: { type: 'function', function: { name: 'top_song' } },
    });
    expect(upstream.last.json.toolConfig).toEqual({
      tools: [
        {
          toolSpec: {
            name: 'top_song',
            description: 'Most popular song on a station',
            inputSchema: { json: tools[0]!.function.parameters },
          },
        },
      ],
      toolChoice: { tool: { name: 'top_song' } },
    });
    const call = data.choices[0]?.message.tool_calls?.[0] as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(call).toMatchObject({ id: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', function: { name: 'top_song' } });
    expect(JSON.parse(call.function.arguments)).toEqual({ sign: 'WZPZ' });
    expect(data.choices[0]?.finish_reason).toBe('tool_calls');

    answer = (_req, res) => json(res, 200, converseAnswer([{ text: 'Elemental Hotel by 8 Storey Hike.' }]));
    await openai.chat.completions.create({
      model: `bedrock/${CLAUDE}`,
      tools,
      messages: [
        { role: 'user', content: 'Top song on WZPZ?' },
        { role: 'assistant', content: null, tool_calls: [call] },
        { role: 'tool', tool_call_id: call.id, content: '{"song":"Elemental Hotel"}' },
      ],
    });
    expect(upstream.last.json.messages.slice(1)).toEqual([
      {
        role: 'assistant',
        content: [
          { toolUse: { toolUseId: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', name: 'top_song', input: { sign: 'WZPZ' } } },
        ],
      },
      {
        role: 'user',
        content: [
          {
            toolResult: {
              toolUseId: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q',
              content: [{ text: '{"song":"Elemental Hotel"}' }],
            },
          },
        ],
      },
    ]);
  });

  it('JSON answers: response_format json_schema goes as a forced tool, and its input comes back as the message text', async () => {
    answer = (_req, res) =>
      json(
        res,
        200,
        converseAnswer(
          [{ toolUse: { toolUseId: 'tooluse_json', name: 'city', input: { name: 'Paris', country: 'France' } } }],
          'tool_use',
        ),
      );
    const schema = {
      type: 'object',
      properties: { name: { type: 'string' }, country: { type: 'string' } },
      required: ['name', 'country'],
      additionalProperties: false,
    };
    const data = await openai.chat.completions.create({
      model: `bedrock/${CLAUDE}`,
      messages: [{ role: 'user', content: 'The capital of France, as JSON.' }],
      response_format: { type: 'json_schema', json_schema: { name: 'city', schema, strict: true } },
    });
    expect(upstream.last.json.toolConfig).toEqual({
      tools: [
        {
          toolSpec: {
            name: 'city',
            description: 'Respond with a JSON value that matches this schema.',
            inputSchema: { json: schema },
          },
        },
      ],
      toolChoice: { tool: { name: 'city' } },
    });
    expect(JSON.parse(data.choices[0]?.message.content ?? '')).toEqual({ name: 'Paris', country: 'France' });
    expect(data.choices[0]?.message.tool_calls ?? []).toEqual([]);
    expect(data.choices[0]?.finish_reason).toBe('stop');
  });

  it('vision: a base64 image goes as bytes; an image URL is refused with a 400 naming the parameter', async () => {
    await openai.chat.completions.create({
      model: `bedrock/${CLAUDE}`,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is it?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          ],
        },
      ],
    });
    expect(upstream.last.json.messages[0].content[1]).toEqual({
      image: { format: 'png', source: { bytes: 'iVBORw0KGgo=' } },
    });
    const sent = upstream.received.length;
    await expect(
      openai.chat.completions.create({
        model: `bedrock/${CLAUDE}`,
        messages: [
          { role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }] },
        ],
      }),
    ).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/image_url/) });
    expect(upstream.received.length).toBe(sent);
  });

  it('embeddings: Titan through InvokeModel, in OpenAI shape', async () => {
    answer = (_req, res) => json(res, 200, { embedding: [0.25, -0.5, 0.125], inputTextTokenCount: 4 });
    const data = await openai.embeddings.create({
      model: 'bedrock/amazon.titan-embed-text-v2:0',
      input: 'Hello world',
      dimensions: 256,
    });
    expect(verdicts).toEqual(['ok']);
    expect(upstream.last.url).toBe('/model/amazon.titan-embed-text-v2%3A0/invoke');
    expect(upstream.last.json).toEqual({ inputText: 'Hello world', dimensions: 256 });
    expect(data.data[0]?.embedding).toEqual([0.25, -0.5, 0.125]);
    expect(data.usage.prompt_tokens).toBe(4);
  });

  it("Bedrock's own errors reach the client with their status and message", async () => {
    answer = (_req, res) => json(res, 400, { message: 'The provided model identifier is invalid.' });
    await expect(
      openai.chat.completions.create({
        model: 'bedrock/anthropic.claude-nope',
        messages: [{ role: 'user', content: 'Hi' }],
      }),
    ).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining('The provided model identifier is invalid.'),
    });
  });

  it('Anthropic SDK: Claude via Converse, plain and streamed', async () => {
    answer = (_req, res) =>
      json(
        res,
        200,
        converseAnswer([{ text: 'Bonjour.' }], 'end_turn', { inputTokens: 8, outputTokens: 3, totalTokens: 11 }),
      );
    const message = await anthropic.messages.create({
      model: `bedrock/${CLAUDE}`,
      max_tokens: 256,
      system: 'Answer in French.',
      messages: [{ role: 'user', content: 'Hello' }],
    });
    expect(upstream.last.url).toBe('/model/us.anthropic.claude-3-5-haiku-20241022-v1%3A0/converse');
    expect(upstream.last.json).toMatchObject({
      system: [{ text: 'Answer in French.' }],
      inferenceConfig: { maxTokens: 256 },
    });
    expect(message.content).toEqual([expect.objectContaining({ type: 'text', text: 'Bonjour.' })]);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage).toMatchObject({ input_tokens: 8, output_tokens: 3 });

    const frames = [
      eventFrame('messageStart', { role: 'assistant' }),
      eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { reasoningContent: { text: 'Greet back.' } } }),
      eventFrame('contentBlockDelta', {
        contentBlockIndex: 0,
        delta: { reasoningContent: { signature: 'EqQBCkgIARAB' } },
      }),
      eventFrame('contentBlockStop', { contentBlockIndex: 0 }),
      eventFrame('contentBlockDelta', { contentBlockIndex: 1, delta: { text: 'Bon' } }),
      eventFrame('contentBlockDelta', { contentBlockIndex: 1, delta: { text: 'jour.' } }),
      eventFrame('contentBlockStop', { contentBlockIndex: 1 }),
      eventFrame('messageStop', { stopReason: 'end_turn' }),
      eventFrame('metadata', {
        usage: { inputTokens: 8, outputTokens: 30, totalTokens: 38 },
        metrics: { latencyMs: 200 },
      }),
    ];
    answer = (_req, res) => sendEventStream(res, concat(frames), awkwardCuts(frames));
    const stream = anthropic.messages.stream({
      // A Claude that can think (the catalog says Claude 3.5 Haiku cannot: thinking would be dropped).
      model: `bedrock/${THINKING_CLAUDE}`,
      max_tokens: 4000,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: [{ role: 'user', content: 'Hello' }],
    });
    const final = await stream.finalMessage();
    expect(upstream.last.url).toMatch(/\/converse-stream$/);
    expect(upstream.last.json.additionalModelRequestFields).toEqual({
      thinking: { type: 'enabled', budget_tokens: 1024 },
    });
    expect(final.content).toEqual([
      expect.objectContaining({ type: 'thinking', thinking: 'Greet back.', signature: 'EqQBCkgIARAB' }),
      expect.objectContaining({ type: 'text', text: 'Bonjour.' }),
    ]);
    expect(final.stop_reason).toBe('end_turn');
    expect(final.usage.output_tokens).toBe(30);
  });
});

describe('Bedrock SigV4 through the gateway', () => {
  it('signs without a session token, and a mock holding another secret rejects the request (403 relayed)', async () => {
    const upstream = await new MockUpstream().start();
    const verdicts: string[] = [];
    upstream.handle((req, res, raw) => {
      const verdict = verifySigV4(
        { method: req.method, url: req.url, headers: raw.headers, body: Buffer.from(req.body) },
        { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET, region: 'us-east-1', service: 'bedrock' },
      );
      verdicts.push(verdict.ok ? 'ok' : verdict.reason);
      if (verdict.ok) json(res, 200, converseAnswer([{ text: 'signed' }]));
      else
        json(res, 403, { message: 'The request signature we calculated does not match the signature you provided.' });
    });
    const good = await startGateway({
      AWS_ACCESS_KEY_ID: ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: SECRET,
      BEDROCK_BASE_URL: upstream.url,
    });
    const bad = await startGateway({
      AWS_ACCESS_KEY_ID: ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: 'not-the-secret-at-all',
      BEDROCK_BASE_URL: upstream.url,
    });
    try {
      const client = (gw: TestGateway) =>
        new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'x', maxRetries: 0, timeout: 10_000 });
      const data = await client(good).chat.completions.create({
        model: `bedrock/${CLAUDE}`,
        messages: [{ role: 'user', content: 'Hi' }],
      });
      expect(data.choices[0]?.message.content).toBe('signed');
      expect(upstream.last.headers['x-amz-security-token']).toBeUndefined();
      await expect(
        client(bad).chat.completions.create({
          model: `bedrock/${CLAUDE}`,
          messages: [{ role: 'user', content: 'Hi' }],
        }),
      ).rejects.toMatchObject({
        status: 403,
        message: expect.stringContaining('signature we calculated does not match'),
      });
      expect(verdicts).toEqual(['ok', 'signature mismatch']);
    } finally {
      await good.close();
      await bad.close();
      await upstream.close();
    }
  });
});
