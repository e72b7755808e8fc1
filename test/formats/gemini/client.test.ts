/** The Gemini client side: requests → IR, IR → answers, stream chunks and errors (pure functions). */
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/errors.ts';
import { geminiFormat } from '../../../src/formats/gemini/index.ts';
import { readRoute } from '../../../src/formats/gemini/route.ts';
import type { ChatRequest, StreamEvent } from '../../../src/formats/ir.ts';

const client = geminiFormat.client;
const route = readRoute('POST', '/v1beta/models/openai%2Fgpt-4o:generateContent', '') as NonNullable<
  ReturnType<typeof readRoute>
>;
const parse = (body: Record<string, unknown>) => client.chat.parseRequest(body, route);

describe('Gemini routes', () => {
  it('reads the model (encoded or not), the method and the stream framing from the path', () => {
    expect(route).toMatchObject({ apiPath: ':generateContent', model: 'openai/gpt-4o', stream: false });
    const raw = readRoute('POST', '/v1/models/anthropic/claude-sonnet-4-5:streamGenerateContent', '?alt=sse');
    expect(raw).toMatchObject({
      apiPath: ':streamGenerateContent',
      model: 'anthropic/claude-sonnet-4-5',
      stream: true,
    });
    expect(raw?.framing).toBeUndefined();
    expect(raw?.nativePath('claude-sonnet-4-5')).toBe('/v1beta/models/claude-sonnet-4-5:streamGenerateContent?alt=sse');
    const array = readRoute('POST', '/v1beta/models/gemini-2.5-flash:streamGenerateContent', '');
    expect(array?.framing?.contentType).toMatch(/^application\/json/);
    expect(array?.translated).toBe(true);
    expect(readRoute('POST', '/v1beta/models/x:unknownMethod', '')).toBeUndefined();
    expect(readRoute('GET', '/v1beta/models/x:generateContent', '')).toBeUndefined();
  });
});

