/**
 * Refusing what a target format cannot express, by the client's own parameter name: never
 * dropped silently (docs/translation.md, "parameters without a counterpart").
 */
import { UnsupportedParameterError } from '../../errors.ts';
import type { ChatRequest } from '../ir.ts';

/**
 * The client's parameters the IR could not carry, for a target that speaks the client's own
 * format (they go into the body as they are); any other target refuses the first of them.
 */
export function unmappedFor(request: ChatRequest, targetFormat: string, targetName: string): Record<string, unknown> {
  const names = Object.keys(request.unmapped);
  if (names.length === 0) return {};
  if (request.sourceFormat === targetFormat) return request.unmapped;
  throw new UnsupportedParameterError(names[0] as string, targetName);
}

/** Refuses client parameters the IR could not place, except those the target takes under the same name (`accepted`). */
export function refuseUnmapped(request: ChatRequest, target: string, accepted: readonly string[] = []): void {
  const refused = Object.keys(request.unmapped).find((name) => !accepted.includes(name));
  if (refused !== undefined) throw new UnsupportedParameterError(refused, target);
}

/** Refuses every parameter in `checks` whose value is set (not undefined). */
export function refuseIfSet(target: string, checks: Record<string, unknown>, detail?: string): void {
  for (const [param, value] of Object.entries(checks))
    if (value !== undefined) throw new UnsupportedParameterError(param, target, detail);
}

/** Chat Completions' parameter names as the Responses API spells them (the others are the same). */
const RESPONSES_NAMES: Readonly<Record<string, string>> = {
  max_completion_tokens: 'max_output_tokens',
  reasoning_effort: 'reasoning.effort',
  response_format: 'text.format',
  image_url: 'input_image',
  file: 'input_file',
  'messages[].content': 'input',
};

/** The client's name for a parameter the IR names alike in every client format but spells apart. */
export const clientParam = (request: ChatRequest, openai: string, anthropic: string) =>
  request.sourceFormat === 'anthropic'
    ? anthropic
    : request.sourceFormat === 'openai-responses'
      ? (RESPONSES_NAMES[openai] ?? openai)
      : openai;

/**
 * A client body's parameters that its parser did not read (`read`), sorted: those that only tune
 * how a provider works (`tuning`: dropped and reported when translated) and the rest (`unmapped`:
 * honoured by a target of the same format, refused by any other). `isNoOp` spares explicit defaults.
 */
export function leftoverParams(
  body: Record<string, unknown>,
  read: ReadonlySet<string>,
  tuning: ReadonlySet<string>,
  isNoOp: (key: string, value: unknown) => boolean = (_key, value) => value === null || value === undefined,
): { unmapped: Record<string, unknown>; tuning: Record<string, unknown> } {
  const out = { unmapped: {} as Record<string, unknown>, tuning: {} as Record<string, unknown> };
  for (const key in body) {
    if (read.has(key) || isNoOp(key, body[key])) continue;
    (tuning.has(key) ? out.tuning : out.unmapped)[key] = body[key];
  }
  return out;
}
