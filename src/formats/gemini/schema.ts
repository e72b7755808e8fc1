/**
 * JSON Schema → Gemini `Schema`. Gemini takes a subset of OpenAPI 3.0's schema object and answers
 * 400 for keywords outside it (`additionalProperties`, `$schema`, `$ref`, `const`, type arrays…),
 * so tool parameters and response schemas are rewritten into that subset: equivalent keywords are
 * translated (`oneOf` → `anyOf`, `["x","null"]` → `nullable`, `const` → one-value `enum`, local
 * `$ref`s inlined) and annotations with no equivalent, which only document, are dropped.
 */
import { UnsupportedParameterError } from '../../errors.ts';
import { isObject, type Json } from '../common/json.ts';

/** Keywords of Gemini's `Schema` object (Gemini API and Vertex AI references) copied as they are. */
const COPIED = [
  'title',
  'description',
  'nullable',
  'default',
  'example',
  'minItems',
  'maxItems',
  'minLength',
  'maxLength',
  'pattern',
  'minimum',
  'maximum',
  'minProperties',
  'maxProperties',
  'propertyOrdering',
];

/** The only `format`s the Gemini API accepts per type; others are rejected with a 400. */
const FORMATS: Readonly<Record<string, readonly string[]>> = {
  string: ['enum', 'date-time'],
  number: ['float', 'double'],
  integer: ['int32', 'int64'],
};

/** What the schema describes, for error messages: the client's parameter name. */
export interface SchemaContext {
  param: string;
}

/**
 * The Gemini form of a tool's parameters, or undefined for a tool without any (Gemini rejects an
 * OBJECT with no properties at the root of `parameters`).
 */
export function toGeminiParameters(schema: Json, context: SchemaContext): Json | undefined {
  const converted = toGeminiSchema(schema, context);
  const properties = converted.properties;
  if (converted.type === 'object' && (!isObject(properties) || Object.keys(properties).length === 0)) return undefined;
  return converted;
}

/** The Gemini form of a JSON Schema (a response schema, or one tool's parameters). */
export function toGeminiSchema(schema: Json, context: SchemaContext): Json {
  const definitions = {
    ...(isObject(schema.definitions) ? schema.definitions : {}),
    ...(isObject(schema.$defs) ? schema.$defs : {}),
  };
  return convert(schema, { ...context, definitions, resolving: [] });
}

interface State extends SchemaContext {
  definitions: Json;
  /** `$ref`s being inlined on the current path, to refuse recursive schemas (Gemini has no references). */
  resolving: string[];
}

function convert(input: unknown, state: State): Json {
  if (input === true || !isObject(input)) return {};
  if (typeof input.$ref === 'string')
    return convert(mergeSiblings(resolve(input.$ref, state), input), pushRef(input.$ref, state));

  const schema = collapseAllOf(input, state);
  const out: Json = {};
  for (const key of COPIED) if (schema[key] !== undefined) out[key] = schema[key];

  const { type, nullable } = readType(schema.type);
  if (nullable) out.nullable = true;

  const alternatives = Array.isArray(schema.anyOf)
    ? schema.anyOf
    : Array.isArray(schema.oneOf)
      ? schema.oneOf
      : undefined;
  if (alternatives) return withAlternatives(out, alternatives, state);
  if (Array.isArray(type))
    return withAlternatives(
      out,
      type.map((t) => ({ type: t })),
      state,
    );

  let enumValues = Array.isArray(schema.enum) ? schema.enum : schema.const !== undefined ? [schema.const] : undefined;
  if (enumValues?.includes(null)) {
    out.nullable = true;
    enumValues = enumValues.filter((value) => value !== null);
  }
  const resolvedType = type ?? (enumValues ? 'string' : isObject(schema.properties) ? 'object' : undefined);
  if (resolvedType !== undefined) out.type = resolvedType;
  // Gemini enums are strings whatever the type (its reference: INTEGER enums as ["101", "201"]).
  if (enumValues) out.enum = enumValues.map((value) => (typeof value === 'string' ? value : JSON.stringify(value)));

  if (typeof schema.format === 'string' && resolvedType && FORMATS[resolvedType]?.includes(schema.format))
    out.format = schema.format;

  if (isObject(schema.properties)) {
    const properties: Json = {};
    for (const [name, value] of Object.entries(schema.properties)) properties[name] = convert(value, state);
    out.properties = properties;
    // A required name with no property of its own is rejected by Gemini.
    if (Array.isArray(schema.required)) {
      const required = schema.required.filter((name): name is string => typeof name === 'string' && name in properties);
      if (required.length) out.required = required;
    }
  }
  if (isObject(schema.items)) out.items = convert(schema.items, state);
  else if (resolvedType === 'array') out.items = {};
  return out;
}

