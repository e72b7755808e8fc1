/** The Ollama client side: /api/chat and /api/generate requests → IR, IR → answers and NDJSON lines. */
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/errors.ts';
import type { StreamEvent } from '../../../src/formats/ir.ts';
import { ollamaFormat } from '../../../src/formats/ollama/index.ts';

const client = ollamaFormat.client;

describe('Ollama requests → IR', () => {
  it('maps messages with images, tool calls and tool results (by name), options, format and think', () => {
    const ir = client.chat.parseRequest({
      model: 'openai/gpt-4o',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Look', images: ['iVBORw0KGgo'] },
        { role: 'assistant', content: '', tool_calls: [{ function: { name: 'ls', arguments: { dir: '/' } } }] },
        { role: 'tool', content: 'bin etc', tool_name: 'ls' },
      ],
      tools: [{ type: 'function', function: { name: 'ls', description: 'List', parameters: { type: 'object' } } }],
      format: { type: 'object', properties: { a: { type: 'string' } } },
      options: { temperature: 0.1, top_p: 0.5, top_k: 20, num_predict: 99, stop: ['x'], seed: 1, num_ctx: 8192 },
      think: 'high',
      keep_alive: '10m',
    });
    expect(ir).toMatchObject({
      model: 'openai/gpt-4o',
      system: [{ type: 'text', text: 'Be brief.' }],
      stream: true,
      temperature: 0.1,
      topP: 0.5,
      topK: 20,
      maxTokens: 99,
      stop: ['x'],
      seed: 1,
      reasoning: { effort: 'high' },
      responseFormat: {
        type: 'json-schema',
        name: 'response',
        schema: { type: 'object', properties: { a: { type: 'string' } } },
      },
      tools: [{ name: 'ls', description: 'List', parameters: { type: 'object' } }],
      unmapped: {},
      tuning: { keep_alive: '10m', 'options.num_ctx': 8192 },
    });
    const callId = (ir.messages[1] as { content: { id: string }[] }).content[0]?.id;
    expect(ir.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Look' },
          { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBORw0KGgo' } },
        ],
      },
      { role: 'assistant', content: [{ type: 'tool-call', id: callId, name: 'ls', arguments: '{"dir":"/"}' }] },
      {
        role: 'user',
        content: [
          { type: 'tool-result', toolCallId: callId, name: 'ls', content: [{ type: 'text', text: 'bin etc' }] },
        ],
      },
    ]);
  });

  it('reads stream: false, format json and think: false; refuses a tool result with no call', () => {
    const ir = client.chat.parseRequest({ model: 'm', messages: [], stream: false, format: 'json', think: false });
    expect(ir).toMatchObject({ stream: false, responseFormat: { type: 'json' }, reasoning: false });
    expect(() => client.chat.parseRequest({ model: 'm', messages: [{ role: 'tool', content: 'x' }] })).toThrow(
      /must follow an assistant tool call/,
    );
    expect(client.isStream?.('/api/chat', {})).toBe(true);
    expect(client.isStream?.('/api/chat', { stream: false })).toBe(false);
  });

  it('maps /api/generate: prompt, system and images', () => {
    const ir = client.generate!.parseRequest({
      model: 'm',
      prompt: 'Hi',
      system: 'Sys',
      images: ['/9j/4AAQ'],
      raw: true,
    });
    expect(ir.system).toEqual([{ type: 'text', text: 'Sys' }]);
    expect(ir.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Hi' },
          { type: 'image', source: { kind: 'base64', mediaType: 'image/jpeg', data: '/9j/4AAQ' } },
        ],
      },
    ]);
    expect(ir.unmapped).toEqual({ raw: true });
  });
});

describe('IR → Ollama answers and streams', () => {
  const request = client.chat.parseRequest({ model: 'openai/gpt-4o', messages: [] });

  it('encodes a chat answer with tool calls, thinking, done_reason and counts', () => {
    const answer = client.chat.encodeResponse(
      {
        id: 'x',
        model: 'gpt-4o',
        content: [
          { type: 'reasoning', text: 'hmm' },
          { type: 'text', text: 'ok' },
          { type: 'tool-call', id: 'c', name: 'ls', arguments: '{"dir":"/"}' },
        ],
        finishReason: 'length',
        usage: { inputTokens: 7, outputTokens: 3 },
      },
      request,
    );
    expect(answer).toMatchObject({
      model: 'gpt-4o',
      message: {
        role: 'assistant',
        content: 'ok',
        thinking: 'hmm',
        tool_calls: [{ function: { name: 'ls', arguments: { dir: '/' } } }],
      },
      done: true,
      done_reason: 'length',
      prompt_eval_count: 7,
      eval_count: 3,
    });
    expect(typeof answer.total_duration).toBe('number');
  });

  it('streams NDJSON lines, the last with done and the counts; an error is an error line', () => {
    const encoder = client.chat.streamEncoder(request);
    const events: StreamEvent[] = [
      { type: 'start', id: 'x', model: 'gpt-4o' },
      { type: 'text-delta', text: 'Hel' },
      { type: 'text-delta', text: 'lo' },
      { type: 'finish', reason: 'stop' },
      { type: 'usage', usage: { inputTokens: 4, outputTokens: 2 } },
      { type: 'end' },
    ];
    const lines = events
      .map((e) => encoder.encode(e))
      .join('')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.message.content, l.done])).toEqual([
      ['Hel', false],
      ['lo', false],
      ['', true],
    ]);
    expect(lines[2]).toMatchObject({ done_reason: 'stop', prompt_eval_count: 4, eval_count: 2 });
    expect(encoder.encode({ type: 'error', status: 500, code: 'x', message: 'boom' })).toBe('{"error":"boom"}\n');
    expect(client.errorBody(new GatewayError(400, 'bad', 'nope'))).toBe('{"error":"nope"}');
  });

  it('reads the usage of Ollama’s own answers and streams (prompt_eval_count, eval_count)', () => {
    expect(client.usageOfResponse(Buffer.from('{"model":"llama3.2","prompt_eval_count":26,"eval_count":7}'))).toEqual({
      usage: { inputTokens: 26, outputTokens: 7 },
      model: 'llama3.2',
    });
    const reader = client.streamUsage();
    reader.events(
      Buffer.from('{"done":false}\n{"model":"llama3.2","done":true,"prompt_eval_count":3,"eval_count":9}\n'),
    );
    expect(reader.usage).toEqual({ inputTokens: 3, outputTokens: 9 });
    // Lines without counts pass as they are, and leave the usage read so far.
    const plain = Buffer.from('{"model":"llama3.2","done":false}\n');
    expect(reader.events(plain)).toBe(plain);
    expect(reader.usage).toEqual({ inputTokens: 3, outputTokens: 9 });
  });

  it('embeddings: /api/embed lists, /api/embeddings answers one', () => {
    const list = client.embeddings!.parseRequest({ model: 'm', input: 'a' });
    expect(list).toEqual({ model: 'm', input: ['a'] });
    expect(
      client.embeddings!.encodeResponse({ model: 'm', embeddings: [[1]], usage: { inputTokens: 1 } }, list),
    ).toMatchObject({
      embeddings: [[1]],
      prompt_eval_count: 1,
    });
    const one = client.embeddings!.parseRequest({ model: 'm', prompt: 'a' });
    expect(client.embeddings!.encodeResponse({ model: 'm', embeddings: [[1]], usage: undefined }, one)).toEqual({
      embedding: [1],
    });
  });
});
