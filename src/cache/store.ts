/**
 * Where cached answers live: in this process (memory-store.ts) or in Redis, shared by every
 * replica (redis-store.ts). Values are opaque bytes, never decoded to text on the way in or out;
 * one is set as the parts it is made of (a store copies them once, into its own memory), and
 * expires `ttlS` seconds after it is set.
 */
export interface CacheStore {
  /** The value, or a promise of it (a store in this process answers at once). */
  get(key: string): Buffer | undefined | Promise<Buffer | undefined>;
  /** Strings among the parts are written as UTF-8. */
  set(key: string, parts: readonly (Buffer | string)[], ttlS: number): void | Promise<void>;
  close(): Promise<void>;
}
