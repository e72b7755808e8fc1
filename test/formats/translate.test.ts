/**
 * Whole streams through `StreamTranscoder` (provider decoder + client encoder), fed as byte chunks
 * cut anywhere, including inside multi-byte UTF-8 characters: what the client reads, and what the
 * gateway keeps for pricing. Upstream samples follow Anthropic's streaming guide and OpenAI's
 * chat.completion.chunk reference.
 */
import { describe, expect, it } from 'vitest';
import { parseRequest as parseAnthropicRequest } from '../../src/formats/anthropic/request.ts';
import type { ChatRequest } from '../../src/formats/ir.ts';
import { parseRequest as parseOpenAIRequest } from '../../src/formats/openai/request.ts';
import { StreamTranscoder } from '../../src/formats/translate.ts';
import {
  anthropicChat,
  anthropicEvent,
  assembleAnthropic,
  assembleOpenAI,
  bytesOf,
  DONE,
  expectAnthropicGrammar,
  openAIChat,
  openAIChunk,
  readAnthropicStream,
  readOpenAIStream,
  splitAt,
  splitEvery,
  transcodeAll,
} from '../helpers/formats.ts';

const openAIClient = (body: Record<string, unknown> = {}): ChatRequest =>
  parseOpenAIRequest({
    model: 'claude-sonnet-4-5',
    stream: true,
    messages: [{ role: 'user', content: 'Weather in Zürich?' }],
    ...body,
  });
const anthropicClient = (body: Record<string, unknown> = {}): ChatRequest =>
  parseAnthropicRequest({
    model: 'gpt-4o',
    max_tokens: 1024,
    stream: true,
    messages: [{ role: 'user', content: 'Weather in Zürich?' }],
    ...body,
  });

/** Anthropic provider → OpenAI client. */
const toOpenAIClient = (request: ChatRequest) =>
  new StreamTranscoder(anthropicChat.streamDecoder(request), openAIChat.streamEncoder(request));
/** OpenAI-compatible provider → Anthropic client. */
const toAnthropicClient = (request: ChatRequest) =>
  new StreamTranscoder(openAIChat.streamDecoder(request), anthropicChat.streamEncoder(request));

// Multi-byte text: 2-byte (ü, ß), 3-byte (CJK, °) and 4-byte (emoji) UTF-8 sequences.
const TEXT_1 = 'Grüße aus Zürich — ';
const TEXT_2 = '晴れ, 21 °C 🌤️!';
const ARGS = ['{"location": "Z', 'ürich, CH", "unit": ', '"celsius"}'];

const anthropicUpstream =
  anthropicEvent({
    type: 'message_start',
    message: {
      id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
      type: 'message',
      role: 'assistant',
      content: [],
      model: 'claude-sonnet-4-5-20250929',
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 25, cache_creation_input_tokens: 0, cache_read_input_tokens: 1500, output_tokens: 1 },
    },
  }) +
  anthropicEvent({ type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '' } }) +
  anthropicEvent({
    type: 'content_block_delta',
    index: 0,
    delta: { type: 'thinking_delta', thinking: 'Der Nutzer will das Wetter.' },
  }) +
  anthropicEvent({
    type: 'content_block_delta',
    index: 0,
    delta: { type: 'signature_delta', signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxB' },
  }) +
  anthropicEvent({ type: 'content_block_stop', index: 0 }) +
  anthropicEvent({ type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } }) +
  anthropicEvent({ type: 'ping' }) +
  anthropicEvent({ type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: TEXT_1 } }) +
  anthropicEvent({ type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: TEXT_2 } }) +
  anthropicEvent({ type: 'content_block_stop', index: 1 }) +
  anthropicEvent({
    type: 'content_block_start',
    index: 2,
    content_block: { type: 'tool_use', id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', input: {} },
  }) +
  anthropicEvent({ type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '' } }) +
  ARGS.map((partial_json) =>
    anthropicEvent({ type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json } }),
  ).join('') +
  anthropicEvent({ type: 'content_block_stop', index: 2 }) +
  anthropicEvent({
    type: 'content_block_start',
    index: 3,
    content_block: { type: 'tool_use', id: 'toolu_02', name: 'get_time', input: {} },
  }) +
  anthropicEvent({
    type: 'content_block_delta',
    index: 3,
    delta: { type: 'input_json_delta', partial_json: '{"tz": "Europe/Zurich"}' },
  }) +
  anthropicEvent({ type: 'content_block_stop', index: 3 }) +
  anthropicEvent({
    type: 'message_delta',
    delta: { stop_reason: 'tool_use', stop_sequence: null },
    usage: { output_tokens: 89 },
  }) +
  anthropicEvent({ type: 'message_stop' });

