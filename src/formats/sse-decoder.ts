import { createParser, type EventSourceMessage } from 'eventsource-parser';

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
