import { openAIUsageToTokenUsage, type OpenAIChatUsage } from '../catalog/cost.ts';
import type { TokenUsage } from '../catalog/types.ts';

/** The usage object of an OpenAI-format response or chunk (chat, completions, embeddings). */
export function tokenUsageOf(body: { usage?: unknown; x_groq?: { usage?: unknown } }): TokenUsage | undefined {
  const usage = (isObject(body.usage) ? body.usage : isObject(body.x_groq?.usage) ? body.x_groq.usage : undefined) as
    | (OpenAIChatUsage & { total_tokens?: number })
    | undefined;
  if (!usage) return undefined;
  const tokens = openAIUsageToTokenUsage(usage);
  const reasoning = tokens.reasoningTokens ?? 0;
  // Most providers count reasoning inside completion_tokens; some (xAI) outside it, which their
  // total_tokens gives away.
  if (reasoning > 0 && usage.total_tokens === tokens.inputTokens + tokens.outputTokens + reasoning) tokens.outputTokens += reasoning;
  return tokens;
}

const isObject = (value: unknown): value is object => typeof value === 'object' && value !== null;

const USAGE_KEY = Buffer.from('"usage":');
const MODEL_KEY = Buffer.from('"model":"');

/**
 * The usage (and model) of a whole JSON answer, reading only those two fields rather than parsing
 * the whole body: this runs on every answer. Keys inside string values are escaped (`\"usage\"`),
 * so the last unescaped `"usage":` is the answer's own.
 */
export function usageOfAnswer(body: Buffer): { usage: TokenUsage; model: string | undefined } | undefined {
  const key = body.lastIndexOf(USAGE_KEY);
  if (key < 0) return undefined;
  let start = key + USAGE_KEY.length;
  while (body[start] === 0x20) start++;
  const end = endOfJsonObject(body, start);
  if (end < 0) return undefined;
  const usage = tokenUsageOf({ usage: JSON.parse(body.subarray(start, end).toString('utf8')) });
  if (!usage) return undefined;
  const modelAt = body.indexOf(MODEL_KEY);
  const modelEnd = modelAt < 0 ? -1 : body.indexOf(0x22 /* " */, modelAt + MODEL_KEY.length);
  const model = modelEnd < 0 ? undefined : body.subarray(modelAt + MODEL_KEY.length, modelEnd).toString('utf8');
  return { usage, model };
}

/** The index just past the JSON object starting at `start`, or -1 when there is none. */
function endOfJsonObject(bytes: Buffer, start: number): number {
  if (bytes[start] !== 0x7b /* { */) return -1;
  let depth = 0;
  let inString = false;
  for (let i = start; i < bytes.length; i++) {
    const byte = bytes[i];
    if (inString) {
      if (byte === 0x5c /* \ */) i++;
      else if (byte === 0x22) inString = false;
    } else if (byte === 0x22) inString = true;
    else if (byte === 0x7b) depth++;
    else if (byte === 0x7d /* } */ && --depth === 0) return i + 1;
  }
  return -1;
}
const SEPARATORS = ['\n\n', '\r\n\r\n', '\r\r'].map((s) => Buffer.from(s));

/** Where the next `"usage":` key with an object value (not `"usage":null`) is, or -1. */
function usageObjectAt(bytes: Buffer, from: number): number {
  for (let at = bytes.indexOf(USAGE_KEY, from); at >= 0; at = bytes.indexOf(USAGE_KEY, at + 1)) {
    let next = at + USAGE_KEY.length;
    while (bytes[next] === 0x20) next++;
    if (bytes[next] === 0x7b /* { */) return at;
  }
  return -1;
}

/** Start of the SSE event holding byte `at`: just after the previous blank line. */
function eventStart(bytes: Buffer, at: number): number {
  let start = 0;
  for (const separator of SEPARATORS) {
    const found = bytes.lastIndexOf(separator, at);
    if (found >= 0) start = Math.max(start, found + separator.length);
  }
  return start;
}

/** End of the SSE event holding byte `at`: just after its blank line (or the end of the bytes). */
function eventEnd(bytes: Buffer, at: number): number {
  let end = bytes.length;
  for (const separator of SEPARATORS) {
    const found = bytes.indexOf(separator, at);
    if (found >= 0) end = Math.min(end, found + separator.length);
  }
  return end;
}

/**
 * Watches an OpenAI-format SSE stream for its usage, given whole events at a time. When the
 * gateway asked for usage on the client's behalf (`stream_options.include_usage`), it also removes
 * the usage-only chunk the client did not ask for, leaving every other byte as the provider sent it.
 */
export class OpenAIStreamUsage {
  usage: TokenUsage | undefined;
  model: string | undefined;
  readonly #stripUsageChunk: boolean;

  constructor(stripUsageChunk: boolean) {
    this.#stripUsageChunk = stripUsageChunk;
  }

  /** Takes whole SSE events; returns the bytes to pass on. */
  events(bytes: Buffer): Buffer {
    let at = usageObjectAt(bytes, 0);
    if (at < 0) return bytes; // the hot path: most chunks carry no usage
    const kept: Buffer[] = [];
    let keptUpTo = 0;
    while (at >= 0) {
      const start = eventStart(bytes, at);
      const end = eventEnd(bytes, at);
      const chunk = parseData(bytes.subarray(start, end).toString('utf8'));
      if (chunk) {
        this.usage = tokenUsageOf(chunk) ?? this.usage;
        if (typeof chunk.model === 'string') this.model = chunk.model;
        if (this.#stripUsageChunk && Array.isArray(chunk.choices) && chunk.choices.length === 0) {
          kept.push(bytes.subarray(keptUpTo, start));
          keptUpTo = end;
        }
      }
      at = usageObjectAt(bytes, end);
    }
    if (keptUpTo === 0) return bytes;
    kept.push(bytes.subarray(keptUpTo));
    return Buffer.concat(kept);
  }
}

/** The JSON of an event's `data:` lines, if it has any and they parse. */
function parseData(event: string): Record<string, any> | undefined {
  const data = event
    .split(/\r\n|\n|\r/)
    .filter((line) => line.startsWith('data:'))
    .map((line) => line.slice(line.startsWith('data: ') ? 6 : 5))
    .join('\n');
  try {
    const value = JSON.parse(data);
    return isObject(value) ? (value as Record<string, any>) : undefined;
  } catch {
    return undefined;
  }
}
