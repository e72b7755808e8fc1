import { describe, expect, it } from 'vitest';
import { InvalidRequestError, UnsupportedParameterError } from '../../../src/errors.ts';
import { geminiFormat } from '../../../src/formats/gemini/index.ts';
import { toolCallIdOf } from '../../../src/formats/gemini/tool-call-ids.ts';
import type { ChatRequest } from '../../../src/formats/ir.ts';
import { irRequest, WEATHER_TOOL } from '../../helpers/gemini-samples.ts';

const build = (fields: Partial<ChatRequest>, model = 'gemini-2.5-flash') =>
  geminiFormat.provider.chat.buildRequest(irRequest(fields), model);
const body = (fields: Partial<ChatRequest>) => build(fields).body as Record<string, any>;

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

describe('Gemini request: paths', () => {
  it.each([
    [false, 'gemini-2.5-flash', '/v1beta/models/gemini-2.5-flash:generateContent'],
    [true, 'gemini-2.5-flash', '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse'],
    [false, 'models/gemini-2.5-pro', '/v1beta/models/gemini-2.5-pro:generateContent'],
    [false, 'tunedModels/my-model-7', '/v1beta/tunedModels/my-model-7:generateContent'],
  ])('stream %s, model %s → %s', (stream, model, path) => {
    expect(build({ stream }, model).path).toBe(path);
  });

  it('puts the target model in the path, not the one the client named', () => {
    expect(build({ model: 'fast' }, 'gemini-2.0-flash').path).toBe('/v1beta/models/gemini-2.0-flash:generateContent');
    expect(body({})).not.toHaveProperty('model');
  });
});

describe('Gemini request: instructions and contents', () => {
  it('sends system and developer instructions as systemInstruction, turns as user/model contents', () => {
    expect(
      body({
        system: [
          { type: 'text', text: 'You are a cat.' },
          { type: 'text', text: 'Your name is Neko.' },
        ],
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'Hello there' }] },
          { role: 'assistant', content: [{ type: 'text', text: 'Meow.' }] },
          { role: 'user', content: [{ type: 'text', text: 'Who are you?' }] },
        ],
      }),
    ).toEqual({
      systemInstruction: { parts: [{ text: 'You are a cat.' }, { text: 'Your name is Neko.' }] },
      contents: [
        { role: 'user', parts: [{ text: 'Hello there' }] },
        { role: 'model', parts: [{ text: 'Meow.' }] },
        { role: 'user', parts: [{ text: 'Who are you?' }] },
      ],
    });
  });

  it('merges consecutive turns of one role and drops empty texts and reasoning (not input for Gemini)', () => {
    expect(
      body({
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'a' }] },
          {
            role: 'user',
            content: [
              { type: 'text', text: '' },
              { type: 'text', text: 'b' },
            ],
          },
          {
            role: 'assistant',
            content: [
              { type: 'reasoning', text: 'thinking…', signature: 'sig' },
              { type: 'text', text: 'c' },
            ],
          },
          { role: 'assistant', content: [{ type: 'reasoning', text: 'only thoughts' }] },
        ],
      }).contents,
    ).toEqual([
      { role: 'user', parts: [{ text: 'a' }, { text: 'b' }] },
      { role: 'model', parts: [{ text: 'c' }] },
    ]);
  });

  it.each([
    [
      'base64 image → inlineData',
      { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBORw0KGgo=' } },
      { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
    ],
    [
      'data URL → inlineData',
      { type: 'image', source: { kind: 'url', url: 'data:image/webp;base64,UklGRg==' } },
      { inlineData: { mimeType: 'image/webp', data: 'UklGRg==' } },
    ],
    [
      'image URL → fileData with the type its extension tells',
      { type: 'image', source: { kind: 'url', url: 'https://example.com/cat.JPG?size=2' } },
      { fileData: { mimeType: 'image/jpeg', fileUri: 'https://example.com/cat.JPG?size=2' } },
    ],
    [
      'image URL without extension → fileData alone',
      { type: 'image', source: { kind: 'url', url: 'gs://bucket/object' } },
      { fileData: { fileUri: 'gs://bucket/object' } },
    ],
    [
      'PDF → inlineData',
      { type: 'file', mediaType: 'application/pdf', data: 'JVBERi0=', filename: 'a.pdf' },
      { inlineData: { mimeType: 'application/pdf', data: 'JVBERi0=' } },
    ],
  ] as const)('%s', (_title, part, expected) => {
    const contents = body({
      messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, part as any] }],
    }).contents;
    expect(contents).toEqual([{ role: 'user', parts: [{ text: 'What is this?' }, expected] }]);
  });
});

