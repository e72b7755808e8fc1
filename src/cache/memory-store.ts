import { hash32 } from './key.ts';
import type { CacheStore } from './store.ts';

/** The size of the blocks answers are written into (smaller when CACHE_MAX_BYTES is small). */
const SLAB_BYTES = 1024 * 1024;
/**
 * Before each answer in a slab: when it expires (float64, ms), the key's length and the value's
 * (uint32 each); then the key (UTF-8), then the value.
 */
const HEADER_BYTES = 16;
/** What one entry of the index costs on the JS heap, about: counted against the cap too. */
const INDEX_BYTES = 48;
/** Keys longer than this (as UTF-8) are encoded into a buffer of their own, not kept. */
const MAX_SCRATCH_BYTES = 1024 * 1024;
/** An index position is the slab's slot times this, plus the answer's offset in the slab. */
const SLOT = 2 ** 32;

interface Slab {
  readonly bytes: Buffer;
  /** The slab's number in the table: positions are made of it. */
  readonly slot: number;
  used: number;
  /** The index ids of the answers written here (some since replaced or moved on). */
  readonly ids: number[];
  /** When the last answer written here expires: after that the whole slab can go. */
  expiresBy: number;
}

/**
 * Cached answers in this process, at most `maxBytes` of them (the slabs' bytes and the index),
 * the least recently used going first. Answers are not JS objects: each is copied, with its key,
 * into a few large Buffers (slabs, outside the JS heap), written one after another; the JS heap
 * holds only an index of numbers, a 32-bit hash of the key → where the answer is. Kept on the
 * heap, every answer a cache miss files was more for the GC to copy out of the young generation
 * and to mark on every major collection as the store filled; a slab is one object whatever it
 * holds. The hash (of the key's UTF-8 bytes) is only an index: a read compares the whole key
 * written beside the answer, and two keys with one hash share a place (the later set wins).
 *
 * The slabs are a log, oldest first: a read moves its answer to the newest slab (so the order of
 * the slabs is the order of use), and making room drops the oldest slab whole, with every answer
 * in it. An answer larger than a slab gets a slab of its own.
 */
export class MemoryCacheStore implements CacheStore {
  /** hash32 of the key's bytes → the slab's slot times SLOT plus the answer's offset in it. */
  readonly #index = new Map<number, number>();
  /** Oldest first; the last one is where answers are written. */
  readonly #slabs: Slab[] = [];
  /** Slabs by slot (undefined: a free slot). */
  readonly #bySlot: (Slab | undefined)[] = [];
  readonly #freeSlots: number[] = [];
  readonly #maxBytes: number;
  readonly #slabBytes: number;
  readonly #now: () => number;
  /** The slabs' sizes plus the index's. */
  #bytes = 0;
  /** A dropped slab's buffer, reused by the next slab instead of a new allocation. */
  #spare: Buffer | undefined;
  /** The key being looked up or set, as UTF-8 (#encode): hashed, compared and copied from here. */
  #key: Buffer;
  /** Where #key usually is, grown to the longest key seen (up to MAX_SCRATCH_BYTES). */
  #scratch = Buffer.allocUnsafeSlow(4096);

  constructor(maxBytes: number, now: () => number = Date.now) {
    this.#key = this.#scratch;
    this.#maxBytes = maxBytes;
    // Small caches still hold many answers: slabs of a sixteenth of the whole.
    this.#slabBytes = Math.max(1, Math.min(SLAB_BYTES, Math.floor(maxBytes / 16)));
    this.#now = now;
  }

  /** The bytes held, as counted against `maxBytes`. */
  get bytes(): number {
    return this.#bytes;
  }

