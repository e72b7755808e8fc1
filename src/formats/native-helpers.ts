/**
 * Small pieces the native provider formats (Bedrock, Cohere, Replicate) share on top of
 * `shared.ts`: reading untyped JSON defensively, images as bytes or URLs, refusing what a format
 * cannot express, and thinking budgets.
 */
import { UnsupportedParameterError } from '../errors.ts';
import type { ChatRequest, ImageSource, ReasoningEffort } from './ir.ts';
import { dataUrl, parseDataUrl } from './shared.ts';

export type Json = Record<string, unknown>;

export const isRecord = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

export const asRecord = (value: unknown): Json => (isRecord(value) ? value : {});

export const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

export const asString = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

export const asNumber = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

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

/** An image as a URL a provider can fetch or decode: remote URLs as they are, bytes as a data URL. */
export const imageAsUrl = (source: ImageSource): string => (source.kind === 'url' ? source.url : dataUrl(source.mediaType, source.data));

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
  for (const [param, value] of Object.entries(checks)) if (value !== undefined) throw new UnsupportedParameterError(param, target, detail);
}

/**
 * Thinking budgets for OpenAI-style efforts: the same as the Anthropic builder's
 * (anthropic/chat.ts), so Claude thinks alike whether reached directly or through Bedrock.
 */
const EFFORT_BUDGET: Record<ReasoningEffort, number> = { minimal: 1024, low: 1024, medium: 4096, high: 16384 };

/**
 * The thinking budget a request asks for: its own budget, else its effort's; capped at half of
 * `maxTokens`, which covers the thinking too and must leave room for the answer.
 */
export function thinkingBudgetOf(request: ChatRequest, target: string): number | undefined {
  const reasoning = request.reasoning;
  if (!reasoning) return undefined;
  const wanted = reasoning.budgetTokens ?? EFFORT_BUDGET[reasoning.effort ?? 'medium'];
  if (request.maxTokens === undefined) return wanted;
  if (request.maxTokens <= 1024) {
    throw new UnsupportedParameterError(request.sourceFormat === 'openai' ? 'max_completion_tokens' : 'max_tokens', target, 'with reasoning it must exceed 1024 (the smallest thinking budget)');
  }
  return Math.max(1024, Math.min(wanted, Math.floor(request.maxTokens / 2)));
}

/** Joins the text of text parts. */
export const joinText = (parts: readonly { type: string; text?: string }[], separator = ''): string =>
  parts
    .filter((part) => part.type === 'text')
    .map((part) => part.text ?? '')
    .join(separator);

/** The client's name for a parameter the IR names alike in both client formats but spells apart. */
export const clientParam = (request: ChatRequest, openai: string, anthropic: string) => (request.sourceFormat === 'anthropic' ? anthropic : openai);
