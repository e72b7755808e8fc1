/**
 * The official `@google/genai` SDK as a client of the gateway: generate, stream, tools, embeddings
 * and models, against an OpenAI-format and an Anthropic-format mock provider (translated) and a
 * Gemini-format one (passed through natively).
 */
import { type FunctionCall, GoogleGenAI } from '@google/genai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { postJson, rawRequest, startGateway, type TestGateway } from '../helpers/gateway.ts';
import { geminiSse, textAnswer, textStreamEvents } from '../helpers/gemini-samples.ts';
import {
  chatCompletion,
  chatCompletionChunks,
  json,
  MockUpstream,
  type ReceivedRequest,
  streamEvents,
} from '../helpers/mock-upstream.ts';
import { anthropicMessage, anthropicTextStream } from '../helpers/native-mocks.ts';

const GATEWAY_KEY = 'gw-gemini-client-key-1';
const OPENAI_KEY = 'sk-openai-for-gemini-clients';
const ANTHROPIC_KEY = 'sk-ant-for-gemini-clients';
const GEMINI_KEY = 'AIzaSy-real-gemini-provider-key';

describe('the @google/genai SDK through the gateway', () => {
  const openai = new MockUpstream();
  const anthropic = new MockUpstream();
  const gemini = new MockUpstream();
  let gw: TestGateway;
  let ai: GoogleGenAI;

  beforeAll(async () => {
    await Promise.all([openai.start(), anthropic.start(), gemini.start()]);
    gw = await startGateway({
      GATEWAY_API_KEYS: GATEWAY_KEY,
      OPENAI_API_KEY: OPENAI_KEY,
      OPENAI_BASE_URL: `${openai.url}/v1`,
      ANTHROPIC_API_KEY: ANTHROPIC_KEY,
      ANTHROPIC_BASE_URL: anthropic.url,
      GEMINI_API_KEY: GEMINI_KEY,
      GEMINI_BASE_URL: gemini.url,
    });
    ai = new GoogleGenAI({ apiKey: GATEWAY_KEY, httpOptions: { baseUrl: gw.url } });
  });
  afterAll(async () => {
    await gw.close();
    await Promise.all([openai.close(), anthropic.close(), gemini.close()]);
  });
  beforeEach(() => {
    openai.received.length = 0;
    anthropic.received.length = 0;
    gemini.received.length = 0;
  });

  it('generates through an OpenAI-format provider: contents, systemInstruction and generationConfig translated', async () => {
    openai.handle((_req, res) => json(res, 200, chatCompletion('Hello from GPT', 'gpt-4o-mini')));
    const response = await ai.models.generateContent({
      model: 'openai/gpt-4o-mini',
      contents: 'Say hello',
      config: {
        systemInstruction: 'Be brief.',
        temperature: 0.2,
        topP: 0.9,
        maxOutputTokens: 50,
        stopSequences: ['END'],
      },
    });
    expect(response.text).toBe('Hello from GPT');
    expect(response.candidates?.[0]?.finishReason).toBe('STOP');
    expect(response.usageMetadata).toMatchObject({
      promptTokenCount: 19,
      candidatesTokenCount: 10,
      totalTokenCount: 29,
    });
    const sent = openai.last;
    expect(sent.url).toBe('/v1/chat/completions');
    expect(sent.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
    expect(sent.json).toMatchObject({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Say hello' },
      ],
      temperature: 0.2,
      top_p: 0.9,
      stop: ['END'],
    });
    expect(sent.json.max_tokens ?? sent.json.max_completion_tokens).toBe(50);
  });

  it('accepts the model percent-encoded in the path (openai%2Fgpt-4o-mini) and the key as ?key=', async () => {
    openai.handle((_req, res) => json(res, 200, chatCompletion('encoded ok')));
    const response = await rawRequest(gw.url, {
      method: 'POST',
      path: `/v1beta/models/openai%2Fgpt-4o-mini:generateContent?key=${GATEWAY_KEY}`,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
    });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.text).candidates[0].content.parts[0].text).toBe('encoded ok');
    expect(openai.last.url).toBe('/v1/chat/completions');
    expect(openai.last.json.model).toBe('gpt-4o-mini');
  });

  it('streams through an Anthropic-format provider (alt=sse), with the usage on the last chunk', async () => {
    anthropic.handle((_req, res) => streamEvents(res, anthropicTextStream(['Bon', 'jour', '!'])));
    const stream = await ai.models.generateContentStream({
      model: 'anthropic/claude-sonnet-4-5-20250929',
      contents: 'Say bonjour',
    });
    const texts: string[] = [];
    let last: Awaited<ReturnType<typeof stream.next>>['value'];
    for await (const chunk of stream) {
      if (chunk.text) texts.push(chunk.text);
      last = chunk;
    }
    expect(texts.join('')).toBe('Bonjour!');
    expect(last?.candidates?.[0]?.finishReason).toBe('STOP');
    expect(last?.usageMetadata).toMatchObject({ promptTokenCount: 25, candidatesTokenCount: 12 });
    const sent = anthropic.last;
    expect(sent.url).toBe('/v1/messages');
    expect(sent.headers['x-api-key']).toBe(ANTHROPIC_KEY);
    expect(sent.json).toMatchObject({ model: 'claude-sonnet-4-5-20250929', stream: true });
    expect(sent.json.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'Say bonjour' }] }]);
  });

  it('calls tools through an OpenAI-format provider and answers them with functionResponse', async () => {
    openai.handle((req, res) => {
      const answered = req.json.messages.some((m: { role: string }) => m.role === 'tool');
      if (answered) return json(res, 200, chatCompletion('It is 18°C in Paris.'));
      const completion = chatCompletion('');
      Object.assign(completion.choices[0] as object, {
        message: {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_w1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          ],
        },
        finish_reason: 'tool_calls',
      });
      return json(res, 200, completion);
    });
    const tools = [
      {
        functionDeclarations: [
          {
            name: 'get_weather',
            description: 'Current weather in a city',
            parametersJsonSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
          },
        ],
      },
    ];
    const first = await ai.models.generateContent({
      model: 'openai/gpt-4o-mini',
      contents: 'Weather in Paris?',
      config: { tools, toolConfig: { functionCallingConfig: { mode: 'ANY' as never } } },
    });
    const call = first.functionCalls?.[0] as FunctionCall;
    expect(call).toMatchObject({ id: 'call_w1', name: 'get_weather', args: { city: 'Paris' } });
    expect(openai.last.json.tools).toEqual([
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Current weather in a city',
          parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        },
      },
    ]);
    expect(openai.last.json.tool_choice).toBe('required');

    const second = await ai.models.generateContent({
      model: 'openai/gpt-4o-mini',
      contents: [
        { role: 'user', parts: [{ text: 'Weather in Paris?' }] },
        { role: 'model', parts: [{ functionCall: call }] },
        {
          role: 'user',
          parts: [{ functionResponse: { id: call.id, name: 'get_weather', response: { output: '18°C' } } }],
        },
      ],
      config: { tools },
    });
    expect(second.text).toBe('It is 18°C in Paris.');
    const messages = openai.last.json.messages;
    expect(messages[1]).toMatchObject({
      role: 'assistant',
      tool_calls: [
        { id: 'call_w1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
      ],
    });
    expect(messages[2]).toEqual({ role: 'tool', tool_call_id: 'call_w1', content: '18°C' });
  });

  it('embeds through an OpenAI-format provider (embedContent and batch)', async () => {
    openai.handle((req, res) =>
      json(res, 200, {
        object: 'list',
        data: (req.json.input as string[]).map((_t, index) => ({
          object: 'embedding',
          index,
          embedding: [index, 0.5],
        })),
        model: 'text-embedding-3-small',
        usage: { prompt_tokens: 4, total_tokens: 4 },
      }),
    );
    const response = await ai.models.embedContent({
      model: 'openai/text-embedding-3-small',
      contents: ['first', 'second'],
      config: { outputDimensionality: 2 },
    });
    expect(response.embeddings?.map((e) => e.values)).toEqual([
      [0, 0.5],
      [1, 0.5],
    ]);
    expect(openai.last.url).toBe('/v1/embeddings');
    expect(openai.last.json).toMatchObject({
      model: 'text-embedding-3-small',
      input: ['first', 'second'],
      dimensions: 2,
    });

    const single = await postJson(
      `${gw.url}/v1beta/models/openai/text-embedding-3-small:embedContent`,
      { content: { parts: [{ text: 'one' }] } },
      { 'x-goog-api-key': GATEWAY_KEY },
    );
    expect(single.status).toBe(200);
    expect(single.json).toEqual({ embedding: { values: [0, 0.5] } });
  });

  it('lists and gets models in Gemini shape', async () => {
    const pager = await ai.models.list();
    const names: string[] = [];
    for await (const model of pager) names.push(model.name ?? '');
    expect(names).toContain('models/openai/gpt-4o-mini');
    expect(names).toContain('models/anthropic/claude-sonnet-4-5-20250929');
    const model = await ai.models.get({ model: 'openai/gpt-4o-mini' });
    expect(model).toMatchObject({
      name: 'models/openai/gpt-4o-mini',
      supportedActions: expect.arrayContaining(['generateContent']),
    });
  });

  it('counts tokens: an estimate for a translated target', async () => {
    const counted = await ai.models.countTokens({ model: 'openai/gpt-4o-mini', contents: 'How many tokens is this?' });
    expect(counted.totalTokens).toBeGreaterThan(0);
    expect(openai.received).toHaveLength(0);
  });

  it('passes Gemini requests to the Gemini provider natively, with the provider key, never the gateway key', async () => {
    let seen: ReceivedRequest | undefined;
    gemini.handle((req, res) => {
      seen = req;
      return json(res, 200, textAnswer('native hello'));
    });
    const body = {
      contents: [{ role: 'user', parts: [{ text: 'hi' }] }],
      safetySettings: [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }],
      generationConfig: { temperature: 0.1 },
    };
    const response = await postJson(
      `${gw.url}/v1beta/models/gemini/gemini-2.5-flash:generateContent?key=${GATEWAY_KEY}`,
      body,
    );
    expect(response.status).toBe(200);
    expect(response.json).toEqual(textAnswer('native hello'));
    expect(seen?.url).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(seen?.headers['x-goog-api-key']).toBe(GEMINI_KEY);
    expect(seen?.json).toEqual(body);
    expect(response.headers.get('x-gateway-usage')).toMatch(/^input=\d+/);
  });

  it('streams natively from the Gemini provider with alt=sse, through the SDK', async () => {
    gemini.handle((_req, res) => streamEvents(res, [geminiSse(textStreamEvents(['Hel', 'lo']))]));
    const stream = await ai.models.generateContentStream({ model: 'gemini/gemini-2.5-flash', contents: 'hi' });
    let text = '';
    for await (const chunk of stream) text += chunk.text ?? '';
    expect(text).toBe('Hello');
    expect(gemini.last.url).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
  });

  it('answers streamGenerateContent without alt=sse as one JSON array', async () => {
    openai.handle((_req, res) => streamEvents(res, chatCompletionChunks(['a', 'b'])));
    const response = await postJson(
      `${gw.url}/v1beta/models/openai/gpt-4o-mini:streamGenerateContent`,
      { contents: [{ parts: [{ text: 'hi' }] }] },
      { 'x-goog-api-key': GATEWAY_KEY },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const chunks = JSON.parse(response.text) as {
      candidates: { content: { parts: { text: string }[] }; finishReason?: string }[];
    }[];
    expect(chunks.map((c) => c.candidates[0]?.content.parts[0]?.text).join('')).toBe('ab');
    expect(chunks.at(-1)?.candidates[0]?.finishReason).toBe('STOP');
  });

  it('refuses what cannot be expressed in Google’s error shape: candidateCount > 1, built-in tools', async () => {
    const many = await postJson(
      `${gw.url}/v1beta/models/openai/gpt-4o-mini:generateContent`,
      { contents: [{ parts: [{ text: 'hi' }] }], generationConfig: { candidateCount: 2 } },
      { 'x-goog-api-key': GATEWAY_KEY },
    );
    expect(many.status).toBe(400);
    expect(many.json.error).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT' });
    expect(many.json.error.message).toContain('generationConfig.candidateCount');

    const search = await postJson(
      `${gw.url}/v1beta/models/anthropic/claude-sonnet-4-5-20250929:generateContent`,
      { contents: [{ parts: [{ text: 'news?' }] }], tools: [{ googleSearch: {} }] },
      { 'x-goog-api-key': GATEWAY_KEY },
    );
    expect(search.status).toBe(400);
    expect(search.json.error.message).toContain('tools.googleSearch');
    expect(openai.received).toHaveLength(0);
    expect(anthropic.received).toHaveLength(0);
  });

  it('drops and reports tuning-only fields (safetySettings) for a translated target', async () => {
    anthropic.handle((_req, res) => json(res, 200, anthropicMessage('ok')));
    const response = await postJson(
      `${gw.url}/v1beta/models/anthropic/claude-sonnet-4-5-20250929:generateContent`,
      {
        contents: [{ parts: [{ text: 'hi' }] }],
        safetySettings: [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }],
      },
      { 'x-goog-api-key': GATEWAY_KEY },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('x-gateway-dropped-params')).toBe('safetySettings');
    expect(anthropic.last.json.safetySettings).toBeUndefined();
  });

  it('refuses a missing or wrong gateway key in Google’s shape', async () => {
    const response = await postJson(`${gw.url}/v1beta/models/openai/gpt-4o-mini:generateContent?key=wrong`, {
      contents: [{ parts: [{ text: 'hi' }] }],
    });
    expect(response.status).toBe(401);
    expect(response.json.error).toMatchObject({ code: 401, status: 'UNAUTHENTICATED' });
  });
});
