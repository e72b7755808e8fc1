import { describe, expect, it } from 'vitest';
import { UnsupportedParameterError } from '../../../src/errors.ts';
import { toGeminiParameters, toGeminiSchema } from '../../../src/formats/gemini/schema.ts';

const context = { param: 'tools' };

describe('JSON Schema → Gemini Schema', () => {
  it.each([
    [
      "keeps the function-calling guide's schema as it is",
      {
        type: 'object',
        properties: { location: { type: 'string', description: 'The city name, e.g. San Francisco' } },
        required: ['location'],
      },
      {
        type: 'object',
        properties: { location: { type: 'string', description: 'The city name, e.g. San Francisco' } },
        required: ['location'],
      },
    ],
    [
      'drops $schema, additionalProperties and other keywords outside the subset, at every depth',
      {
        $schema: 'http://json-schema.org/draft-07/schema#',
        $id: 'x',
        type: 'object',
        additionalProperties: false,
        properties: {
          tags: { type: 'array', uniqueItems: true, items: { type: 'string', examples: ['a'] } },
          n: { type: 'number', multipleOf: 2, exclusiveMinimum: 0 },
        },
      },
      { type: 'object', properties: { tags: { type: 'array', items: { type: 'string' } }, n: { type: 'number' } } },
    ],
    [
      'turns a type list with null into nullable',
      { type: 'object', properties: { note: { type: ['string', 'null'] } } },
      { type: 'object', properties: { note: { type: 'string', nullable: true } } },
    ],
    [
      'turns anyOf with a null alternative into a nullable field, keeping the outer description',
      {
        type: 'object',
        properties: {
          when: { description: 'Due date', anyOf: [{ type: 'string', format: 'date-time' }, { type: 'null' }] },
        },
      },
      {
        type: 'object',
        properties: { when: { type: 'string', format: 'date-time', description: 'Due date', nullable: true } },
      },
    ],
    [
      'turns oneOf into anyOf',
      { type: 'object', properties: { id: { oneOf: [{ type: 'string' }, { type: 'integer' }] } } },
      { type: 'object', properties: { id: { anyOf: [{ type: 'string' }, { type: 'integer' }] } } },
    ],
    [
      'turns a list of several types into anyOf',
      { type: 'object', properties: { id: { type: ['string', 'integer'] } } },
      { type: 'object', properties: { id: { anyOf: [{ type: 'string' }, { type: 'integer' }] } } },
    ],
    [
      'turns const into a one-value enum, and enum values into strings',
      { type: 'object', properties: { kind: { const: 'circle' }, size: { type: 'integer', enum: [101, 201] } } },
      {
        type: 'object',
        properties: { kind: { type: 'string', enum: ['circle'] }, size: { type: 'integer', enum: ['101', '201'] } },
      },
    ],
    [
      'keeps only the formats Gemini accepts',
      {
        type: 'object',
        properties: {
          at: { type: 'string', format: 'date-time' },
          mail: { type: 'string', format: 'email' },
          f: { type: 'number', format: 'double' },
        },
      },
      {
        type: 'object',
        properties: {
          at: { type: 'string', format: 'date-time' },
          mail: { type: 'string' },
          f: { type: 'number', format: 'double' },
        },
      },
    ],
    [
      'inlines local $refs from $defs and definitions',
      {
        type: 'object',
        properties: {
          home: { $ref: '#/$defs/Address', description: 'Where they live' },
          work: { $ref: '#/definitions/Address' },
        },
        $defs: { Address: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
        definitions: { Address: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
      },
      {
        type: 'object',
        properties: {
          home: {
            type: 'object',
            description: 'Where they live',
            properties: { city: { type: 'string' } },
            required: ['city'],
          },
          work: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        },
      },
    ],
    [
      'merges allOf members into one schema',
      {
        allOf: [
          { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] },
          { properties: { b: { type: 'number' } }, required: ['b'] },
        ],
      },
      { type: 'object', properties: { a: { type: 'string' }, b: { type: 'number' } }, required: ['a', 'b'] },
    ],
    [
      'drops required names that have no property',
      { type: 'object', properties: { a: { type: 'string' } }, required: ['a', 'ghost'] },
      { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] },
    ],
    [
      'keeps a nested free-form object as a bare object',
      { type: 'object', properties: { meta: { type: 'object', additionalProperties: true, description: 'Anything' } } },
      { type: 'object', properties: { meta: { type: 'object', description: 'Anything' } } },
    ],
    [
      'keeps the documented constraint keywords',
      {
        type: 'object',
        properties: {
          s: { type: 'string', minLength: 1, maxLength: 5, pattern: '^a' },
          l: { type: 'array', items: { type: 'integer', minimum: 0, maximum: 9 }, minItems: 1, maxItems: 3 },
        },
      },
      {
        type: 'object',
        properties: {
          s: { type: 'string', minLength: 1, maxLength: 5, pattern: '^a' },
          l: { type: 'array', items: { type: 'integer', minimum: 0, maximum: 9 }, minItems: 1, maxItems: 3 },
        },
      },
    ],
  ])('%s', (_title, input, expected) => {
    expect(toGeminiSchema(input, context)).toEqual(expected);
  });

  it('refuses a recursive schema, naming the parameter', () => {
    const tree = {
      type: 'object',
      properties: { child: { $ref: '#/$defs/Node' } },
      $defs: { Node: { type: 'object', properties: { child: { $ref: '#/$defs/Node' } } } },
    };
    const error = (() => {
      try {
        toGeminiSchema(tree, context);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(UnsupportedParameterError);
    expect((error as UnsupportedParameterError).param).toBe('tools');
    expect((error as Error).message).toContain('recursive');
  });

  it('refuses a reference it cannot resolve', () => {
    expect(() => toGeminiSchema({ $ref: 'https://example.com/schema.json' }, context)).toThrow(
      UnsupportedParameterError,
    );
  });

  it('gives no parameters for a tool whose parameters are an empty object', () => {
    expect(toGeminiParameters({ type: 'object', properties: {} }, context)).toBeUndefined();
    expect(toGeminiParameters({ type: 'object', additionalProperties: false }, context)).toBeUndefined();
    expect(toGeminiParameters({ type: 'object', properties: { a: { type: 'string' } } }, context)).toEqual({
      type: 'object',
      properties: { a: { type: 'string' } },
    });
  });
});