describe('Gemini requests → IR', () => {
  it('maps contents, systemInstruction and generationConfig', () => {
    const ir = parse({
      systemInstruction: { parts: [{ text: 'Be brief.' }] },
      contents: [
        { role: 'user', parts: [{ text: 'Look' }, { inlineData: { mimeType: 'image/png', data: 'iVBORw0' } }] },
        { role: 'model', parts: [{ text: 'thinking…', thought: true }, { text: 'A cat.' }] },
        { role: 'user', parts: [{ fileData: { mimeType: 'image/jpeg', fileUri: 'https://x.test/a.jpg' } }] },
      ],
      generationConfig: {
        temperature: 0.5,
        topP: 0.9,
        topK: 40,
        maxOutputTokens: 100,
        stopSequences: ['STOP'],
        seed: 3,
        thinkingConfig: { thinkingBudget: 2048, includeThoughts: true },
      },
    });
    expect(ir).toMatchObject({
      model: 'openai/gpt-4o',
      system: [{ type: 'text', text: 'Be brief.' }],
      temperature: 0.5,
      topP: 0.9,
      topK: 40,
      maxTokens: 100,
      stop: ['STOP'],
      seed: 3,
      reasoning: { budgetTokens: 2048 },
      sourceFormat: 'gemini',
      unmapped: {},
    });
    expect(ir.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Look' },
          { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBORw0' } },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'reasoning', text: 'thinking…' },
          { type: 'text', text: 'A cat.' },
        ],
      },
      { role: 'user', content: [{ type: 'image', source: { kind: 'url', url: 'https://x.test/a.jpg' } }] },
    ]);
  });

  it('maps function declarations (Gemini schema and JSON schema), tool config and function round trips', () => {
    const ir = parse({
      contents: [
        { role: 'user', parts: [{ text: 'go' }] },
        {
          role: 'model',
          parts: [
            { functionCall: { name: 'ls', args: { dir: '/' } }, thoughtSignature: 'c2lnbmF0dXJl' },
            { functionCall: { name: 'ls', args: { dir: '/tmp' } } },
          ],
        },
        {
          role: 'user',
          parts: [
            { functionResponse: { name: 'ls', response: { output: 'bin etc' } } },
            { functionResponse: { name: 'ls', response: { error: 'denied' } } },
          ],
        },
      ],
      tools: [
        {
          functionDeclarations: [
            {
              name: 'ls',
              description: 'List',
              parameters: {
                type: 'OBJECT',
                properties: { dir: { type: 'STRING', nullable: true } },
                required: ['dir'],
              },
            },
          ],
        },
      ],
      toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['ls'] } },
    });
    expect(ir.tools).toEqual([
      {
        name: 'ls',
        description: 'List',
        parameters: { type: 'object', properties: { dir: { type: ['string', 'null'] } }, required: ['dir'] },
      },
    ]);
    expect(ir.toolChoice).toEqual({ type: 'tool', name: 'ls' });
    const [call1, call2] = (ir.messages[1] as { content: { type: string; id: string }[] }).content;
    expect(call1?.id).toContain('__thought__');
    const results = (ir.messages[2] as { content: unknown[] }).content;
    expect(results).toEqual([
      { type: 'tool-result', toolCallId: call1?.id, name: 'ls', content: [{ type: 'text', text: 'bin etc' }] },
      {
        type: 'tool-result',
        toolCallId: call2?.id,
        name: 'ls',
        content: [{ type: 'text', text: 'denied' }],
        isError: true,
      },
    ]);
  });

  it('maps responseMimeType with responseSchema or responseJsonSchema to structured output', () => {
    expect(parse({ contents: [], generationConfig: { responseMimeType: 'application/json' } }).responseFormat).toEqual({
      type: 'json',
    });
    expect(
      parse({
        contents: [],
        generationConfig: {
          responseMimeType: 'application/json',
          responseSchema: { type: 'ARRAY', items: { type: 'INTEGER' } },
        },
      }).responseFormat,
    ).toEqual({ type: 'json-schema', name: 'response', schema: { type: 'array', items: { type: 'integer' } } });
    const schema = { type: 'object', properties: { a: { type: 'string' } } };
    expect(
      parse({ contents: [], generationConfig: { responseMimeType: 'application/json', responseJsonSchema: schema } })
        .responseFormat,
    ).toEqual({ type: 'json-schema', name: 'response', schema });
  });

  it('thinkingConfig: budget 0 turns thinking off, a level is an effort', () => {
    expect(parse({ contents: [], generationConfig: { thinkingConfig: { thinkingBudget: 0 } } }).reasoning).toBe(false);
    expect(parse({ contents: [], generationConfig: { thinkingConfig: { thinkingLevel: 'HIGH' } } }).reasoning).toEqual({
      effort: 'high',
    });
  });

  it('sorts what has no IR form: tuning dropped, built-in tools and other parts refused by name, candidateCount > 1 refused', () => {
    const ir = parse({
      contents: [{ role: 'user', parts: [{ executableCode: { code: 'print(1)' } }] }],
      tools: [{ googleSearch: {} }, { codeExecution: {} }],
      safetySettings: [],
      cachedContent: 'cachedContents/1',
      generationConfig: { mediaResolution: 'MEDIA_RESOLUTION_LOW', responseLogprobs: true },
    });
    expect(Object.keys(ir.tuning ?? {}).sort()).toEqual(['generationConfig.mediaResolution', 'safetySettings']);
    expect(Object.keys(ir.unmapped).sort()).toEqual([
      'cachedContent',
      'contents.parts.executableCode',
      'generationConfig.responseLogprobs',
      'tools.codeExecution',
      'tools.googleSearch',
    ]);
    expect(() => parse({ contents: [], generationConfig: { candidateCount: 2 } })).toThrow(/candidateCount/);
    expect(() => parse({ contents: 'hi' })).toThrow(/'contents' must be an array/);
  });
});

const request = { ...parse({ contents: [] }), stream: true } as ChatRequest;

