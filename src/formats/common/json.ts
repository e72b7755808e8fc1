/**
 * Reading untrusted JSON: request bodies, provider answers, stream payloads. Everything parsed is
 * `unknown` until one of these checks narrows it.
 */
import { GatewayError, InvalidRequestError } from '../../errors.ts';

/** A JSON object whose fields are still unchecked. */
export type Json = Record<string, unknown>;

export const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const asRecord = (value: unknown): Json => (isObject(value) ? value : {});

export const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

export const asString = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

export const asNumber = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;

/** Like `parseJsonResponse`, but never throws: for error bodies and stream payloads, which may be anything. */
export function tryParseJsonObject(body: Buffer | Uint8Array | string): Json | undefined {
  try {
    const parsed: unknown = JSON.parse(typeof body === 'string' ? body : Buffer.from(body).toString('utf8'));
    return isObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** A provider's whole JSON response as an object, or a 502 naming the format it should have been in. */
export function parseJsonResponse(body: Buffer, format: string): Json {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new GatewayError(
      502,
      'upstream_malformed',
      `The provider's answer is not valid JSON (${format} format expected).`,
      'upstream_error',
    );
  }
  if (!isObject(value))
    throw new GatewayError(
      502,
      'upstream_malformed',
      `The provider's answer is not a JSON object (${format} format expected).`,
      'upstream_error',
    );
  return value;
}

/** Parses tool-call arguments (JSON text) into the object formats like Anthropic's want. */
export function parseArguments(text: string, where: string): Json {
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InvalidRequestError(
      'invalid_tool_arguments',
      `The arguments of tool call ${where} are not valid JSON.`,
      'messages',
    );
  }
  if (!isObject(value))
    throw new InvalidRequestError(
      'invalid_tool_arguments',
      `The arguments of tool call ${where} must be a JSON object.`,
      'messages',
    );
  return value;
}

/** A client's optional numeric parameter, or a 400 naming it. */
export const optionalNumber = (value: unknown, param: string): number | undefined => {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new InvalidRequestError('invalid_parameter', `'${param}' must be a number.`, param);
  return value;
};
