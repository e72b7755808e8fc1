import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../test/helpers/gateway.ts';
import { MockUpstream, streamEvents } from '../test/helpers/mock-upstream.ts';
import { haveRecordings, openAISseFrames, type Recording, recordings } from './recordings.ts';

/**
 * Replays real OpenAI-format responses (chat completions, streams, embeddings) captured from the
 * providers through the gateway: the client must get the provider's bytes unchanged, and the
 * official SDK must read them.
 */
const FOLDER_TO_PROVIDER: Record<string, string> = {
  openai: 'openai',
  groq: 'groq',
  deepseek: 'deepseek',
  mistral: 'mistral',
  xai: 'xai',
  perplexity: 'perplexity',
  'openai-compatible': 'openai',
  azure: 'azure-openai',
};

const cases = recordings(Object.keys(FOLDER_TO_PROVIDER), (first) =>
  ['chat.completion', 'chat.completion.chunk', 'list'].includes(first?.object),
);

if (!haveRecordings)
  console.log('conformance: ../shared/fixtures/recorded not found; recorded-response replays skipped');

describe.skipIf(!haveRecordings)('recorded OpenAI-format responses replayed through the gateway', () => {
  let upstream: MockUpstream;
  let gw: TestGateway;
  let current: Recording;

  beforeAll(async () => {
    upstream = await new MockUpstream().start();
    upstream.handle(async (_req, res) => {
      if (current.kind === 'chunks') return streamEvents(res, openAISseFrames(current.text));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(current.text);
    });
    const env: Record<string, string> = { AZURE_OPENAI_API_KEY: 'k', AZURE_OPENAI_ENDPOINT: upstream.url };
    for (const id of ['OPENAI', 'GROQ', 'DEEPSEEK', 'MISTRAL', 'XAI', 'PERPLEXITY']) {
      env[`${id}_API_KEY`] = 'k';
      env[`${id}_BASE_URL`] = `${upstream.url}/${id.toLowerCase()}`;
    }
    gw = await startGateway(env);
  });
  afterAll(async () => {
    await gw?.close();
    await upstream?.close();
  });

  it('found recordings to replay', () => {
    expect(cases.length).toBeGreaterThan(20);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, recording) => {
    current = recording;
    const provider = FOLDER_TO_PROVIDER[recording.folder]!;
    const client = new OpenAI({
      baseURL: `${gw.url}/v1`,
      apiKey: 'client',
      maxRetries: 0,
      defaultHeaders: { 'x-provider': provider },
    });
    const first = JSON.parse(recording.kind === 'json' ? recording.text : recording.text.split('\n')[0]!);

    if (first.object === 'list') {
      const { data, response } = await client.embeddings
        .create({ model: 'text-embedding-3-small', input: 'x' })
        .withResponse();
      expect(response.headers.get('x-gateway-provider')).toBe(provider);
      expect(data.data.length).toBe(first.data.length);
      return;
    }

    // The raw bytes arrive unchanged when the client asks for what the recording holds…
    const stream = recording.kind === 'chunks';
    const post = (body: object) =>
      fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-provider': provider },
        body: JSON.stringify({ model: first.model, messages: [{ role: 'user', content: 'x' }], ...body }),
      });
    const raw = await post(stream ? { stream, stream_options: { include_usage: true } } : {});
    expect(raw.status).toBe(200);
    const frames = stream ? openAISseFrames(recording.text) : [recording.text];
    expect(await raw.text()).toBe(frames.join(''));
    if (stream) {
      // …and without the usage-only chunk when it did not ask for usage (the gateway did).
      const plain = await (await post({ stream })).text();
      expect(plain).toBe(
        frames.filter((frame) => !/"choices":\[\],/.test(frame) || !frame.includes('"usage":{')).join(''),
      );
    }

    // And the official SDK reads them.
    if (recording.kind === 'json') {
      const completion = await client.chat.completions.create({
        model: first.model,
        messages: [{ role: 'user', content: 'x' }],
      });
      expect(completion.choices[0]?.message.content).toEqual(first.choices[0].message.content);
      return;
    }
    const sdkStream = await client.chat.completions.create({
      model: first.model,
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const deltas: unknown[] = [];
    for await (const chunk of sdkStream) deltas.push(chunk.choices[0]?.delta);
    const lines = recording.text.split('\n').filter((l) => l.trim());
    expect(deltas).toEqual(lines.map((l) => JSON.parse(l).choices?.[0]?.delta));
  });
});
