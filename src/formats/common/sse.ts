/**
 * Server-sent events: splitting a provider's stream into events (`SseEventReader`), writing one
 * (`sseEvent`), and byte-level helpers that read a few fields out of events and JSON bodies without
 * parsing them whole (the pass-through relay's usage readers).
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { isObject, type Json } from './json.ts';

/**
 * Splits a provider's SSE byte stream into events, whatever the chunking (events and even UTF-8
 * characters may be cut anywhere). `onEvent` gets each complete event; what it returns is collected.
 */
export class SseEventReader<T> {
  readonly #decoder = new TextDecoder();
  readonly #parser;
  #out: T[] = [];

  constructor(onEvent: (event: EventSourceMessage) => T[]) {
    this.#parser = createParser({ onEvent: (event) => this.#out.push(...onEvent(event)) });
  }

  push(chunk: Uint8Array): T[] {
    this.#parser.feed(this.#decoder.decode(chunk, { stream: true }));
    return this.#take();
  }

  /** The body ended: a last event without its blank line still counts. */
  end(): T[] {
    this.#parser.feed(`${this.#decoder.decode()}\n\n`);
    return this.#take();
  }

  #take(): T[] {
    const out = this.#out;
    this.#out = [];
    return out;
  }
}

/** One SSE event carrying JSON, optionally named. */
export const sseEvent = (data: unknown, event?: string) =>
  `${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`;

const SEPARATORS = ['\n\n', '\r\n\r\n', '\r\r'].map((s) => Buffer.from(s));

/**
 * A JSON key followed by an object value, as the bytes to look for: `"<name>":{`, and
 * `"<name>": {` as some providers space it. A `"usage":null` in every chunk is then no match at all.
 */
export interface ObjectKey {
  readonly compact: Buffer;
  readonly spaced: Buffer;
}

export const objectKey = (name: string): ObjectKey => ({
  compact: Buffer.from(`"${name}":{`),
  spaced: Buffer.from(`"${name}": {`),
});

/** Where the next `"<key>":` with an object value (not null) is, at or after `from`, or -1. */
export function objectKeyAt(bytes: Buffer, key: ObjectKey, from: number): number {
  const compact = bytes.indexOf(key.compact, from);
  const spaced = bytes.indexOf(key.spaced, from);
  return compact < 0 ? spaced : spaced < 0 ? compact : Math.min(compact, spaced);
}

/** Start of the SSE event holding byte `at`: just after the previous blank line. */
export function eventStart(bytes: Buffer, at: number): number {
  let start = 0;
  for (const separator of SEPARATORS) {
    const found = bytes.lastIndexOf(separator, at);
    if (found >= 0) start = Math.max(start, found + separator.length);
  }
  return start;
}

/** End of the SSE event holding byte `at`: just after its blank line (or the end of the bytes). */
export function eventEnd(bytes: Buffer, at: number): number {
  let end = bytes.length;
  for (const separator of SEPARATORS) {
    const found = bytes.indexOf(separator, at);
    if (found >= 0) end = Math.min(end, found + separator.length);
  }
  return end;
}

/** The JSON object of an event's `data:` lines, if it has one and it parses. */
export function eventData(event: string): Json | undefined {
  // The usual event is one `data:` line (perhaps after an `event:` line), parsed as it is (JSON
  // skips the blank line after it); any other is joined line by line first.
  const at = event.startsWith('data:') ? 0 : event.indexOf('\ndata:') + 1;
  if (at > 0 || event.startsWith('data:')) {
    const newline = event.indexOf('\n', at);
    if (newline < 0 || newline >= event.trimEnd().length) {
      const value = jsonObject(event.slice(at + (event.startsWith('data: ', at) ? 6 : 5)));
      if (value) return value;
    }
  }
  return jsonObject(
    event
      .split(/\r\n|\n|\r/)
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(line.startsWith('data: ') ? 6 : 5))
      .join('\n'),
  );
}

function jsonObject(text: string): Json | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? (value as Json) : undefined;
  } catch {
    return undefined;
  }
}

/** The JSON object value of the last `"<key>":{…}` in `body`, parsed alone. Keys inside strings are escaped, so never match. */
export function lastObjectValue(body: Buffer, key: Buffer): Json | undefined {
  const at = body.lastIndexOf(key);
  if (at < 0) return undefined;
  let start = at + key.length;
  while (body[start] === 0x20) start++;
  const end = endOfJsonObject(body, start);
  if (end < 0) return undefined;
  try {
    return JSON.parse(body.subarray(start, end).toString('utf8')) as Json;
  } catch {
    return undefined;
  }
}

/** The first `"<key>":"…"` string value in `body` (no escapes expected: model ids). */
export function firstStringValue(body: Buffer, key: Buffer): string | undefined {
  const at = body.indexOf(key);
  if (at < 0) return undefined;
  const end = body.indexOf(0x22 /* " */, at + key.length);
  return end < 0 ? undefined : body.subarray(at + key.length, end).toString('utf8');
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
