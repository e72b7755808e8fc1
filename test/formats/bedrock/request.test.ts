import { describe, expect, it } from 'vitest';
import { bedrockFormat } from '../../../src/formats/bedrock/index.ts';
import { documentName } from '../../../src/formats/bedrock/request.ts';
import type { ChatRequest } from '../../../src/formats/ir.ts';
import { chatRequest } from '../../helpers/formats.ts';

const build = (fields: Partial<ChatRequest>, model = 'anthropic.claude-3-5-sonnet-20240620-v1:0') =>
  bedrockFormat.provider.chat.buildRequest(chatRequest(fields), model);
const PNG = 'iVBORw0KGgo=';

describe('Bedrock Converse request', () => {
  it.each([
    ['anthropic.claude-3-haiku-20240307-v1:0', false, '/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse'],
    [
      'us.anthropic.claude-sonnet-4-20250514-v1:0',
      true,
      '/model/us.anthropic.claude-sonnet-4-20250514-v1%3A0/converse-stream',
    ],
    [
      'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.meta.llama3-1-8b-instruct-v1:0',
      false,
      '/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fus.meta.llama3-1-8b-instruct-v1%3A0/converse',
    ],
  ])('puts model %s in the path, URL-encoded (stream %s)', (model, stream, path) => {
    expect(build({ stream }, model).path).toBe(path);
  });

  it('maps system, messages and inferenceConfig as in the Converse reference example', () => {
    const { body } = build({
      system: [{ type: 'text', text: 'You are an app that creates playlists for a radio station.' }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Create a list of 3 pop songs.' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'Here is a list of 3 pop songs' }] },
        {
          role: 'user',
          content: [{ type: 'text', text: 'Make sure the songs are by artists from the United Kingdom.' }],
        },
      ],
      maxTokens: 512,
      temperature: 0.5,
      topP: 0.9,
      stop: ['\n\nHuman:'],
    });
    expect(body).toEqual({
      system: [{ text: 'You are an app that creates playlists for a radio station.' }],
      messages: [
        { role: 'user', content: [{ text: 'Create a list of 3 pop songs.' }] },
        { role: 'assistant', content: [{ text: 'Here is a list of 3 pop songs' }] },
        { role: 'user', content: [{ text: 'Make sure the songs are by artists from the United Kingdom.' }] },
      ],
      inferenceConfig: { maxTokens: 512, temperature: 0.5, topP: 0.9, stopSequences: ['\n\nHuman:'] },
    });
  });

  it('turns Anthropic cache markers into cache points after the marked block', () => {
    const { body } = build({
      system: [{ type: 'text', text: 'long instructions', cacheControl: { type: 'ephemeral' } }],
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'a long document', cacheControl: { type: 'ephemeral' } },
            { type: 'text', text: 'question' },
          ],
        },
      ],
    });
    expect(body.system).toEqual([{ text: 'long instructions' }, { cachePoint: { type: 'default' } }]);
    expect((body.messages as any)[0].content).toEqual([
      { text: 'a long document' },
      { cachePoint: { type: 'default' } },
      { text: 'question' },
    ]);
  });

  it.each([
    [
      { kind: 'base64', mediaType: 'image/png', data: PNG },
      { format: 'png', source: { bytes: PNG } },
    ],
    [
      { kind: 'base64', mediaType: 'image/jpeg', data: PNG },
      { format: 'jpeg', source: { bytes: PNG } },
    ],
    [
      { kind: 'url', url: `data:image/webp;base64,${PNG}` },
      { format: 'webp', source: { bytes: PNG } },
    ],
  ] as const)('sends image %o as bytes', (source, image) => {
    const { body } = build({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image', source },
          ],
        },
      ],
    });
    expect((body.messages as any)[0].content[1]).toEqual({ image });
  });

  it.each([
    [{ kind: 'url', url: 'https://example.com/cat.png' }, /bytes, not URLs/],
    [{ kind: 'base64', mediaType: 'image/bmp', data: PNG }, /image\/bmp/],
  ] as const)('refuses image %o', (source, message) => {
    expect(() => build({ messages: [{ role: 'user', content: [{ type: 'image', source }] }] })).toThrow(message);
  });

  it('sends documents with a name Converse accepts', () => {
    const { body } = build({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'file', mediaType: 'application/pdf', data: 'JVBERi0=', filename: 'Q3 report_final.v2.pdf' },
          ],
        },
      ],
    });
    expect((body.messages as any)[0].content[0]).toEqual({
      document: { format: 'pdf', name: 'Q3 report-final-v2', source: { bytes: 'JVBERi0=' } },
    });
    expect(documentName(undefined, 2)).toBe('document-2');
    expect(() =>
      build({ messages: [{ role: 'user', content: [{ type: 'file', mediaType: 'application/zip', data: 'UEs=' }] }] }),
    ).toThrow(/application\/zip/);
  });

  it('maps tools, tool choice, tool use and tool results (the reference weather example)', () => {
    const parameters = {
      type: 'object',
      properties: { sign: { type: 'string', description: 'The call sign for the radio station' } },
      required: ['sign'],
    };
    const { body } = build({
      tools: [{ name: 'top_song', description: 'Get the most popular song played on a radio station.', parameters }],
      toolChoice: { type: 'auto' },
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'What is the most popular song on WZPZ?' }] },
        {
          role: 'assistant',
          content: [
            { type: 'tool-call', id: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', name: 'top_song', arguments: '{"sign":"WZPZ"}' },
          ],
        },
        {
          role: 'user',
          content: [
            {
              type: 'tool-result',
              toolCallId: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q',
              name: 'top_song',
              content: [{ type: 'text', text: '{"song":"Elemental Hotel","artist":"8 Storey Hike"}' }],
            },
          ],
        },
      ],
    });
    expect(body.toolConfig).toEqual({
      tools: [
        {
          toolSpec: {
            name: 'top_song',
            description: 'Get the most popular song played on a radio station.',
            inputSchema: { json: parameters },
          },
        },
      ],
      toolChoice: { auto: {} },
    });
    expect((body.messages as any)[1].content[0]).toEqual({
      toolUse: { toolUseId: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', name: 'top_song', input: { sign: 'WZPZ' } },
    });
    expect((body.messages as any)[2].content[0]).toEqual({
      toolResult: {
        toolUseId: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q',
        content: [{ text: '{"song":"Elemental Hotel","artist":"8 Storey Hike"}' }],
      },
    });
  });

  it.each([
    [{ type: 'required' }, { any: {} }],
    [{ type: 'tool', name: 'top_song' }, { tool: { name: 'top_song' } }],
  ] as const)('maps tool choice %o', (toolChoice, expected) => {
    const { body } = build({ tools: [{ name: 'top_song', parameters: { type: 'object' } }], toolChoice });
    expect((body.toolConfig as any).toolChoice).toEqual(expected);
  });

  it('marks failed tool results with status error, and sends tool-result images as bytes', () => {
    const { body } = build({
      messages: [
        { role: 'assistant', content: [{ type: 'tool-call', id: 't1', name: 'shot', arguments: '' }] },
        {
          role: 'user',
          content: [
            {
              type: 'tool-result',
              toolCallId: 't1',
              name: 'shot',
              isError: true,
              content: [{ type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: PNG } }],
            },
          ],
        },
      ],
    });
    expect((body.messages as any)[0].content[0].toolUse.input).toEqual({});
    expect((body.messages as any)[1].content[0].toolResult).toEqual({
      toolUseId: 't1',
      status: 'error',
      content: [{ image: { format: 'png', source: { bytes: PNG } } }],
    });
  });

  it("leaves the tools out for tool choice 'none', but refuses it once the conversation used tools", () => {
    const tools = [{ name: 'f', parameters: { type: 'object' } }];
    expect(build({ tools, toolChoice: { type: 'none' } }).body.toolConfig).toBeUndefined();
    expect(() =>
      build({
        tools,
        toolChoice: { type: 'none' },
        messages: [
          { role: 'assistant', content: [{ type: 'tool-call', id: 't', name: 'f', arguments: '{}' }] },
          {
            role: 'user',
            content: [{ type: 'tool-result', toolCallId: 't', name: 'f', content: [{ type: 'text', text: '1' }] }],
          },
        ],
      }),
    ).toThrow(/tool_choice/);
  });

  it('merges adjacent turns of one role, as Converse wants them alternating', () => {
    const { body } = build({
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'a' }] },
        { role: 'user', content: [{ type: 'text', text: 'b' }] },
      ],
    });
    expect(body.messages).toEqual([{ role: 'user', content: [{ text: 'a' }, { text: 'b' }] }]);
  });

  it('replays signed and redacted reasoning, and leaves unsigned reasoning out', () => {
    const { body } = build({
      messages: [
        {
          role: 'assistant',
          content: [
            { type: 'reasoning', text: 'thinking…', signature: 'sig' },
            { type: 'reasoning', text: '', redacted: 'EncryptedBytes' },
            { type: 'reasoning', text: 'from another provider' },
            { type: 'text', text: 'answer' },
          ],
        },
      ],
    });
    expect((body.messages as any)[0].content).toEqual([
      { reasoningContent: { reasoningText: { text: 'thinking…', signature: 'sig' } } },
      { reasoningContent: { redactedContent: 'EncryptedBytes' } },
      { text: 'answer' },
    ]);
  });

  it.each([
    [
      'anthropic.claude-3-7-sonnet-20250219-v1:0',
      { reasoning: { budgetTokens: 2000 } },
      { thinking: { type: 'enabled', budget_tokens: 2000 } },
    ],
    [
      'us.anthropic.claude-sonnet-4-20250514-v1:0',
      { reasoning: { effort: 'high' }, maxTokens: 8000 },
      { thinking: { type: 'enabled', budget_tokens: 4000 } },
    ],
    ['anthropic.claude-3-haiku-20240307-v1:0', { topK: 40 }, { top_k: 40 }],
    ['us.amazon.nova-pro-v1:0', { topK: 20 }, { inferenceConfig: { topK: 20 } }],
  ] as const)('puts model-specific fields of %s in additionalModelRequestFields', (model, fields, expected) => {
    expect(build(fields as Partial<ChatRequest>, model).body.additionalModelRequestFields).toEqual(expected);
  });

  it('sends no thinking when reasoning is off', () => {
    expect(build({ reasoning: false }).body.additionalModelRequestFields).toBeUndefined();
  });

  it('makes room for the thinking budget when no token limit is given, as the Anthropic builder does', () => {
    const { body } = build({ reasoning: { effort: 'medium' } });
    expect(body.additionalModelRequestFields).toEqual({ thinking: { type: 'enabled', budget_tokens: 4096 } });
    expect(body.inferenceConfig).toEqual({ maxTokens: 4096 + 4096 });
  });

  it('refuses reasoning with a token limit too small for the smallest budget, naming the client parameter', () => {
    expect(() => build({ reasoning: { budgetTokens: 2000 }, maxTokens: 1000, sourceFormat: 'anthropic' })).toThrow(
      /'max_tokens'/,
    );
  });

  it.each([
    ['top_k on a Llama model', { topK: 5 }, 'meta.llama3-70b-instruct-v1:0', /top_k/],
    ['seed', { seed: 1 }, undefined, /'seed'/],
    ['frequency_penalty', { frequencyPenalty: 0.5 }, undefined, /frequency_penalty/],
    ['presence_penalty', { presencePenalty: 0.5 }, undefined, /presence_penalty/],
    [
      'a JSON schema whose root is not an object',
      { responseFormat: { type: 'json-schema', name: 'list', schema: { type: 'array' } } },
      undefined,
      /response_format/,
    ],
    ['n > 1', { n: 2 }, undefined, /'n'/],
    [
      'parallel_tool_calls: false',
      { tools: [{ name: 'f', parameters: {} }], parallelToolCalls: false },
      undefined,
      /parallel_tool_calls/,
    ],
    ['an unmapped client parameter', { unmapped: { logprobs: true } }, undefined, /'logprobs'/],
  ] as const)('refuses %s with a 400 naming the parameter', (_name, fields, model, message) => {
    let error: any;
    try {
      build(fields as Partial<ChatRequest>, model);
    } catch (caught) {
      error = caught;
    }
    expect(error?.status).toBe(400);
    expect(error?.code).toBe('unsupported_parameter');
    expect(error?.message).toMatch(message);
  });

  it('reasoning on a non-Claude model only tuned the effort: left out and reported as dropped', () => {
    const built = build({ reasoning: { effort: 'high' } }, 'meta.llama3-70b-instruct-v1:0');
    expect(built.body).not.toHaveProperty('additionalModelRequestFields');
    expect(built.dropped).toEqual(['reasoning_effort']);
  });

  it('asks for a JSON answer through a forced tool holding the schema, beside the client tools', () => {
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
    const { body } = build({
      tools: [{ name: 'f', parameters: { type: 'object' } }],
      responseFormat: { type: 'json-schema', name: 'city answer', schema, description: 'The city' },
    });
    expect(body.toolConfig).toEqual({
      tools: [
        { toolSpec: { name: 'f', inputSchema: { json: { type: 'object' } } } },
        { toolSpec: { name: 'city_answer', description: 'The city', inputSchema: { json: schema } } },
      ],
      toolChoice: { tool: { name: 'city_answer' } },
    });
    expect(build({ responseFormat: { type: 'json' } }).body.toolConfig).toEqual({
      tools: [
        {
          toolSpec: {
            name: 'json_output',
            description: 'Respond with a JSON value that matches this schema.',
            inputSchema: { json: { type: 'object' } },
          },
        },
      ],
      toolChoice: { tool: { name: 'json_output' } },
    });
  });

  it('refuses tool arguments that are not JSON', () => {
    expect(() =>
      build({
        messages: [{ role: 'assistant', content: [{ type: 'tool-call', id: 't', name: 'f', arguments: '{oops' }] }],
      }),
    ).toThrow(/not valid JSON/);
  });
});