/** JSON Schema's `type`, which may be a list: `null` in it becomes Gemini's `nullable`. */
function readType(type: unknown): { type: string | string[] | undefined; nullable: boolean } {
  if (!Array.isArray(type))
    return { type: typeof type === 'string' && type !== 'null' ? type : undefined, nullable: type === 'null' };
  const types = type.filter((t): t is string => typeof t === 'string' && t !== 'null');
  return { type: types.length === 1 ? types[0] : types.length ? types : undefined, nullable: type.includes('null') };
}

/** `anyOf`/`oneOf` (or a list of types): a nullable single alternative collapses into that alternative. */
function withAlternatives(out: Json, alternatives: unknown[], state: State): Json {
  const isNull = (alt: unknown) =>
    isObject(alt) &&
    (alt.type === 'null' || (Array.isArray(alt.type) && alt.type.length === 1 && alt.type[0] === 'null'));
  const rest = alternatives.filter((alt) => !isNull(alt));
  if (rest.length < alternatives.length) out.nullable = true;
  if (rest.length === 1) {
    const only = convert(rest[0], state);
    // The outer description documents the whole field; keep it over the alternative's own.
    return { ...only, ...out };
  }
  out.anyOf = rest.map((alt) => convert(alt, state));
  return out;
}

/** `allOf` is not in Gemini's subset: its members are merged into one schema (properties and required united, in order). */
function collapseAllOf(schema: Json, state: State): Json {
  if (!Array.isArray(schema.allOf)) return schema;
  const { allOf, ...outer } = schema;
  const members: Json[] = [];
  for (const member of allOf) {
    const ref = isObject(member) && typeof member.$ref === 'string' ? member.$ref : undefined;
    const part = ref === undefined ? member : resolve(ref, state);
    if (isObject(part)) members.push(collapseAllOf(part, ref === undefined ? state : pushRef(ref, state)));
  }
  const all = [...members, outer];
  const properties = Object.assign({}, ...all.map((m) => (isObject(m.properties) ? m.properties : {}))) as Json;
  const required = [...new Set(all.flatMap((m) => (Array.isArray(m.required) ? m.required : [])))];
  const merged: Json = Object.assign({}, ...all);
  delete merged.properties;
  delete merged.required;
  if (Object.keys(properties).length) merged.properties = properties;
  if (required.length) merged.required = required;
  return merged;
}

/** A local `$ref` (`#/$defs/X`, `#/definitions/X`) looked up in the root schema's definitions. */
function resolve(ref: string, state: State): Json {
  const match = /^#\/(?:\$defs|definitions)\/(.+)$/.exec(ref);
  const name = match?.[1]?.replace(/~1/g, '/').replace(/~0/g, '~');
  const target = name === undefined ? undefined : state.definitions[name];
  if (!isObject(target))
    throw new UnsupportedParameterError(
      state.param,
      'Google Gemini',
      `the JSON Schema reference '${ref}' is not a local definition`,
    );
  if (state.resolving.includes(ref))
    throw new UnsupportedParameterError(
      state.param,
      'Google Gemini',
      `the JSON Schema is recursive ('${ref}'), which Gemini schemas cannot express`,
    );
  return target;
}

function pushRef(ref: string, state: State): State {
  return { ...state, resolving: [...state.resolving, ref] };
}

/** Keywords beside a `$ref` (e.g. its own description) refine the referenced schema. */
function mergeSiblings(target: Json, withRef: Json): Json {
  const { $ref: _ref, ...siblings } = withRef;
  return { ...target, ...siblings };
}