const chunkBase = {
  id: 'chatcmpl-9x8y7z',
  object: 'chat.completion.chunk',
  created: 1727000000,
  model: 'gpt-4o-2024-08-06',
  system_fingerprint: 'fp_5f20662549',
};
const choice = (delta: Record<string, unknown>, finish: string | null = null) =>
  openAIChunk({ ...chunkBase, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], usage: null });

const openAIUpstream =
  choice({ role: 'assistant', content: '', refusal: null }) +
  choice({ reasoning_content: 'Der Nutzer will das Wetter.' }) +
  choice({ content: TEXT_1 }) +
  choice({ content: TEXT_2 }) +
  choice({
    tool_calls: [
      {
        index: 0,
        id: 'call_DdmO9pD3xa9XTPNJ32zg2hcA',
        type: 'function',
        function: { name: 'get_weather', arguments: '' },
      },
    ],
  }) +
  ARGS.map((args) => choice({ tool_calls: [{ index: 0, function: { arguments: args } }] })).join('') +
  choice({
    tool_calls: [{ index: 1, id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '' } }],
  }) +
  choice({ tool_calls: [{ index: 1, function: { arguments: '{"tz": "Europe/Zurich"}' } }] }) +
  choice({}, 'tool_calls') +
  openAIChunk({
    ...chunkBase,
    choices: [],
    usage: {
      prompt_tokens: 1525,
      completion_tokens: 89,
      total_tokens: 1614,
      prompt_tokens_details: { cached_tokens: 1500 },
      completion_tokens_details: { reasoning_tokens: 12 },
    },
  }) +
  DONE;

/** Byte offsets that fall inside a multi-byte UTF-8 character of `text`. */
function insideCharacters(bytes: Uint8Array): number[] {
  const cuts: number[] = [];
  for (let i = 1; i < bytes.length; i++) if (((bytes[i] as number) & 0xc0) === 0x80) cuts.push(i);
  return cuts;
}

