import { describe, expect, it } from 'vitest';
import { StreamUsageReader, tokenUsageOf, usageOfResponse } from '../../../src/formats/openai/usage.ts';

const chunk = (body: object) => `data: ${JSON.stringify(body)}\n\n`;

describe('tokenUsageOf', () => {
  it('reads OpenAI usage with cached and reasoning tokens', () => {
    expect(
      tokenUsageOf({
        usage: {
          prompt_tokens: 100,
          completion_tokens: 50,
          total_tokens: 150,
          prompt_tokens_details: { cached_tokens: 60 },
          completion_tokens_details: { reasoning_tokens: 20 },
        },
      }),
    ).toEqual({ inputTokens: 100, cachedInputTokens: 60, outputTokens: 50, reasoningTokens: 20 });
  });

  it('adds reasoning to output when a provider counts it outside completion_tokens (xAI)', () => {
    // As recorded from xAI: 12 + 1 + 290 = 303.
    const usage = {
      prompt_tokens: 12,
      completion_tokens: 1,
      total_tokens: 303,
      completion_tokens_details: { reasoning_tokens: 290 },
    };
    expect(tokenUsageOf({ usage })).toMatchObject({ outputTokens: 291, reasoningTokens: 290 });
  });

  it("falls back to Groq's x_groq.usage, and ignores null usage", () => {
    expect(tokenUsageOf({ x_groq: { usage: { prompt_tokens: 5, completion_tokens: 6 } } })).toMatchObject({
      inputTokens: 5,
      outputTokens: 6,
    });
    expect(tokenUsageOf({ usage: null })).toBeUndefined();
  });
});

describe('OpenAIStreamUsage', () => {
  const text = chunk({ choices: [{ index: 0, delta: { content: 'hi' } }], usage: null });
  const usageOnly = chunk({
    model: 'gpt-4o-2024-08-06',
    choices: [],
    usage: { prompt_tokens: 3, completion_tokens: 4 },
  });

  it('passes chunks without a usage object through untouched (same buffer)', () => {
    const tap = new StreamUsageReader(true);
    const bytes = Buffer.from(text + text);
    expect(tap.events(bytes)).toBe(bytes);
    expect(tap.usage).toBeUndefined();
  });

  it('reads and strips the usage-only chunk, keeping everything around it', () => {
    const tap = new StreamUsageReader(true);
    const out = tap.events(Buffer.from(`${text + usageOnly}data: [DONE]\n\n`));
    expect(out.toString()).toBe(`${text}data: [DONE]\n\n`);
    expect(tap.usage).toMatchObject({ inputTokens: 3, outputTokens: 4 });
    expect(tap.model).toBe('gpt-4o-2024-08-06');
  });

  it('keeps the usage chunk when the client asked for it, and usage on a content chunk always', () => {
    const keep = new StreamUsageReader(false);
    expect(keep.events(Buffer.from(usageOnly)).toString()).toBe(usageOnly);
    const strip = new StreamUsageReader(true);
    const last = chunk({
      choices: [{ index: 0, delta: {}, finish_reason: 'stop' }],
      usage: { prompt_tokens: 1, completion_tokens: 2 },
    });
    expect(strip.events(Buffer.from(last)).toString()).toBe(last);
    expect(strip.usage).toMatchObject({ inputTokens: 1, outputTokens: 2 });
  });

  it('finds a usage object written with a space after the colon, and passes "usage":null chunks untouched', () => {
    const tap = new StreamUsageReader(true);
    const spaced = `data: {"choices": [], "model": "m-1", "usage": {"prompt_tokens": 7, "completion_tokens": 8}}\n\n`;
    const nulls = chunk({ choices: [{ index: 0, delta: { content: 'x' } }], usage: null });
    expect(tap.events(Buffer.from(nulls)).toString()).toBe(nulls);
    expect(tap.usage).toBeUndefined();
    expect(tap.events(Buffer.from(`${nulls}${spaced}`)).toString()).toBe(nulls);
    expect(tap.usage).toMatchObject({ inputTokens: 7, outputTokens: 8 });
    expect(tap.model).toBe('m-1');
  });

  it('reads a usage event with an event line first, or with its JSON over several data lines', () => {
    const named = new StreamUsageReader(true);
    const withName = `event: chunk\nid: 9\n${usageOnly}`;
    expect(named.events(Buffer.from(withName)).toString()).toBe('');
    expect(named.usage).toMatchObject({ inputTokens: 3, outputTokens: 4 });
    const split = new StreamUsageReader(true);
    const lines = `data: {"choices":[],\ndata: "usage":{"prompt_tokens":5,"completion_tokens":6}}\n\n`;
    expect(split.events(Buffer.from(lines)).toString()).toBe('');
    expect(split.usage).toMatchObject({ inputTokens: 5, outputTokens: 6 });
  });

  it('handles CRLF framing and a final event without its blank line', () => {
    const tap = new StreamUsageReader(true);
    const crlf = usageOnly.replace('\n\n', '\r\n\r\n');
    expect(tap.events(Buffer.from(`${crlf}data: [DONE]`)).toString()).toBe('data: [DONE]');
  });
});

describe('usageOfAnswer', () => {
  const answer = (extra: object) =>
    Buffer.from(
      JSON.stringify({
        id: 'x',
        model: 'gpt-4o-2024-08-06',
        choices: [{ message: { role: 'assistant', content: 'a "usage":{"prompt_tokens":999} trap {' } }],
        ...extra,
      }),
    );

  it("reads the answer's own usage and model, not look-alikes inside strings", () => {
    const read = usageOfResponse(
      answer({ usage: { prompt_tokens: 7, completion_tokens: 3, prompt_tokens_details: { cached_tokens: 2 } } }),
    );
    expect(read).toEqual({
      model: 'gpt-4o-2024-08-06',
      usage: { inputTokens: 7, cachedInputTokens: 2, outputTokens: 3, reasoningTokens: 0 },
    });
  });

  it('finds none in an answer without usage, or with usage null', () => {
    expect(usageOfResponse(answer({}))).toBeUndefined();
    expect(usageOfResponse(answer({ usage: null }))).toBeUndefined();
  });

  it('reads embeddings usage', () => {
    const body = Buffer.from(
      '{"object":"list","data":[],"model":"text-embedding-3-small","usage":{"prompt_tokens":8,"total_tokens":8}}',
    );
    expect(usageOfResponse(body)?.usage).toMatchObject({ inputTokens: 8, outputTokens: 0 });
  });
});
