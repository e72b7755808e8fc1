import { describe, expect, it } from 'vitest';
import { bedrockFormat } from '../../../src/formats/bedrock/index.ts';
import { finishReasonOf } from '../../../src/formats/bedrock/response.ts';
import type { EmbeddingsRequest } from '../../../src/formats/ir.ts';
import { chatRequest } from '../../helpers/formats.ts';

const decode = (body: object) =>
  bedrockFormat.provider.chat.decodeResponse(
    Buffer.from(JSON.stringify(body)),
    chatRequest({ model: 'claude-sonnet' }),
  );

describe('Bedrock Converse answer', () => {
  it('reads text, stop reason and usage (the Converse reference example)', () => {
    const answer = decode({
      output: {
        message: {
          role: 'assistant',
          content: [{ text: 'Here is a list of 3 pop songs by artists from the United Kingdom: …' }],
        },
      },
      stopReason: 'end_turn',
      usage: { inputTokens: 125, outputTokens: 60, totalTokens: 185 },
      metrics: { latencyMs: 1175 },
    });
    expect(answer.content).toEqual([
      { type: 'text', text: 'Here is a list of 3 pop songs by artists from the United Kingdom: …' },
    ]);
    expect(answer.finishReason).toBe('stop');
    expect(answer.usage).toEqual({ inputTokens: 125, outputTokens: 60 });
    expect(answer.id).toMatch(/^bedrock-/);
    expect(answer.model).toBe('claude-sonnet');
  });

  it('counts cache reads and writes into the input tokens, as the IR does', () => {
    const answer = decode({
      output: { message: { role: 'assistant', content: [{ text: 'ok' }] } },
      stopReason: 'end_turn',
      usage: {
        inputTokens: 12,
        outputTokens: 5,
        totalTokens: 1617,
        cacheReadInputTokens: 1500,
        cacheWriteInputTokens: 100,
      },
    });
    expect(answer.usage).toEqual({
      inputTokens: 1612,
      cachedInputTokens: 1500,
      cacheWriteInputTokens: 100,
      outputTokens: 5,
    });
  });

  it('reads tool use as a tool call with JSON arguments', () => {
    const answer = decode({
      output: {
        message: {
          role: 'assistant',
          content: [
            { text: 'Let me look that up.' },
            { toolUse: { toolUseId: 'tooluse_hIZ4nH8ESdCRdO2yq4XRHw', name: 'top_song', input: { sign: 'WZPZ' } } },
          ],
        },
      },
      stopReason: 'tool_use',
      usage: { inputTokens: 400, outputTokens: 70, totalTokens: 470 },
    });
    expect(answer.finishReason).toBe('tool_calls');
    expect(answer.content).toEqual([
      { type: 'text', text: 'Let me look that up.' },
      { type: 'tool-call', id: 'tooluse_hIZ4nH8ESdCRdO2yq4XRHw', name: 'top_song', arguments: '{"sign":"WZPZ"}' },
    ]);
  });

  it('reads reasoning with its signature, and redacted reasoning', () => {
    const answer = decode({
      output: {
        message: {
          role: 'assistant',
          content: [
            { reasoningContent: { reasoningText: { text: 'Count the rs.', signature: 'EqQBCkgIARABGAIiQ' } } },
            { reasoningContent: { redactedContent: 'RW5jcnlwdGVk' } },
            { text: '3' },
          ],
        },
      },
      stopReason: 'end_turn',
      usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 },
    });
    expect(answer.content).toEqual([
      { type: 'reasoning', text: 'Count the rs.', signature: 'EqQBCkgIARABGAIiQ' },
      { type: 'reasoning', text: '', redacted: 'RW5jcnlwdGVk' },
      { type: 'text', text: '3' },
    ]);
  });

  it('hands a JSON answer asked for through the forced tool back as text, finished normally', () => {
    const answer = bedrockFormat.provider.chat.decodeResponse(
      Buffer.from(
        JSON.stringify({
          output: {
            message: {
              role: 'assistant',
              content: [{ toolUse: { toolUseId: 't', name: 'json_output', input: { city: 'Paris' } } }],
            },
          },
          stopReason: 'tool_use',
        }),
      ),
      chatRequest({ responseFormat: { type: 'json' } }),
    );
    expect(answer).toMatchObject({ content: [{ type: 'text', text: '{"city":"Paris"}' }], finishReason: 'stop' });
  });

  it("reads Claude's stop sequence from additionalModelResponseFields", () => {
    const answer = decode({
      output: { message: { role: 'assistant', content: [{ text: 'a' }] } },
      stopReason: 'stop_sequence',
      additionalModelResponseFields: { stop_sequence: 'END' },
    });
    expect(answer).toMatchObject({ finishReason: 'stop', stopSequence: 'END' });
  });

  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['tool_use', 'tool_calls'],
    ['max_tokens', 'length'],
    ['model_context_window_exceeded', 'length'],
    ['guardrail_intervened', 'content_filter'],
    ['content_filtered', 'content_filter'],
  ])('maps stop reason %s to %s', (reason, expected) => {
    expect(finishReasonOf(reason)).toBe(expected);
  });

  it('refuses a body that is not JSON as a malformed upstream answer', () => {
    expect(() => bedrockFormat.provider.chat.decodeResponse(Buffer.from('<html>'), chatRequest())).toThrow(
      expect.objectContaining({ status: 502, code: 'upstream_malformed' }),
    );
  });

  it.each([
    [400, { message: 'Malformed input request, please reformat your input and try again.' }, 'ValidationException'],
    [403, { message: 'The security token included in the request is invalid.' }, 'AccessDeniedException'],
    [429, { message: 'Too many requests, please wait before trying again.' }, 'ThrottlingException'],
    [424, { Message: 'The model failed.' }, 'ModelErrorException'],
    [400, { __type: 'com.amazon.coral.validate#ValidationException', message: 'bad' }, 'ValidationException'],
  ])('reads a %i error body %o', (status, body, code) => {
    const info = bedrockFormat.provider.chat.errorOf(status, Buffer.from(JSON.stringify(body)));
    expect(info).toEqual({ message: (body as any).message ?? (body as any).Message, code });
  });
});

