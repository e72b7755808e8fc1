/**
 * The framing of `application/vnd.amazon.eventstream`, cut from bytes that arrive in any chunks.
 * Each message is: a 12-byte prelude (total length, headers length, prelude CRC32), headers, a
 * payload and a CRC32 of everything before it. `@smithy/eventstream-codec` checks both CRCs and
 * parses the headers of one whole message; this class only finds where each message ends.
 */
import { EventStreamCodec, type Message } from '@smithy/eventstream-codec';

const PRELUDE_BYTES = 12;
const MINIMUM_MESSAGE_BYTES = 16;
/** The event-stream specification's ceiling on one message (16 MiB); a larger length is corruption. */
const MAXIMUM_MESSAGE_BYTES = 16 * 1024 * 1024;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
export const eventStreamCodec = new EventStreamCodec(
  (bytes) => decoder.decode(bytes),
  (text) => encoder.encode(text),
);

export type FramingResult = { messages: Message[]; error?: string };

/** Whole messages out of a byte stream. After an error it is done: nothing later can be trusted. */
export class EventStreamFramer {
  #pending: Buffer = Buffer.alloc(0);
  #failed = false;

  push(chunk: Uint8Array): FramingResult {
    if (this.#failed) return { messages: [] };
    this.#pending = this.#pending.length ? Buffer.concat([this.#pending, chunk]) : Buffer.from(chunk);
    const messages: Message[] = [];
    while (this.#pending.length >= PRELUDE_BYTES) {
      const total = this.#pending.readUInt32BE(0);
      if (total < MINIMUM_MESSAGE_BYTES || total > MAXIMUM_MESSAGE_BYTES)
        return this.#fail(messages, `a message declares an impossible length (${total} bytes)`);
      if (this.#pending.length < total) break;
      const frame = this.#pending.subarray(0, total);
      this.#pending = this.#pending.subarray(total);
      try {
        messages.push(eventStreamCodec.decode(frame));
      } catch (error) {
        return this.#fail(messages, (error as Error).message);
      }
    }
    return { messages };
  }

  /** The body ended; bytes left over are a message cut short. */
  end(): FramingResult {
    if (this.#failed || this.#pending.length === 0) return { messages: [] };
    return this.#fail([], `the stream ended inside a message (${this.#pending.length} bytes left over)`);
  }

  #fail(messages: Message[], error: string): FramingResult {
    this.#failed = true;
    this.#pending = Buffer.alloc(0);
    return { messages, error };
  }
}

/** A string header's value (`:event-type`, `:message-type`, …). */
export function headerString(message: Message, name: string): string | undefined {
  const header = message.headers[name];
  return header?.type === 'string' ? header.value : undefined;
}