describe('Anthropic provider stream → OpenAI client', () => {
  const bytes = bytesOf(anthropicUpstream);
  const whole = transcodeAll(toOpenAIClient(openAIClient()), [bytes]);

  it('reads the same whatever the chunking: byte by byte, at every single cut, inside every multi-byte character', () => {
    expect(insideCharacters(bytes).length).toBeGreaterThan(10);
    const strip = (text: string) => text.replace(/"created":\d+/g, '"created":0');
    expect(strip(transcodeAll(toOpenAIClient(openAIClient()), splitEvery(bytes, 1)))).toBe(strip(whole));
    expect(strip(transcodeAll(toOpenAIClient(openAIClient()), splitAt(bytes, insideCharacters(bytes))))).toBe(
      strip(whole),
    );
    for (let cut = 1; cut < bytes.length; cut += 3) {
      expect(strip(transcodeAll(toOpenAIClient(openAIClient()), splitAt(bytes, [cut])))).toBe(strip(whole));
    }
  });

  it('first chunk has role assistant; text, reasoning, tool calls (stable index/id/name, then argument fragments); finish; [DONE] last', () => {
    const { chunks, done } = readOpenAIStream(whole);
    expect(done).toBe(true);
    expect(chunks[0]?.choices[0].delta).toEqual({ role: 'assistant', content: '' });
    for (const chunk of chunks)
      expect(chunk).toMatchObject({
        id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
        object: 'chat.completion.chunk',
        model: 'claude-sonnet-4-5-20250929',
      });
    const toolDeltas = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(toolDeltas).toEqual([
      {
        index: 0,
        id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6',
        type: 'function',
        function: { name: 'get_weather', arguments: '' },
      },
      ...ARGS.map((args) => ({ index: 0, function: { arguments: args } })),
      { index: 1, id: 'toolu_02', type: 'function', function: { name: 'get_time', arguments: '' } },
      { index: 1, function: { arguments: '{"tz": "Europe/Zurich"}' } },
    ]);
    const assembled = assembleOpenAI(chunks);
    expect(assembled).toMatchObject({
      content: TEXT_1 + TEXT_2,
      reasoning: 'Der Nutzer will das Wetter.',
      finish: 'tool_calls',
      usage: undefined,
    });
    expect(JSON.parse(assembled.calls[0]?.arguments ?? '')).toEqual({ location: 'Zürich, CH', unit: 'celsius' });
    // Exactly one chunk has a finish_reason, and it is the last before [DONE].
    expect(chunks.filter((c) => c.choices[0]?.finish_reason).length).toBe(1);
    expect(chunks.at(-1)?.choices[0].finish_reason).toBe('tool_calls');
  });

  it('include_usage: a usage chunk (cache reads counted in prompt_tokens and in cached_tokens) right before [DONE]', () => {
    const { chunks } = readOpenAIStream(
      transcodeAll(toOpenAIClient(openAIClient({ stream_options: { include_usage: true } })), splitEvery(bytes, 13)),
    );
    expect(chunks.at(-2)?.choices[0].finish_reason).toBe('tool_calls');
    expect(chunks.at(-1)).toMatchObject({
      choices: [],
      usage: {
        prompt_tokens: 1525,
        completion_tokens: 89,
        total_tokens: 1614,
        prompt_tokens_details: { cached_tokens: 1500 },
      },
    });
  });

  it('keeps the usage and model for pricing, and closes', () => {
    const transcoder = toOpenAIClient(openAIClient());
    transcodeAll(transcoder, splitEvery(bytes, 64));
    expect(transcoder.usage).toEqual({
      inputTokens: 1525,
      cachedInputTokens: 1500,
      cacheWriteInputTokens: 0,
      outputTokens: 89,
    });
    expect(transcoder.model).toBe('claude-sonnet-4-5-20250929');
    expect(transcoder.closed).toBe(true);
    expect(transcoder.error).toBeUndefined();
  });

  it('response_format json_schema: the forced tool streams to the client as content, finish_reason stop', () => {
    const request = openAIClient({
      response_format: { type: 'json_schema', json_schema: { name: 'forecast', schema: { type: 'object' } } },
    });
    const upstream =
      anthropicEvent({
        type: 'message_start',
        message: {
          id: 'msg_j',
          type: 'message',
          role: 'assistant',
          content: [],
          model: 'claude-sonnet-4-5',
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: 10, output_tokens: 1 },
        },
      }) +
      anthropicEvent({
        type: 'content_block_start',
        index: 0,
        content_block: { type: 'tool_use', id: 'toolu_j', name: 'forecast', input: {} },
      }) +
      anthropicEvent({
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'input_json_delta', partial_json: '{"sky": "晴' },
      }) +
      anthropicEvent({
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'input_json_delta', partial_json: 'れ"}' },
      }) +
      anthropicEvent({ type: 'content_block_stop', index: 0 }) +
      anthropicEvent({
        type: 'message_delta',
        delta: { stop_reason: 'tool_use', stop_sequence: null },
        usage: { output_tokens: 12 },
      }) +
      anthropicEvent({ type: 'message_stop' });
    const { chunks, done } = readOpenAIStream(transcodeAll(toOpenAIClient(request), splitEvery(bytesOf(upstream), 5)));
    expect(done).toBe(true);
    const assembled = assembleOpenAI(chunks);
    expect(JSON.parse(assembled.content)).toEqual({ sky: '晴れ' });
    expect(assembled.calls).toEqual([]);
    expect(assembled.finish).toBe('stop');
  });

  it('a message_stop with no stop_reason before it still gives the client a finish_reason', () => {
    const cut = anthropicUpstream.indexOf('event: message_delta');
    const upstream = anthropicUpstream.slice(0, cut) + anthropicEvent({ type: 'message_stop' });
    const { chunks, done } = readOpenAIStream(transcodeAll(toOpenAIClient(openAIClient()), [bytesOf(upstream)]));
    expect(done).toBe(true);
    expect(assembleOpenAI(chunks).finish).toBe('tool_calls');
  });

  it('an upstream that ends before message_stop → an OpenAI error event, no [DONE]', () => {
    const cut = anthropicUpstream.indexOf('event: message_delta');
    const transcoder = toOpenAIClient(openAIClient());
    const out = transcodeAll(transcoder, splitEvery(bytesOf(anthropicUpstream.slice(0, cut)), 50));
    const { chunks, done } = readOpenAIStream(out);
    expect(done).toBe(false);
    expect(chunks.at(-1)).toEqual({
      error: {
        message: expect.stringContaining('ended before the answer was complete'),
        type: 'api_error',
        param: null,
        code: 'upstream_stream_incomplete',
      },
    });
    expect(chunks.some((c) => c.choices?.[0]?.finish_reason)).toBe(false);
    expect(transcoder.closed).toBe(true);
    expect(transcoder.error).toMatchObject({ status: 502, code: 'upstream_stream_incomplete' });
  });

  it("a mid-stream event: error → an error event in OpenAI's shape; nothing after it", () => {
    const cut = anthropicUpstream.indexOf('event: content_block_start\ndata: {"type":"content_block_start","index":2');
    const upstream =
      anthropicUpstream.slice(0, cut) +
      anthropicEvent({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
    const transcoder = toOpenAIClient(openAIClient({ stream_options: { include_usage: true } }));
    const out = transcodeAll(transcoder, splitEvery(bytesOf(upstream), 17));
    const { chunks, done } = readOpenAIStream(out);
    expect(done).toBe(false);
    expect(chunks.at(-1)).toEqual({
      error: { message: 'Overloaded', type: 'api_error', param: null, code: 'overloaded_error' },
    });
    expect(assembleOpenAI(chunks.slice(0, -1)).content).toBe(TEXT_1 + TEXT_2);
    expect(transcoder.error).toMatchObject({ status: 529, code: 'overloaded_error' });
    // Whatever the provider still sends is not passed on.
    expect(transcoder.push(bytesOf(anthropicEvent({ type: 'message_stop' })))).toBe('');
    expect(transcoder.end()).toBe('');
  });

  it('a rate-limit error mid-stream keeps its type for the OpenAI SDK', () => {
    const upstream =
      anthropicUpstream.slice(0, anthropicUpstream.indexOf('event: content_block_start')) +
      anthropicEvent({ type: 'error', error: { type: 'rate_limit_error', message: 'Rate limited' } });
    const { chunks } = readOpenAIStream(transcodeAll(toOpenAIClient(openAIClient()), [bytesOf(upstream)]));
    expect(chunks.at(-1)?.error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limit_error' });
  });
});

describe('OpenAI-compatible provider stream → Anthropic client', () => {
  const bytes = bytesOf(openAIUpstream);
  const whole = transcodeAll(toAnthropicClient(anthropicClient()), [bytes]);

  it('reads the same whatever the chunking: byte by byte, at every third cut, inside every multi-byte character', () => {
    expect(transcodeAll(toAnthropicClient(anthropicClient()), splitEvery(bytes, 1))).toBe(whole);
    expect(transcodeAll(toAnthropicClient(anthropicClient()), splitAt(bytes, insideCharacters(bytes)))).toBe(whole);
    for (let cut = 1; cut < bytes.length; cut += 3)
      expect(transcodeAll(toAnthropicClient(anthropicClient()), splitAt(bytes, [cut]))).toBe(whole);
  });

  it('message_start → thinking, text and tool_use blocks (input_json_delta) → message_delta (stop_reason, usage) → message_stop', () => {
    const events = readAnthropicStream(whole);
    expectAnthropicGrammar(events);
    expect(
      events.map((e) =>
        e.type === 'content_block_start'
          ? `start:${e.content_block.type}`
          : e.type === 'content_block_delta'
            ? e.delta.type
            : e.type,
      ),
    ).toEqual([
      'message_start',
      'start:thinking',
      'thinking_delta',
      'content_block_stop',
      'start:text',
      'text_delta',
      'text_delta',
      'content_block_stop',
      'start:tool_use',
      'input_json_delta',
      'input_json_delta',
      'input_json_delta',
      'content_block_stop',
      'start:tool_use',
      'input_json_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(events[0]?.message).toMatchObject({
      id: 'chatcmpl-9x8y7z',
      type: 'message',
      role: 'assistant',
      model: 'gpt-4o-2024-08-06',
      content: [],
    });
    const assembled = assembleAnthropic(events);
    expect(assembled.text).toBe(TEXT_1 + TEXT_2);
    expect(assembled.thinking).toBe('Der Nutzer will das Wetter.');
    expect(assembled.tools).toEqual([
      { id: 'call_DdmO9pD3xa9XTPNJ32zg2hcA', name: 'get_weather', arguments: ARGS.join('') },
      { id: 'call_2', name: 'get_time', arguments: '{"tz": "Europe/Zurich"}' },
    ]);
    expect(JSON.parse(assembled.tools[0]?.arguments ?? '')).toEqual({ location: 'Zürich, CH', unit: 'celsius' });
    expect(assembled.stopReason).toBe('tool_use');
    // The OpenAI usage chunk comes after the finish: message_delta waits for it.
    expect(events.at(-2)?.usage).toEqual({
      input_tokens: 25,
      output_tokens: 89,
      cache_read_input_tokens: 1500,
      cache_creation_input_tokens: 0,
    });
  });

  it('keeps the usage and model for pricing', () => {
    const transcoder = toAnthropicClient(anthropicClient());
    transcodeAll(transcoder, splitEvery(bytes, 100));
    expect(transcoder.usage).toEqual({
      inputTokens: 1525,
      cachedInputTokens: 1500,
      outputTokens: 89,
      reasoningTokens: 12,
    });
    expect(transcoder.model).toBe('gpt-4o-2024-08-06');
  });

  it.each([
    ['stop', 'end_turn'],
    ['length', 'max_tokens'],
    ['content_filter', 'refusal'],
  ])('finish_reason %s → stop_reason %s', (finish, stop) => {
    const upstream = choice({ role: 'assistant', content: 'Hi' }) + choice({}, finish) + DONE;
    const events = readAnthropicStream(transcodeAll(toAnthropicClient(anthropicClient()), [bytesOf(upstream)]));
    expectAnthropicGrammar(events);
    expect(events.at(-2)?.delta.stop_reason).toBe(stop);
  });

  it('an upstream cut mid-answer → event: error in Anthropic shape, no message_stop', () => {
    const cut = openAIUpstream.indexOf(
      'data: {"id":"chatcmpl-9x8y7z","object":"chat.completion.chunk","created":1727000000,"model":"gpt-4o-2024-08-06","system_fingerprint":"fp_5f20662549","choices":[{"index":0,"delta":{},',
    );
    expect(cut).toBeGreaterThan(0);
    const transcoder = toAnthropicClient(anthropicClient());
    const out = transcodeAll(transcoder, splitEvery(bytesOf(openAIUpstream.slice(0, cut)), 31));
    const last = out.split('\n\n').filter(Boolean).at(-1) ?? '';
    expect(last.startsWith('event: error\ndata: ')).toBe(true);
    expect(JSON.parse(last.slice('event: error\ndata: '.length))).toEqual({
      type: 'error',
      error: { type: 'api_error', message: expect.stringContaining('ended before the answer was complete') },
    });
    expect(out).not.toContain('message_stop');
    expect(out).not.toContain('message_delta');
    expect(transcoder.closed).toBe(true);
  });

  it('a mid-stream error chunk → event: error with the matching Anthropic type', () => {
    const upstream =
      choice({ role: 'assistant', content: 'Hel' }) +
      openAIChunk({
        error: { message: 'Rate limit reached for gpt-4o', type: 'rate_limit_error', param: null, code: 429 },
      }) +
      choice({ content: 'lo' });
    const transcoder = toAnthropicClient(anthropicClient());
    const out = transcodeAll(transcoder, splitEvery(bytesOf(upstream), 7));
    const blocks = out.split('\n\n').filter(Boolean);
    expect(blocks.at(-1)).toBe(
      `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'rate_limit_error', message: 'Rate limit reached for gpt-4o' } })}`,
    );
    expect(out).not.toContain('"lo"');
    expect(transcoder.error).toMatchObject({ status: 429 });
  });
});