describe('IR → Gemini answers and streams', () => {
  it('encodes a whole answer with candidates, finishReason and usageMetadata', () => {
    const body = client.chat.encodeResponse(
      {
        id: 'r1',
        model: 'gpt-4o',
        content: [
          { type: 'reasoning', text: 'hmm' },
          { type: 'text', text: 'Hi' },
          { type: 'tool-call', id: 'call_1', name: 'ls', arguments: '{"dir":"/"}' },
        ],
        finishReason: 'tool_calls',
        usage: { inputTokens: 10, outputTokens: 8, reasoningTokens: 3, cachedInputTokens: 4 },
      },
      request,
    );
    expect(body).toEqual({
      candidates: [
        {
          content: {
            role: 'model',
            parts: [
              { text: 'hmm', thought: true },
              { text: 'Hi' },
              { functionCall: { id: 'call_1', name: 'ls', args: { dir: '/' } } },
            ],
          },
          finishReason: 'STOP',
          index: 0,
        },
      ],
      usageMetadata: {
        promptTokenCount: 10,
        candidatesTokenCount: 5,
        thoughtsTokenCount: 3,
        cachedContentTokenCount: 4,
        totalTokenCount: 18,
      },
      modelVersion: 'gpt-4o',
      responseId: 'r1',
    });
  });

  const events: StreamEvent[] = [
    { type: 'start', id: 's1', model: 'claude' },
    { type: 'text-delta', text: 'He' },
    { type: 'tool-call-start', index: 0, id: 'toolu_1', name: 'ls' },
    { type: 'tool-call-delta', index: 0, arguments: '{"dir"' },
    { type: 'tool-call-delta', index: 0, arguments: ':"/"}' },
    { type: 'tool-call-end', index: 0 },
    { type: 'finish', reason: 'length' },
    { type: 'usage', usage: { inputTokens: 5, outputTokens: 2 } },
    { type: 'end' },
  ];

  it('streams SSE chunks: text as it comes, a function call whole, finishReason and usage last', () => {
    const encoder = client.chat.streamEncoder(request, route);
    const out = events.map((e) => encoder.encode(e)).join('');
    const chunks = out
      .split('\r\n\r\n')
      .filter(Boolean)
      .map((e) => JSON.parse(e.replace(/^data: /, '')));
    expect(chunks.map((c) => c.candidates[0].content.parts[0])).toEqual([
      { text: 'He' },
      { functionCall: { id: 'toolu_1', name: 'ls', args: { dir: '/' } } },
      { text: '' },
    ]);
    expect(chunks.at(-1)).toMatchObject({
      candidates: [{ finishReason: 'MAX_TOKENS' }],
      usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 2, totalTokenCount: 7 },
      modelVersion: 'claude',
      responseId: 's1',
    });
  });

  it('streams one JSON array without alt=sse, closed by an error when one comes', () => {
    const arrayRoute = readRoute('POST', '/v1beta/models/x:streamGenerateContent', '');
    const encoder = client.chat.streamEncoder(request, arrayRoute);
    const whole = events.map((e) => encoder.encode(e)).join('');
    expect(JSON.parse(whole)).toHaveLength(3);
    const failing = client.chat.streamEncoder(request, arrayRoute);
    const broken = [
      failing.encode({ type: 'text-delta', text: 'x' }),
      failing.encode({ type: 'error', status: 429, code: 'rate_limited', message: 'slow down' }),
    ].join('');
    expect(JSON.parse(broken)[1]).toEqual({ error: { code: 429, message: 'slow down', status: 'RESOURCE_EXHAUSTED' } });
  });

  it('writes errors in Google’s shape', () => {
    expect(JSON.parse(client.errorBody(new GatewayError(404, 'model_not_found', 'no such model')))).toEqual({
      error: { code: 404, message: 'no such model', status: 'NOT_FOUND' },
    });
  });
});

describe('Gemini embeddings and models', () => {
  const embedRoute = readRoute('POST', '/v1beta/models/openai/text-embedding-3-small:embedContent', '');
  it('reads embedContent as one embedding and batchEmbedContents as a list', () => {
    const embeddings = client.embeddings!;
    const one = embeddings.parseRequest(
      { content: { parts: [{ text: 'a' }] }, taskType: 'RETRIEVAL_QUERY', outputDimensionality: 8 },
      embedRoute,
    );
    expect(one).toEqual({
      model: 'openai/text-embedding-3-small',
      input: ['a'],
      single: true,
      inputType: 'RETRIEVAL_QUERY',
      dimensions: 8,
    });
    expect(embeddings.encodeResponse({ model: 'm', embeddings: [[1, 2]], usage: undefined }, one)).toEqual({
      embedding: { values: [1, 2] },
    });
    const batch = embeddings.parseRequest(
      { requests: [{ content: { parts: [{ text: 'a' }] } }, { content: { parts: [{ text: 'b' }] } }] },
      embedRoute,
    );
    expect(batch.input).toEqual(['a', 'b']);
    expect(embeddings.encodeResponse({ model: 'm', embeddings: [[1], [2]], usage: undefined }, batch)).toEqual({
      embeddings: [{ values: [1] }, { values: [2] }],
    });
  });

  it('lists models as Gemini Model objects', () => {
    const model = {
      id: 'openai/gpt-4o',
      owned_by: 'openai',
      context_window: 128000,
      max_output_tokens: 16384,
      mode: 'chat',
    };
    expect(client.models?.one(model)).toMatchObject({
      name: 'models/openai/gpt-4o',
      inputTokenLimit: 128000,
      outputTokenLimit: 16384,
      supportedGenerationMethods: ['generateContent', 'streamGenerateContent', 'countTokens'],
    });
  });
});
