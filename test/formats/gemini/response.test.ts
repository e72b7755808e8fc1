import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/errors.ts';
import { geminiFormat } from '../../../src/formats/gemini/index.ts';
import { thoughtSignatureOf, toolCallIdOf } from '../../../src/formats/gemini/tool-call-ids.ts';
import { irRequest, textAnswer } from '../../helpers/gemini-samples.ts';

const decode = (answer: unknown) =>
  geminiFormat.provider.chat.decodeResponse(Buffer.from(JSON.stringify(answer)), irRequest());

describe('Gemini answer → IR', () => {
  it('reads text, id, model and usage', () => {
    expect(decode(textAnswer('Hello! How can I help you today?'))).toEqual({
      id: 'mAitaJ3GA5iVqtsP8bS-8Qc',
      model: 'gemini-2.5-flash',
      content: [{ type: 'text', text: 'Hello! How can I help you today?' }],
      finishReason: 'stop',
      usage: { inputTokens: 9, outputTokens: 12 },
    });
  });

  it('falls back to the requested model and a generated id when Gemini names neither', () => {
    const { modelVersion: _m, responseId: _r, ...bare } = textAnswer('Hi');
    const response = decode(bare);
    expect(response.model).toBe('gemini-2.5-flash');
    expect(response.id).toMatch(/^gemini-[0-9a-f-]{36}$/);
  });

  it('reads thoughts as reasoning, and joins split text parts', () => {
    const answer = textAnswer('', {
      candidates: [
        {
          content: {
            role: 'model',
            parts: [
              { text: '**Counting letters**\n\n', thought: true },
              { text: 'I will count each r.', thought: true },
              { text: 'There are **3** ', thoughtSignature: 'EtoFCtcFAb4=' },
              { text: "r's in strawberry." },
            ],
          },
          finishReason: 'STOP',
          index: 0,
        },
      ],
    });
    expect(decode(answer).content).toEqual([
      { type: 'reasoning', text: '**Counting letters**\n\nI will count each r.' },
      { type: 'text', text: "There are **3** r's in strawberry." },
    ]);
  });

  it('reads whole function calls as tool calls with ids that carry their thought signature', () => {
    const answer = {
      candidates: [
        {
          content: {
            role: 'model',
            parts: [
              {
                functionCall: { name: 'get_current_temperature', args: { location: 'San Francisco' } },
                thoughtSignature: 'EqUCCqICAb4+9vsh8Pd5taZVoPzSvjWWwzBrvhEQ/+==',
              },
              { functionCall: { id: 'fc-7', name: 'get_time', args: {} } },
              { functionCall: { name: 'ping' } },
            ],
          },
          finishReason: 'STOP',
          index: 0,
        },
      ],
      usageMetadata: { promptTokenCount: 29, candidatesTokenCount: 15, thoughtsTokenCount: 45, totalTokenCount: 89 },
      modelVersion: 'gemini-3-pro-preview',
    };
    const response = decode(answer);
    expect(response.finishReason).toBe('tool_calls');
    expect(response.content.map((p) => (p.type === 'tool-call' ? [p.name, p.arguments] : p))).toEqual([
      ['get_current_temperature', '{"location":"San Francisco"}'],
      ['get_time', '{}'],
      ['ping', '{}'],
    ]);
    const [first, second, third] = response.content.map((p) => (p.type === 'tool-call' ? p.id : ''));
    expect(first).toMatch(/^call_[A-Za-z0-9_-]+__thought__[A-Za-z0-9_-]+$/);
    expect(Buffer.from(thoughtSignatureOf(first!)!, 'base64')).toEqual(
      Buffer.from('EqUCCqICAb4+9vsh8Pd5taZVoPzSvjWWwzBrvhEQ/+==', 'base64'),
    );
    expect(second).toBe('fc-7');
    expect(third).toMatch(/^call_[A-Za-z0-9_-]{16}$/);
    expect(third).not.toBe(first!.split('__')[0]);
    expect(response.usage).toEqual({ inputTokens: 29, outputTokens: 60, reasoningTokens: 45 });
  });

  it.each([
    ['STOP', 'stop'],
    ['MAX_TOKENS', 'length'],
    ['SAFETY', 'content_filter'],
    ['RECITATION', 'content_filter'],
    ['BLOCKLIST', 'content_filter'],
    ['PROHIBITED_CONTENT', 'content_filter'],
    ['SPII', 'content_filter'],
    ['MALFORMED_FUNCTION_CALL', 'error'],
    ['LANGUAGE', 'stop'],
    ['OTHER', 'stop'],
  ])('finishReason %s → %s', (reason, expected) => {
    const answer = textAnswer('x');
    answer.candidates[0]!.finishReason = reason;
    expect(decode(answer).finishReason).toBe(expected);
  });

  it('reads a candidate stopped for safety, without content, as content_filter', () => {
    const answer = {
      candidates: [
        {
          finishReason: 'SAFETY',
          index: 0,
          safetyRatings: [{ category: 'HARM_CATEGORY_DANGEROUS_CONTENT', probability: 'HIGH' }],
        },
      ],
      usageMetadata: { promptTokenCount: 8, totalTokenCount: 8 },
    };
    expect(decode(answer)).toMatchObject({
      content: [],
      finishReason: 'content_filter',
      usage: { inputTokens: 8, outputTokens: 0 },
    });
  });

  it.each([
    ['plain', { promptTokenCount: 9, candidatesTokenCount: 12 }, { inputTokens: 9, outputTokens: 12 }],
    [
      'cached prompt tokens stay in the input',
      { promptTokenCount: 2000, cachedContentTokenCount: 1500, candidatesTokenCount: 10 },
      { inputTokens: 2000, cachedInputTokens: 1500, outputTokens: 10 },
    ],
    [
      'thoughts join the output',
      { promptTokenCount: 9, candidatesTokenCount: 28, thoughtsTokenCount: 244 },
      { inputTokens: 9, outputTokens: 272, reasoningTokens: 244 },
    ],
    [
      'tool-use prompt tokens join the input',
      { promptTokenCount: 10, toolUsePromptTokenCount: 90, candidatesTokenCount: 5 },
      { inputTokens: 100, outputTokens: 5 },
    ],
  ])('usageMetadata, %s', (_title, usageMetadata, usage) => {
    expect(decode(textAnswer('x', { usageMetadata })).usage).toEqual(usage);
  });

  it('has no usage when Gemini sends none', () => {
    const { usageMetadata: _u, ...bare } = textAnswer('x');
    expect(decode(bare).usage).toBeUndefined();
  });

  it('turns a prompt blocked for safety into a 400 naming the block reason', () => {
    const blocked = {
      promptFeedback: {
        blockReason: 'SAFETY',
        safetyRatings: [{ category: 'HARM_CATEGORY_HARASSMENT', probability: 'HIGH' }],
      },
      usageMetadata: { promptTokenCount: 7, totalTokenCount: 7 },
    };
    let error: unknown;
    try {
      decode(blocked);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ status: 400, code: 'prompt_blocked' });
    expect((error as Error).message).toContain('SAFETY');
  });

  it('reports an answer that is not JSON as a 502', () => {
    expect(() => geminiFormat.provider.chat.decodeResponse(Buffer.from('<html>'), irRequest())).toThrow(
      expect.objectContaining({ status: 502 }),
    );
  });
});

