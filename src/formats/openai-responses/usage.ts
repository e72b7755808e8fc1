/** Where usage hides in Responses API answers relayed untranslated: the response's `usage`, and `response.completed`'s. */
import type { TokenUsage } from '../../catalog/types.ts';
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
import { tokenUsageOf } from './response.ts';

const USAGE_KEY = Buffer.from('"usage":');
const USAGE_OBJECT = objectKey('usage');
const MODEL_KEY = Buffer.from('"model":"');

/**
 * The usage of a whole response object: its own `usage` comes after its output (whose text has
 * any key escaped), so the last unescaped `"usage":{` is it.
 */
export function usageOfResponse(body: Buffer): ResponseUsage | undefined {
  const usage = tokenUsageOf(lastObjectValue(body, USAGE_KEY));
  return usage ? { usage, model: firstStringValue(body, MODEL_KEY) } : undefined;
}

/**
 * Reads a Responses stream's usage from its final lifecycle event (`response.completed`,
 * `response.incomplete`, `response.failed`), which carries the response with its usage. Only
 * events holding a `"usage":{` are parsed; every byte passes unchanged. The Responses API always
 * reports usage: there is nothing to ask for and nothing to strip.
 */
export class StreamUsageReader implements StreamUsage {
  usage: TokenUsage | undefined;
  model: string | undefined;

  events(bytes: Buffer): Buffer {
    for (let at = objectKeyAt(bytes, USAGE_OBJECT, 0); at >= 0; ) {
      const end = eventEnd(bytes, at);
      const event = eventData(bytes.subarray(eventStart(bytes, at), end).toString('utf8'));
      const response = isObject(event?.response) ? event.response : undefined;
      const usage = tokenUsageOf(response?.usage);
      if (usage) {
        this.usage = usage;
        if (typeof response?.model === 'string') this.model = response.model;
      }
      at = objectKeyAt(bytes, USAGE_OBJECT, end);
    }
    return bytes;
  }
}