describe('Gemini request: tools', () => {
  it('declares tools as functionDeclarations with cleaned schemas; a tool without parameters has none', () => {
    expect(
      body({ tools: [WEATHER_TOOL, { name: 'get_time', parameters: { type: 'object', properties: {} } }] }).tools,
    ).toEqual([
      {
        functionDeclarations: [
          {
            name: 'get_current_temperature',
            description: 'Gets the current temperature for a given location.',
            parameters: {
              type: 'object',
              properties: { location: { type: 'string', description: 'The city name, e.g. San Francisco' } },
              required: ['location'],
            },
          },
          { name: 'get_time' },
        ],
      },
    ]);
  });

  it.each([
    [{ type: 'auto' }, { mode: 'AUTO' }],
    [{ type: 'none' }, { mode: 'NONE' }],
    [{ type: 'required' }, { mode: 'ANY' }],
    [
      { type: 'tool', name: 'get_current_temperature' },
      { mode: 'ANY', allowedFunctionNames: ['get_current_temperature'] },
    ],
  ] as const)('tool choice %j → functionCallingConfig %j', (toolChoice, config) => {
    expect(body({ tools: [WEATHER_TOOL], toolChoice }).toolConfig).toEqual({ functionCallingConfig: config });
  });

  it('sends no toolConfig without tools or a choice', () => {
    expect(body({ toolChoice: { type: 'auto' } })).not.toHaveProperty('toolConfig');
    expect(body({ tools: [WEATHER_TOOL] })).not.toHaveProperty('toolConfig');
  });

  it('sends tool calls as functionCall parts and results as one user turn of functionResponses named after their calls', () => {
    const signed = toolCallIdOf(undefined, 'EqUCCqICAb4+9vsh8Pd5taZVoPzS');
    const contents = body({
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Temperature in Paris and Rome?' }] },
        {
          role: 'assistant',
          content: [
            { type: 'tool-call', id: signed, name: 'get_current_temperature', arguments: '{"location":"Paris"}' },
            { type: 'tool-call', id: 'call_2', name: 'get_current_temperature', arguments: '{"location":"Rome"}' },
          ],
        },
        {
          role: 'user',
          content: [
            {
              type: 'tool-result',
              toolCallId: signed,
              name: 'get_current_temperature',
              content: [{ type: 'text', text: '{"celsius":21}' }],
            },
            // The name looked up from the call when the client format does not carry it.
            {
              type: 'tool-result',
              toolCallId: 'call_2',
              name: undefined,
              content: [{ type: 'text', text: 'sensor offline' }],
              isError: true,
            },
          ],
        },
      ],
    }).contents;
    expect(contents).toEqual([
      { role: 'user', parts: [{ text: 'Temperature in Paris and Rome?' }] },
      {
        role: 'model',
        parts: [
          {
            functionCall: { name: 'get_current_temperature', args: { location: 'Paris' } },
            thoughtSignature: 'EqUCCqICAb4+9vsh8Pd5taZVoPzS',
          },
          { functionCall: { name: 'get_current_temperature', args: { location: 'Rome' } } },
        ],
      },
      {
        role: 'user',
        parts: [
          { functionResponse: { name: 'get_current_temperature', response: { output: '{"celsius":21}' } } },
          { functionResponse: { name: 'get_current_temperature', response: { error: 'sensor offline' } } },
        ],
      },
    ]);
  });

  it("signs an unsigned model turn's first function call with Google's skip placeholder", () => {
    const contents = body({
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Weather?' }] },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Let me check.' },
            { type: 'tool-call', id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_current_temperature', arguments: '' },
          ],
        },
        {
          role: 'user',
          content: [
            {
              type: 'tool-result',
              toolCallId: 'toolu_01A09q90qw90lq917835lq9',
              name: 'get_current_temperature',
              content: [{ type: 'text', text: '21' }],
            },
          ],
        },
      ],
    }).contents;
    expect(contents[1].parts).toEqual([
      { text: 'Let me check.' },
      {
        functionCall: { name: 'get_current_temperature', args: {} },
        thoughtSignature: 'skip_thought_signature_validator',
      },
    ]);
  });

  it('sends images of a tool result as parts after its functionResponse', () => {
    const contents = body({
      messages: [
        { role: 'assistant', content: [{ type: 'tool-call', id: 'c1', name: 'screenshot', arguments: '{}' }] },
        {
          role: 'user',
          content: [
            {
              type: 'tool-result',
              toolCallId: 'c1',
              name: 'screenshot',
              content: [
                { type: 'text', text: 'done' },
                { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'AAAA' } },
              ],
            },
          ],
        },
      ],
    }).contents;
    expect(contents[1]).toEqual({
      role: 'user',
      parts: [
        { functionResponse: { name: 'screenshot', response: { output: 'done' } } },
        { inlineData: { mimeType: 'image/png', data: 'AAAA' } },
      ],
    });
  });

  it('refuses a tool result whose tool cannot be named', () => {
    const error = thrown(() =>
      body({
        messages: [
          { role: 'user', content: [{ type: 'tool-result', toolCallId: 'nowhere', name: undefined, content: [] }] },
        ],
      }),
    );
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error.message).toContain('nowhere');
  });

  it('refuses tool call arguments that are not a JSON object', () => {
    const call = (args: string) =>
      body({
        messages: [{ role: 'assistant', content: [{ type: 'tool-call', id: 'c', name: 'f', arguments: args }] }],
      });
    expect(() => call('{not json')).toThrow(InvalidRequestError);
    expect(() => call('[1,2]')).toThrow(InvalidRequestError);
  });
});