describe("Google's error bodies", () => {
  it.each([
    [
      429,
      {
        error: {
          code: 429,
          message: 'You exceeded your current quota, please check your plan.',
          status: 'RESOURCE_EXHAUSTED',
        },
      },
      { message: 'You exceeded your current quota, please check your plan.', code: 'RESOURCE_EXHAUSTED' },
    ],
    [
      400,
      [
        {
          error: { code: 400, message: 'API key not valid. Please pass a valid API key.', status: 'INVALID_ARGUMENT' },
        },
      ],
      { message: 'API key not valid. Please pass a valid API key.', code: 'INVALID_ARGUMENT' },
    ],
    [
      404,
      { error: { code: 404, message: 'models/gemini-9 is not found for API version v1beta', status: 'NOT_FOUND' } },
      { message: 'models/gemini-9 is not found for API version v1beta', code: 'NOT_FOUND' },
    ],
  ])('%i %j', (status, errorBody, expected) => {
    expect(geminiFormat.provider.chat.errorOf(status, Buffer.from(JSON.stringify(errorBody)))).toEqual(expected);
  });

  it('keeps a short excerpt of a body that is not Google JSON', () => {
    expect(geminiFormat.provider.chat.errorOf(502, Buffer.from('Bad Gateway'))).toEqual({ message: 'Bad Gateway' });
    expect(geminiFormat.provider.chat.errorOf(503, Buffer.alloc(0)).message).toContain('503');
  });
});

describe('tool call ids', () => {
  it('round-trip a thought signature exactly, within the id alphabet clients accept', () => {
    const signature = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 37) % 256)).toString('base64');
    const id = toolCallIdOf(undefined, signature);
    expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(thoughtSignatureOf(id)).toBe(signature);
  });

  it('carry no signature when Gemini sent none', () => {
    expect(thoughtSignatureOf(toolCallIdOf(undefined, undefined))).toBeUndefined();
    expect(thoughtSignatureOf('call_abc')).toBeUndefined();
  });
});
