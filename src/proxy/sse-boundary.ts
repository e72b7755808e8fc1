/**
 * Cuts a byte stream at Server-Sent-Event boundaries, so that what has been written to the client
 * always ends between two events. If the upstream then breaks off, the gateway can append an
 * error event that parses, instead of gluing it to half an event.
 */
export class SseBoundary {
  #pending: Buffer | undefined;
  readonly #separators: Buffer[];

  /** `separators`: what ends an event (SSE's blank lines by default; a newline for NDJSON). */
  constructor(separators: readonly string[] = ['\n\n', '\r\n\r\n']) {
    this.#separators = separators.map((separator) => Buffer.from(separator));
  }

  /** Returns the complete events now available (possibly empty); keeps any incomplete tail. */
  push(chunk: Buffer): Buffer {
    const data = this.#pending ? Buffer.concat([this.#pending, chunk]) : chunk;
    const end = Math.max(...this.#separators.map((separator) => endOfLast(data, separator)));
    if (end === data.length) {
      this.#pending = undefined;
      return data;
    }
    this.#pending = data.subarray(end);
    return data.subarray(0, end);
  }

  /** Whatever is left when the stream ends normally (a final event without its blank line). */
  flush(): Buffer | undefined {
    const rest = this.#pending;
    this.#pending = undefined;
    return rest;
  }
}

function endOfLast(data: Buffer, separator: Buffer): number {
  const at = data.lastIndexOf(separator);
  return at < 0 ? 0 : at + separator.length;
}
