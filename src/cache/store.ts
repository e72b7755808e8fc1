/**
 * Where cached answers live: in this process (memory-store.ts) or in Redis, shared by every
 * replica (redis-store.ts). Values are opaque strings; each expires `ttlS` seconds after it is set.
 */
export interface CacheStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlS: number): Promise<void>;
  close(): Promise<void>;
}
