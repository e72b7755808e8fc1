import type { CacheStore } from './store.ts';

interface Held {
  /**
   * The value's bytes as a one-byte (latin1) string: one object on the JS heap, copied in and
   * out without decoding. Held as Buffers, each entry's external memory is tracked and swept
   * by the GC separately, which cost a cache miss more than everything else it does.
   */
  value: string;
  expiresAt: number;
}

/**
 * Cached answers in this process, at most `maxBytes` of them (the value's bytes and the key's
 * characters): the least recently used go first. A Map keeps insertion order, so re-inserting
 * on every read makes its first entry the least recently used.
 */
export class MemoryCacheStore implements CacheStore {
  readonly #entries = new Map<string, Held>();
  readonly #maxBytes: number;
  readonly #now: () => number;
  #bytes = 0;

  constructor(maxBytes: number, now: () => number = Date.now) {
    this.#maxBytes = maxBytes;
    this.#now = now;
  }

  async get(key: string): Promise<Buffer | undefined> {
    const held = this.#entries.get(key);
    if (!held) return undefined;
    this.#entries.delete(key);
    if (held.expiresAt <= this.#now()) {
      this.#bytes -= key.length + held.value.length;
      return undefined;
    }
    this.#entries.set(key, held);
    return Buffer.from(held.value, 'latin1');
  }

  async set(key: string, value: Buffer, ttlS: number): Promise<void> {
    this.#remove(key);
    const size = key.length + value.length;
    if (size > this.#maxBytes) return;
    while (this.#bytes + size > this.#maxBytes) {
      const oldest = this.#entries.keys().next().value as string;
      this.#remove(oldest);
    }
    this.#entries.set(key, { value: value.toString('latin1'), expiresAt: this.#now() + ttlS * 1000 });
    this.#bytes += size;
  }

  async close(): Promise<void> {
    this.#entries.clear();
    this.#bytes = 0;
  }

  #remove(key: string): void {
    const held = this.#entries.get(key);
    if (!held) return;
    this.#entries.delete(key);
    this.#bytes -= key.length + held.value.length;
  }
}
