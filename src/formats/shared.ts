/** Small helpers every wire-format translator uses. */
import { GatewayError, InvalidRequestError, UnsupportedParameterError } from '../errors.ts';
import type { ChatRequest, ImageSource, Message, ReasoningEffort, StreamEvent, UpstreamErrorInfo } from './ir.ts';
import { isObject } from './sse.ts';

export { isObject };

/** `data:image/png;base64,AAAA` → its media type and base64 data; undefined for other URLs. */
export function parseDataUrl(url: string): { mediaType: string; data: string } | undefined {
  const match = /^data:([^;,]+)(;[^,]*)?,(.*)$/s.exec(url);
  if (!match) return undefined;
  if (!(match[2] ?? '').split(';').includes('base64')) {
    throw new InvalidRequestError('invalid_data_url', 'Data URLs must be base64-encoded (data:<type>;base64,<data>).');
  }
  return { mediaType: match[1] as string, data: match[3] as string };
}

export function imageSourceOfUrl(url: string): ImageSource {
  const inline = parseDataUrl(url);
  return inline ? { kind: 'base64', ...inline } : { kind: 'url', url };
}

export const dataUrl = (mediaType: string, data: string) => `data:${mediaType};base64,${data}`;

/** An image as a URL a provider can fetch or decode: remote URLs as they are, bytes as a data URL. */
export const imageAsUrl = (source: ImageSource): string =>
  source.kind === 'url' ? source.url : dataUrl(source.mediaType, source.data);

/**
 * Refuses the client's parameters the IR could not carry, unless the target speaks the client's
 * own format (then they go into the body as they are): never dropped silently.
 */
export function unmappedFor(
  request: ChatRequest,
  targetFormat: 'openai' | 'anthropic' | string,
  targetName: string,
): Record<string, unknown> {
  const names = Object.keys(request.unmapped);
  if (names.length === 0) return {};
  if (request.sourceFormat === targetFormat) return request.unmapped;
  throw new UnsupportedParameterError(names[0] as string, targetName);
}

/** Merges consecutive messages of the same role (Anthropic requires strict alternation). */
export function mergeTurns(messages: Message[]): Message[] {
  const merged: Message[] = [];
  for (const message of messages) {
    const last = merged.at(-1);
    if (last && last.role === message.role) (last.content as unknown[]).push(...message.content);
    else merged.push({ role: message.role, content: [...message.content] } as Message);
  }
  return merged;
}

/** Parses tool-call arguments (JSON text) into the object formats like Anthropic's want. */
export function parseArguments(text: string, where: string): Record<string, unknown> {
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

/** A JSON answer body as an object, or a 502 naming the provider's format. */
export function parseAnswer(body: Buffer, format: string): Record<string, any> {
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

/** The error type names the OpenAI SDKs and docs use, by status. */
export function errorTypeOf(status: number): GatewayError['type'] {
  if (status === 401 || status === 403) return 'authentication_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  return status >= 500 ? 'api_error' : 'invalid_request_error';
}

/** A stream event reporting that the provider's stream stopped before saying it was complete. */
export const incompleteStream = (format: string): StreamEvent => ({
  type: 'error',
  status: 502,
  code: 'upstream_stream_incomplete',
  message: `The provider's ${format} stream ended before the answer was complete.`,
});

/**
 * A provider's error body as an UpstreamErrorInfo: `read` picks the message out of the parsed JSON;
 * a body that is not JSON, or has no message, is quoted.
 */
export function errorInfoOf(body: Buffer, read: (parsed: unknown) => UpstreamErrorInfo | undefined): UpstreamErrorInfo {
  try {
    const info = read(JSON.parse(body.toString('utf8')));
    if (info) return info;
  } catch {
    // not JSON: quote it
  }
  return { message: excerpt(body) || 'The provider answered with an error and no message.' };
}

/** A short, single-line excerpt of an unparseable error body, for the client's error message. */
export function excerpt(body: Buffer): string {
  const text = body.toString('utf8').replace(/\s+/g, ' ').trim();
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** One SSE event carrying JSON, optionally named. */
export const sseEvent = (data: unknown, event?: string) =>
  `${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`;

export const optionalNumber = (value: unknown, param: string): number | undefined => {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new InvalidRequestError('invalid_parameter', `'${param}' must be a number.`, param);
  return value;
};

/**
 * Thinking budgets for OpenAI-style efforts (Anthropic's minimum budget is 1024), one table for
 * every format with budgets, so Claude thinks alike whether reached directly or through Bedrock.
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
    throw new UnsupportedParameterError(
      request.sourceFormat === 'openai' ? 'max_completion_tokens' : 'max_tokens',
      target,
      'with reasoning it must exceed 1024 (the smallest thinking budget)',
    );
  }
  return Math.max(1024, Math.min(wanted, Math.floor(request.maxTokens / 2)));
}