  get(key: string): Buffer | undefined {
    const keyLength = this.#encode(key);
    const id = hash32(this.#key, keyLength);
    const position = this.#index.get(id);
    if (position === undefined) return undefined;
    const slab = this.#bySlot[Math.floor(position / SLOT)] as Slab;
    const offset = position % SLOT;
    const bytes = slab.bytes;
    const keyStart = offset + HEADER_BYTES;
    const valueStart = keyStart + bytes.readUInt32LE(offset + 8);
    // Another key with the same hash is a miss.
    if (valueStart - keyStart !== keyLength || this.#key.compare(bytes, keyStart, valueStart, 0, keyLength) !== 0)
      return undefined;
    const expiresAt = bytes.readDoubleLE(offset);
    if (expiresAt <= this.#now()) {
      this.#forget(id);
      return undefined;
    }
    // A copy: the slab's bytes are overwritten once it is dropped and reused.
    const value = Buffer.from(bytes.subarray(valueStart, valueStart + bytes.readUInt32LE(offset + 12)));
    if (slab !== this.#slabs.at(-1)) this.#append(id, keyLength, [value], value.length, expiresAt);
    return value;
  }

  set(key: string, parts: readonly (Buffer | string)[], ttlS: number): void {
    const keyLength = this.#encode(key);
    const id = hash32(this.#key, keyLength);
    const valueLength = lengthOf(parts);
    if (HEADER_BYTES + keyLength + valueLength + INDEX_BYTES > this.#maxBytes) {
      this.#forget(id); // the older answer is not what the provider says now
      return;
    }
    this.#append(id, keyLength, parts, valueLength, this.#now() + ttlS * 1000);
  }

  async close(): Promise<void> {
    this.#index.clear();
    this.#slabs.length = 0;
    this.#bySlot.length = 0;
    this.#freeSlots.length = 0;
    this.#spare = undefined;
    this.#bytes = 0;
  }

  /** Writes an answer, under the key in #key, into the newest slab. */
  #append(
    id: number,
    keyLength: number,
    parts: readonly (Buffer | string)[],
    valueLength: number,
    expiresAt: number,
  ): void {
    const size = HEADER_BYTES + keyLength + valueLength;
    let slab = this.#slabs.at(-1);
    if (!slab || slab.used + size > slab.bytes.length) slab = this.#newSlab(size);
    const bytes = slab.bytes;
    const start = slab.used;
    bytes.writeDoubleLE(expiresAt, start);
    bytes.writeUInt32LE(keyLength, start + 8);
    bytes.writeUInt32LE(valueLength, start + 12);
    let at = start + HEADER_BYTES;
    at += this.#key.copy(bytes, at, 0, keyLength);
    for (const part of parts) at += typeof part === 'string' ? bytes.write(part, at, 'utf8') : part.copy(bytes, at);
    slab.used = at;
    slab.ids.push(id);
    if (expiresAt > slab.expiresBy) slab.expiresBy = expiresAt;
    if (!this.#index.has(id)) this.#bytes += INDEX_BYTES;
    this.#index.set(id, slab.slot * SLOT + start);
  }

  /** Writes `key` as UTF-8 into #key; returns its length. */
  #encode(key: string): number {
    this.#key = this.#scratch;
    // A UTF-16 code unit is at most 3 bytes of UTF-8: only a long key needs measuring.
    if (key.length * 3 > this.#scratch.length) {
      const length = Buffer.byteLength(key);
      if (length > this.#scratch.length)
        this.#key =
          length > MAX_SCRATCH_BYTES
            ? Buffer.allocUnsafe(length) // kept only for this call
            : (this.#scratch = Buffer.allocUnsafeSlow(Math.min(MAX_SCRATCH_BYTES, 2 * length)));
    }
    return this.#key.write(key, 0, 'utf8');
  }

  /** A slab with room for `size` bytes, after dropping the oldest slabs (and any whose answers have all expired) the cap needs gone. */
  #newSlab(size: number): Slab {
    const length = Math.max(size, this.#slabBytes);
    const now = this.#now();
    for (;;) {
      const oldest = this.#slabs[0];
      if (!oldest || (this.#bytes + length + INDEX_BYTES <= this.#maxBytes && oldest.expiresBy > now)) break;
      this.#drop(oldest);
    }
    const reuse = length === this.#slabBytes && this.#spare?.length === length;
    const bytes = reuse ? (this.#spare as Buffer) : Buffer.allocUnsafeSlow(length);
    this.#spare = undefined;
    const slot = this.#freeSlots.pop() ?? this.#bySlot.length;
    const slab: Slab = { bytes, slot, used: 0, ids: [], expiresBy: 0 };
    this.#bySlot[slot] = slab;
    this.#slabs.push(slab);
    this.#bytes += length;
    return slab;
  }

  /** Forgets the oldest slab and every answer still indexed in it. */
  #drop(slab: Slab): void {
    this.#slabs.shift();
    for (const id of slab.ids) {
      const position = this.#index.get(id);
      if (position !== undefined && Math.floor(position / SLOT) === slab.slot) this.#forget(id);
    }
    this.#bySlot[slab.slot] = undefined;
    this.#freeSlots.push(slab.slot);
    this.#bytes -= slab.bytes.length;
    this.#spare = slab.bytes;
  }

  #forget(id: number): void {
    if (this.#index.delete(id)) this.#bytes -= INDEX_BYTES;
  }
}

function lengthOf(parts: readonly (Buffer | string)[]): number {
  let length = 0;
  for (const part of parts) length += typeof part === 'string' ? Buffer.byteLength(part) : part.length;
  return length;
}
