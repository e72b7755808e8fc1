/**
 * Small pieces the native provider formats (Bedrock, Cohere, Replicate) share on top of
 * `shared.ts`: reading untyped JSON defensively, images as bytes, refusing what a format cannot
 * express.
 */
import { UnsupportedParameterError } from '../errors.ts';
import type { ChatRequest, ImageSource } from './ir.ts';
import { isObject, parseDataUrl } from './shared.ts';

export type Json = Record<string, unknown>;

export const isRecord: (value: unknown) => value is Json = isObject;

export const asRecord = (value: unknown): Json => (isRecord(value) ? value : {});

export const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

export const asString = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

export const asNumber = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;

/** Like `parseAnswer`, but never throws: for error bodies and stream payloads, which may be anything. */
export function tryParseJsonObject(body: Buffer | Uint8Array | string): Json | undefined {
  try {
    const parsed: unknown = JSON.parse(typeof body === 'string' ? body : Buffer.from(body).toString('utf8'));
    return isRecord(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** An image as inline base64, when it is (or is given as a data URL); undefined for remote URLs. */
export function inlineImage(source: ImageSource): { mediaType: string; data: string } | undefined {
  const inline = source.kind === 'base64' ? source : parseDataUrl(source.url);
  return inline ? { mediaType: inline.mediaType.toLowerCase(), data: inline.data } : undefined;
}

/**
 * Refuses client parameters the IR could not place (they only mean something in the client's own
 * format), except those the target format takes under the same name (`accepted`).
 */
export function refuseUnmapped(request: ChatRequest, target: string, accepted: readonly string[] = []): void {
  const refused = Object.keys(request.unmapped).find((name) => !accepted.includes(name));
  if (refused !== undefined) throw new UnsupportedParameterError(refused, target);
}

/** Refuses every parameter in `checks` whose value is set (not undefined). */
export function refuseIfSet(target: string, checks: Record<string, unknown>, detail?: string): void {
  for (const [param, value] of Object.entries(checks))
    if (value !== undefined) throw new UnsupportedParameterError(param, target, detail);
}

/** Joins the text of text parts. */
export const joinText = (parts: readonly { type: string; text?: string }[], separator = ''): string =>
  parts
    .filter((part) => part.type === 'text')
    .map((part) => part.text ?? '')
    .join(separator);

/** The client's name for a parameter the IR names alike in both client formats but spells apart. */
export const clientParam = (request: ChatRequest, openai: string, anthropic: string) =>
  request.sourceFormat === 'anthropic' ? anthropic : openai;
