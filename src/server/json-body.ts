import { InvalidRequestError } from '../errors.ts';

/** Deeper than any real request (tool schemas nest a few dozen levels); re-serialising deeper overflows the stack. */
const MAX_JSON_DEPTH = 128;
/** Smaller bodies are parsed whole: one JSON.parse costs less than a scan and several small ones. */
const SCAN_FROM_BYTES = 8192;
/** Top-level arrays and objects at least this long are parsed when first read. */
const LAZY_VALUE_BYTES = 1024;

/**
 * Parses a JSON request body into an object, or explains why it is not one.
 *
 * A large body (a coding agent's conversation: 100 KB and more) is read by one scan that finds its
 * top-level members; its long arrays and objects (`messages`, `tools`, `input`) are parsed only
 * when something reads them. A request passed through to a provider of its own format reads only
 * `model`, `stream` and a few small fields, so its conversation is never parsed (JSON.parse of a
 * 66 KB agent request cost 150 µs). Such a value that turns out not to be JSON throws the same
 * `400 invalid_json` when read; one never read goes to the provider as the client sent it, and the
 * provider answers it. Anything the scan does not follow is parsed whole, as a small body is.
 */
export function parseJsonBody(raw: Buffer): Record<string, unknown> {
  if (raw.length >= SCAN_FROM_BYTES) {
    const members = topLevelMembers(raw);
    if (members) return lazyObject(raw, members);
  }
  if (nestingExceeds(raw, MAX_JSON_DEPTH)) throw tooDeep();
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch {
    throw notJson();
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidRequestError('invalid_body', 'The request body must be a JSON object.');
  }
  return value as Record<string, unknown>;
}

// The parser's message quotes the body, which may hold secrets: it is never echoed.
const notJson = () => new InvalidRequestError('invalid_json', 'The request body is not valid JSON.');
const tooDeep = () =>
  new InvalidRequestError('invalid_json', `The request body nests deeper than ${MAX_JSON_DEPTH} levels.`);

const isSpace = (byte: number | undefined) => byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;

/** The index of the quote that closes the string opening at `at`: the next one after an even number of backslashes. */
function stringEnd(raw: Buffer, at: number): number {
  let i = at;
  for (;;) {
    i = raw.indexOf(0x22 /* " */, i + 1);
    if (i < 0) return -1;
    let backslashes = 0;
    while (raw[i - 1 - backslashes] === 0x5c /* \ */) backslashes++;
    if (backslashes % 2 === 0) return i;
  }
}

/**
 * Whether JSON text opens more than `max` objects/arrays at once: one pass over the bytes between
 * strings, each string skipped with indexOf to its closing quote (an agent's body is mostly
 * string: 3-4x faster than looking at every byte, measured on a 100 KB body).
 */
function nestingExceeds(raw: Buffer, max: number): boolean {
  let depth = 0;
  for (let i = 0; i < raw.length; i++) {
    const byte = raw[i];
    if (byte === 0x22) {
      i = stringEnd(raw, i);
      if (i < 0) return false; // unterminated: JSON.parse refuses it
    } else if (byte === 0x7b /* { */ || byte === 0x5b /* [ */) {
      if (++depth > max) return true;
    } else if (byte === 0x7d /* } */ || byte === 0x5d /* ] */) depth--;
  }
  return false;
}

// Where the scan is among the top-level object's members.
/** After `{`: a key or `}`. */
const OPEN = 0;
/** After `,`: a key. */
const KEY = 1;
const COLON = 2;
const VALUE_START = 3;
const VALUE = 4;

/**
 * The top-level members of a body that is one JSON object, as [keyStart, keyEnd, valueStart,
 * valueEnd] spans, found in the same pass that checks the nesting depth (strings skipped by
 * indexOf). Undefined for anything else (another value, text that is not JSON): parsed whole.
 */
function topLevelMembers(raw: Buffer): number[] | undefined {
  const spans: number[] = [];
  let i = 0;
  while (isSpace(raw[i])) i++;
  if (raw[i] !== 0x7b) return undefined;
  let depth = 1;
  let at: number = OPEN;
  let keyStart = 0;
  let keyEnd = 0;
  let valueStart = 0;
  for (i++; i < raw.length; i++) {
    const byte = raw[i] as number;
    if (byte === 0x22) {
      const start = i;
      i = stringEnd(raw, i);
      if (i < 0) return undefined;
      if (depth > 1) continue;
      if (at === OPEN || at === KEY) {
        keyStart = start;
        keyEnd = i + 1;
        at = COLON;
      } else if (at === VALUE_START) {
        valueStart = start;
        at = VALUE;
      } else if (at !== VALUE) return undefined;
      continue;
    }
    if (isSpace(byte)) continue;
    if (depth === 1) {
      if (at === COLON) {
        if (byte !== 0x3a /* : */) return undefined;
        at = VALUE_START;
        continue;
      }
      if (at === VALUE_START) {
        valueStart = i;
        at = VALUE;
      } else if (at === VALUE && (byte === 0x2c /* , */ || byte === 0x7d)) {
        spans.push(keyStart, keyEnd, valueStart, i);
        if (byte === 0x2c) {
          at = KEY;
          continue;
        }
        depth = 0;
        break;
      } else if (at === OPEN && byte === 0x7d) {
        depth = 0;
        break;
      } else if (at !== VALUE) return undefined;
    }
    if (byte === 0x7b || byte === 0x5b) {
      if (++depth > MAX_JSON_DEPTH) throw tooDeep();
    } else if ((byte === 0x7d || byte === 0x5d) && --depth < 1) return undefined;
  }
  if (depth !== 0) return undefined;
  for (i++; i < raw.length; i++) if (!isSpace(raw[i])) return undefined;
  return spans;
}

/** One JSON value of the body, from `start` to `end`. */
function parsePart(raw: Buffer, start: number, end: number): unknown {
  try {
    return JSON.parse(raw.toString('utf8', start, end));
  } catch {
    throw notJson();
  }
}

/** Defined rather than assigned: a `__proto__` key is an own property, as JSON.parse makes it. */
const define = (object: object, key: string, value: unknown) =>
  Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });

function lazyObject(raw: Buffer, spans: number[]): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (let m = 0; m < spans.length; m += 4) {
    const key = parsePart(raw, spans[m] as number, spans[m + 1] as number) as string;
    const start = spans[m + 2] as number;
    const end = spans[m + 3] as number;
    const first = raw[start];
    if (end - start < LAZY_VALUE_BYTES || (first !== 0x5b && first !== 0x7b)) {
      define(object, key, parsePart(raw, start, end));
      continue;
    }
    // Read or written, it becomes a plain property.
    Object.defineProperty(object, key, {
      enumerable: true,
      configurable: true,
      get() {
        const value = parsePart(raw, start, end);
        define(object, key, value);
        return value;
      },
      set(value: unknown) {
        define(object, key, value);
      },
    });
  }
  return object;
}