describe('Bedrock embeddings (InvokeModel)', () => {
  const request = (fields: Partial<EmbeddingsRequest> = {}): EmbeddingsRequest => ({
    model: 'client-name',
    input: ['Hello'],
    ...fields,
  });
  const embeddings = bedrockFormat.provider.embeddings!;

  it.each([
    ['amazon.titan-embed-text-v2:0', request({ dimensions: 256 }), { inputText: 'Hello', dimensions: 256 }],
    ['amazon.titan-embed-text-v1', request(), { inputText: 'Hello' }],
    [
      'amazon.titan-embed-image-v1',
      request({ dimensions: 384 }),
      { inputText: 'Hello', embeddingConfig: { outputEmbeddingLength: 384 } },
    ],
    [
      'cohere.embed-english-v3',
      request({ input: ['a', 'b'] }),
      { texts: ['a', 'b'], input_type: 'search_document', embedding_types: ['float'] },
    ],
    [
      'cohere.embed-v4:0',
      request({ inputType: 'search_query', dimensions: 1024 }),
      { texts: ['Hello'], input_type: 'search_query', embedding_types: ['float'], output_dimension: 1024 },
    ],
  ])('builds the %s body', (model, embeddingsRequest, body) => {
    expect(embeddings.buildRequest(embeddingsRequest, model)).toEqual({
      path: `/model/${encodeURIComponent(model)}/invoke`,
      body,
    });
  });

  it.each([
    ['several texts to Titan', request({ input: ['a', 'b'] }), 'amazon.titan-embed-text-v2:0', /one text/],
    ['dimensions to Titan v1', request({ dimensions: 256 }), 'amazon.titan-embed-text-v1', /dimensions/],
    [
      'a model that is not an embedding model',
      request(),
      'anthropic.claude-3-haiku-20240307-v1:0',
      /amazon.titan-embed/,
    ],
  ])('refuses %s', (_name, embeddingsRequest, model, message) => {
    expect(() => embeddings.buildRequest(embeddingsRequest, model)).toThrow(message);
  });

  it('reads a Titan answer with its token count', () => {
    const answer = embeddings.decodeResponse(
      Buffer.from(JSON.stringify({ embedding: [0.1, -0.2, 0.3], inputTextTokenCount: 3 })),
      request(),
    );
    expect(answer).toEqual({ model: 'client-name', embeddings: [[0.1, -0.2, 0.3]], usage: { inputTokens: 3 } });
  });

  it.each([
    [
      'embeddings_floats',
      { id: 'x', response_type: 'embeddings_floats', texts: ['a', 'b'], embeddings: [[0.1], [0.2]] },
    ],
    [
      'embeddings_by_type',
      { id: 'x', response_type: 'embeddings_by_type', texts: ['a', 'b'], embeddings: { float: [[0.1], [0.2]] } },
    ],
  ])('reads a Cohere Embed answer (%s)', (_name, body) => {
    expect(embeddings.decodeResponse(Buffer.from(JSON.stringify(body)), request()).embeddings).toEqual([[0.1], [0.2]]);
  });
});
