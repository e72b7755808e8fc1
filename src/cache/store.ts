/**
 * Where cached answers live: in this process (memory-store.ts) or in Redis, shared by every
 * replica (redis-store.ts). Values are opaque bytes (kept as Buffers: outside the JS heap, and
 * never decoded to text on the way in or out); each expires `ttlS` seconds after it is set.
 */
export interface CacheStore {
  get(key: string): Promise<Buffer | undefined>;
  set(key: string, value: Buffer, ttlS: number): Promise<void>;
  close(): Promise<void>;
}
