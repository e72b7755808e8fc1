/**
 * Where cached answers live: in this process (memory-store.ts) or in Redis, shared by every
 * replica (redis-store.ts). Values are opaque bytes, never decoded to text on the way in or out;
 * one is set as the parts it is made of (a store copies them once, into its own memory), and
 * expires `ttlS` seconds after it is set.
 */
export interface CacheStore {
  get(key: string): Promise<Buffer | undefined>;
  set(key: string, parts: readonly Buffer[], ttlS: number): Promise<void>;
  close(): Promise<void>;
}
