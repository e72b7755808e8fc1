import type { TokenUsage } from '../../catalog/types.ts';
import { tokenCount } from '../../catalog/types.ts';
import { isObject } from '../common/json.ts';
import {
  eventData,
  eventEnd,
  eventStart,
  firstStringValue,
  lastObjectValue,
  objectKey,
  objectKeyAt,
} from '../common/sse.ts';
import type { ResponseUsage, StreamUsage } from '../types.ts';
import type { OpenAIChatUsage } from './wire.ts';

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
  if (reasoning > 0 && usage.total_tokens === tokens.inputTokens + tokens.outputTokens + reasoning)
    tokens.outputTokens += reasoning;
  return tokens;
}

const USAGE_KEY = Buffer.from('"usage":');
const USAGE_OBJECT = objectKey('usage');
const MODEL_KEY = Buffer.from('"model":"');
const SERVICE_TIER_KEY = Buffer.from('"service_tier":"');

/** The tiers priced apart from the list price; `default`/`auto` are the list price. */
const PRICED_TIERS = new Set(['flex', 'priority']);

/**
 * The usage (and model) of a whole JSON answer, reading only those two fields rather than parsing
 * the whole body: this runs on every answer. Keys inside string values are escaped (`\"usage\"`),
 * so the last unescaped `"usage":` is the answer's own.
 */
export function usageOfResponse(body: Buffer): ResponseUsage | undefined {
  const usage = lastObjectValue(body, USAGE_KEY);
  const tokens = usage ? tokenUsageOf({ usage }) : undefined;
  if (!tokens) return undefined;
  const tier = firstStringValue(body, SERVICE_TIER_KEY);
  if (tier !== undefined && PRICED_TIERS.has(tier)) tokens.serviceTier = tier;
  return { usage: tokens, model: firstStringValue(body, MODEL_KEY) };
}

/**
 * Watches an OpenAI-format SSE stream for its usage, given whole events at a time. When the
 * gateway asked for usage on the client's behalf (`stream_options.include_usage`), it also removes
 * the usage-only chunk the client did not ask for, leaving every other byte as the provider sent it.
 */
export class StreamUsageReader implements StreamUsage {
  usage: TokenUsage | undefined;
  model: string | undefined;
  readonly #stripUsageChunk: boolean;

  constructor(stripUsageChunk: boolean) {
    this.#stripUsageChunk = stripUsageChunk;
  }

  /** Takes whole SSE events; returns the bytes to pass on. */
  events(bytes: Buffer): Buffer {
    let at = objectKeyAt(bytes, USAGE_OBJECT, 0);
    if (at < 0) return bytes; // the hot path: most chunks carry no usage
    const kept: Buffer[] = [];
    let keptUpTo = 0;
    while (at >= 0) {
      const start = eventStart(bytes, at);
      const end = eventEnd(bytes, at);
      const chunk = eventData(bytes.subarray(start, end).toString('utf8'));
      if (chunk) {
        this.usage = tokenUsageOf(chunk) ?? this.usage;
        if (this.usage && typeof chunk.service_tier === 'string' && PRICED_TIERS.has(chunk.service_tier))
          this.usage.serviceTier = chunk.service_tier;
        if (typeof chunk.model === 'string') this.model = chunk.model;
        if (this.#stripUsageChunk && Array.isArray(chunk.choices) && chunk.choices.length === 0) {
          kept.push(bytes.subarray(keptUpTo, start));
          keptUpTo = end;
        }
      }
      at = objectKeyAt(bytes, USAGE_OBJECT, end);
    }
    if (keptUpTo === 0) return bytes;
    kept.push(bytes.subarray(keptUpTo));
    return Buffer.concat(kept);
  }
}

/** OpenAI counts cached tokens inside prompt_tokens and reasoning inside completion_tokens, as we do. */
export function openAIUsageToTokenUsage(usage: OpenAIChatUsage): TokenUsage {
  return {
    inputTokens: tokenCount(usage.prompt_tokens),
    cachedInputTokens: tokenCount(usage.prompt_tokens_details?.cached_tokens),
    outputTokens: tokenCount(usage.completion_tokens),
    reasoningTokens: tokenCount(usage.completion_tokens_details?.reasoning_tokens),
  };
}
