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

/** True when the bytes hold a `"usage":` key with an object value (not `"usage":null`). */
function hasUsageObject(bytes: Buffer): boolean {
  for (let at = bytes.indexOf(USAGE_KEY); at >= 0; at = bytes.indexOf(USAGE_KEY, at + 1)) {
    let next = at + USAGE_KEY.length;
    while (bytes[next] === 0x20) next++;
    if (bytes[next] === 0x7b /* { */) return true;
  }
  return false;
}

const EVENT = /[\s\S]*?(?:\r\n\r\n|\n\n|\r\r)/g;

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
    if (!hasUsageObject(bytes)) return bytes; // the hot path: most chunks carry no usage
    const text = bytes.toString('utf8');
    const events = text.match(EVENT) ?? [];
    // A final event without its blank line (stream end) is kept as it is.
    const rest = text.slice(events.reduce((length, event) => length + event.length, 0));
    let kept = '';
    let dropped = false;
    for (const event of events) {
      const chunk = hasUsageObject(Buffer.from(event)) ? parseData(event) : undefined;
      if (chunk) {
        this.usage = tokenUsageOf(chunk) ?? this.usage;
        if (typeof chunk.model === 'string') this.model = chunk.model;
        if (this.#stripUsageChunk && Array.isArray(chunk.choices) && chunk.choices.length === 0) {
          dropped = true;
          continue;
        }
      }
      kept += event;
    }
    return dropped ? Buffer.from(kept + rest) : bytes;
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
