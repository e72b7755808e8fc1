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
import type { AnthropicUsage } from './wire.ts';

const USAGE_KEY = Buffer.from('"usage":');
const USAGE_OBJECT = objectKey('usage');
const MODEL_KEY = Buffer.from('"model":"');

/** The usage of a whole Messages API answer (its last `usage` object is the message's own). */
export function usageOfResponse(body: Buffer): ResponseUsage | undefined {
  const usage = lastObjectValue(body, USAGE_KEY);
  return usage
    ? { usage: anthropicUsageToTokenUsage(usage as AnthropicUsage), model: firstStringValue(body, MODEL_KEY) }
    : undefined;
}

/**
 * Reads a Messages API stream's usage: `message_start` carries the input side (and the model),
 * each `message_delta` the running totals, which replace what came before. Events pass unchanged.
 */
export class StreamUsageReader implements StreamUsage {
  model: string | undefined;
  #usage: AnthropicUsage | undefined;

  get usage(): TokenUsage | undefined {
    return this.#usage ? anthropicUsageToTokenUsage(this.#usage) : undefined;
  }

  events(bytes: Buffer): Buffer {
    for (let at = objectKeyAt(bytes, USAGE_OBJECT, 0); at >= 0; ) {
      const end = eventEnd(bytes, at);
      const event = eventData(bytes.subarray(eventStart(bytes, at), end).toString('utf8'));
      if (event?.type === 'message_start' && isObject(event.message)) {
        if (typeof event.message.model === 'string') this.model = event.message.model;
        if (isObject(event.message.usage)) this.#usage = { ...event.message.usage };
      } else if (event?.type === 'message_delta' && isObject(event.usage)) {
        this.#usage = { ...this.#usage, ...stripNulls(event.usage) };
      }
      at = objectKeyAt(bytes, USAGE_OBJECT, end);
    }
    return bytes;
  }
}

function stripNulls(usage: Record<string, unknown>): AnthropicUsage {
  return Object.fromEntries(Object.entries(usage).filter(([, value]) => value !== null)) as AnthropicUsage;
}

/** Anthropic's input_tokens EXCLUDES cache reads and writes; they are added back here. */
export function anthropicUsageToTokenUsage(usage: AnthropicUsage): TokenUsage {
  const cacheRead = tokenCount(usage.cache_read_input_tokens);
  const cacheWrite = tokenCount(usage.cache_creation_input_tokens);
  // 1-hour cache writes and the priority/batch tiers are priced apart (catalog/cost.ts).
  const cacheWrite1h = tokenCount(usage.cache_creation?.ephemeral_1h_input_tokens);
  const tier = usage.service_tier;
  return {
    inputTokens: tokenCount(usage.input_tokens) + cacheRead + cacheWrite,
    cachedInputTokens: cacheRead,
    cacheWriteInputTokens: cacheWrite,
    outputTokens: tokenCount(usage.output_tokens),
    ...(cacheWrite1h > 0 ? { cacheWrite1hInputTokens: cacheWrite1h } : {}),
    ...(typeof tier === 'string' && tier !== 'standard' ? { serviceTier: tier } : {}),
  };
}
