const EMPTY = Buffer.alloc(0);
const SSE_SEPARATORS: readonly string[] = ['\n\n', '\r\n\r\n'];

/** A framing's separators as bytes, and how many bytes of a previous chunk one may start in. */
interface Separators {
  bytes: readonly Buffer[];
  overlap: number;
}

/** Built once per framing (its separators are a constant list), not once per stream. */
const SEPARATORS = new WeakMap<readonly string[], Separators>();

function separatorsOf(separators: readonly string[]): Separators {
  let found = SEPARATORS.get(separators);
  if (!found) {
    const bytes = separators.map((separator) => Buffer.from(separator));
    found = { bytes, overlap: Math.max(...bytes.map((separator) => separator.length)) - 1 };
    SEPARATORS.set(separators, found);
  }
  return found;
}

/** One event grew past the limit without ending: the stream cannot be relayed event by event. */
export class SseEventTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`an SSE event over ${limit} bytes`);
  }
}

/**
 * Cuts a byte stream at Server-Sent-Event boundaries, so that what has been written to the client
 * always ends between two events. If the upstream then breaks off, the gateway can append an
 * error event that parses, instead of gluing it to half an event.
 *
 * Linear in the bytes pushed: each chunk is scanned once (plus the few bytes of the previous one a
 * separator may straddle), and an incomplete event is kept as a list of chunks, never re-joined
 * until it ends. One event may not exceed `maxEventBytes`.
 */
export class SseBoundary {
  readonly #maxEventBytes: number;
  readonly #separators: Separators;
  #pending: Buffer[] = [];
  #pendingBytes = 0;

  /** `separators`: what ends an event (SSE's blank lines by default; a newline for NDJSON). */
  constructor(maxEventBytes = Number.POSITIVE_INFINITY, separators: readonly string[] = SSE_SEPARATORS) {
    this.#maxEventBytes = maxEventBytes;
    this.#separators = separatorsOf(separators);
  }

  /** Returns the complete events now available (possibly empty); keeps any incomplete tail. */
  push(chunk: Buffer): Buffer {
    const { bytes: separators, overlap: maxOverlap } = this.#separators;
    const overlap = Math.min(maxOverlap, this.#pendingBytes);
    const window = overlap ? Buffer.concat([this.#tail(overlap), chunk]) : chunk;
    let end = 0;
    for (const separator of separators) end = Math.max(end, endOfLast(window, separator));
    end -= overlap;
    // The usual chunk: whole events and nothing pending, passed on as it came.
    if (end === chunk.length && this.#pendingBytes === 0) return chunk;
    if (end <= 0) {
      this.#pending.push(chunk);
      this.#pendingBytes += chunk.length;
      if (this.#pendingBytes > this.#maxEventBytes) throw new SseEventTooLarge(this.#maxEventBytes);
      return EMPTY;
    }
    const complete = this.#pending.length
      ? Buffer.concat([...this.#pending, chunk.subarray(0, end)])
      : chunk.subarray(0, end);
    const rest = chunk.subarray(end);
    this.#pending = rest.length ? [rest] : [];
    this.#pendingBytes = rest.length;
    return complete;
  }

  /** Whatever is left when the stream ends normally (a final event without its blank line). */
  flush(): Buffer | undefined {
    const rest = this.#pendingBytes ? Buffer.concat(this.#pending) : undefined;
    this.#pending = [];
    this.#pendingBytes = 0;
    return rest;
  }

  /** The last `length` pending bytes. */
  #tail(length: number): Buffer {
    const parts: Buffer[] = [];
    let have = 0;
    for (let i = this.#pending.length - 1; i >= 0 && have < length; i--) {
      const part = this.#pending[i] as Buffer;
      const take = part.subarray(Math.max(0, part.length - (length - have)));
      parts.unshift(take);
      have += take.length;
    }
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
  }
}

function endOfLast(data: Buffer, separator: Buffer): number {
  const at = data.lastIndexOf(separator);
  return at < 0 ? 0 : at + separator.length;
}