describe('Gemini request: generationConfig', () => {
  it.each([
    ['maxTokens', { maxTokens: 800 }, { maxOutputTokens: 800 }],
    ['temperature, topP, topK', { temperature: 0.9, topP: 0.95, topK: 40 }, { temperature: 0.9, topP: 0.95, topK: 40 }],
    ['stop', { stop: ['Title', '\n\n'] }, { stopSequences: ['Title', '\n\n'] }],
    [
      'seed and penalties',
      { seed: 7, presencePenalty: 0.5, frequencyPenalty: -0.5 },
      { seed: 7, presencePenalty: 0.5, frequencyPenalty: -0.5 },
    ],
    ['json', { responseFormat: { type: 'json' } }, { responseMimeType: 'application/json' }],
    [
      'json-schema',
      {
        responseFormat: {
          type: 'json-schema',
          name: 'recipe',
          description: 'A recipe',
          strict: true,
          schema: {
            type: 'object',
            additionalProperties: false,
            properties: { recipeName: { type: 'string' }, ingredients: { type: 'array', items: { type: 'string' } } },
            required: ['recipeName'],
          },
        },
      },
      {
        responseMimeType: 'application/json',
        responseSchema: {
          type: 'object',
          description: 'A recipe',
          properties: { recipeName: { type: 'string' }, ingredients: { type: 'array', items: { type: 'string' } } },
          required: ['recipeName'],
        },
      },
    ],
    [
      'reasoning effort low',
      { reasoning: { effort: 'low' } },
      { thinkingConfig: { thinkingBudget: 1024, includeThoughts: true } },
    ],
    [
      'reasoning effort medium',
      { reasoning: { effort: 'medium' } },
      { thinkingConfig: { thinkingBudget: 8192, includeThoughts: true } },
    ],
    [
      'reasoning effort high',
      { reasoning: { effort: 'high' } },
      { thinkingConfig: { thinkingBudget: 24576, includeThoughts: true } },
    ],
    [
      'reasoning effort minimal',
      { reasoning: { effort: 'minimal' } },
      { thinkingConfig: { thinkingBudget: 512, includeThoughts: true } },
    ],
    [
      'reasoning budget',
      { reasoning: { budgetTokens: 2048 } },
      { thinkingConfig: { thinkingBudget: 2048, includeThoughts: true } },
    ],
    ['reasoning off', { reasoning: false }, { thinkingConfig: { thinkingBudget: 0 } }],
    ['n = 1', { n: 1 }, undefined],
    ['nothing', {}, undefined],
  ] as const)('%s', (_title, fields, expected) => {
    expect(body(fields as Partial<ChatRequest>).generationConfig).toEqual(expected);
  });

  it('ignores the end-user id (abuse monitoring only; Gemini has no field for it)', () => {
    expect(body({ user: 'user-123' })).toEqual(body({}));
  });
});

describe('Gemini request: what Gemini cannot express is refused, naming the parameter', () => {
  it.each([
    ['an unmapped client parameter', { unmapped: { logprobs: true } }, 'logprobs'],
    ['parallel tool calls turned off', { parallelToolCalls: false }, 'parallel_tool_calls'],
    ['several choices', { n: 2 }, 'n'],
    [
      'a recursive response schema',
      {
        responseFormat: {
          type: 'json-schema',
          name: 't',
          schema: { $ref: '#/$defs/T', $defs: { T: { type: 'object', properties: { t: { $ref: '#/$defs/T' } } } } },
        },
      },
      'response_format',
    ],
  ] as const)('%s', (_title, fields, param) => {
    const error = thrown(() => body(fields as Partial<ChatRequest>));
    expect(error).toBeInstanceOf(UnsupportedParameterError);
    expect((error as UnsupportedParameterError).param).toBe(param);
    expect((error as UnsupportedParameterError).status).toBe(400);
    expect(error.message).toContain('Google Gemini');
  });

  it('accepts parallel tool calls left on', () => {
    expect(() => body({ parallelToolCalls: true })).not.toThrow();
  });
});

describe('Gemini request: refusals name the parameter as the client wrote it', () => {
  it.each([
    ['openai', 'parallel_tool_calls'],
    ['anthropic', 'tool_choice.disable_parallel_tool_use'],
  ] as const)('%s client → %s', (sourceFormat, param) => {
    const error = thrown(() => body({ sourceFormat, parallelToolCalls: false }));
    expect((error as UnsupportedParameterError).param).toBe(param);
  });

  it('an Anthropic output_format schema Gemini cannot express', () => {
    const recursive = { $ref: '#/$defs/T', $defs: { T: { type: 'object', properties: { t: { $ref: '#/$defs/T' } } } } };
    const error = thrown(() =>
      body({ sourceFormat: 'anthropic', responseFormat: { type: 'json-schema', name: 'output', schema: recursive } }),
    );
    expect((error as UnsupportedParameterError).param).toBe('output_format');
  });
});
