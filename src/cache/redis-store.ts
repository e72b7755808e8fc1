import type { Redis } from 'ioredis';
import { digestKey } from './key.ts';
import type { CacheStore } from './store.ts';

/** A read slower than this is a miss: the provider is asked instead of waiting on the cache. */
const CALL_TIMEOUT_MS = 250;

/**
 * Cached answers in Redis, shared by every replica (`SET … EX`, so Redis expires them itself),
 * each under a digest of its key.
 * The cache never fails a request: a command that errs or times out is a miss (or a write not
 * made), reported through `onError` once per outage. ioredis is loaded on demand, as the limits
 * module does, so gateways without a cache never pay its start-up.
 */
export class RedisCacheStore implements CacheStore {
  readonly #client: Promise<Redis>;
  /** Settles when the first connection is ready: until then commands wait for it (within the timeout). */
  #firstReady: Promise<void> | undefined;
  readonly #onError: (message: string) => void;
  #failing = false;

  constructor(url: string, onError: (message: string) => void) {
    this.#onError = onError;
    this.#client = import('ioredis').then(({ Redis }) => {
      const client = new Redis(url, {
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        connectTimeout: 1_000,
        retryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
        connectionName: 'switchyard-cache',
      });
      client.on('error', () => undefined); // reported per failed command, once per outage
      this.#firstReady = new Promise((resolve) => client.once('ready', () => resolve()));
      client.on('ready', () => {
        this.#failing = false;
      });
      return client;
    });
  }

  async get(key: string): Promise<Buffer | undefined> {
    const value = await this.#call((client) => client.getBuffer(digestKey(key)));
    return value ?? undefined;
  }

  async set(key: string, parts: readonly (Buffer | string)[], ttlS: number): Promise<void> {
    const value = Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part) : part)));
    await this.#call((client) => client.set(digestKey(key), value, 'EX', ttlS));
  }

  async close(): Promise<void> {
    const client = await this.#client;
    if (client.status === 'ready') await client.quit().catch(() => undefined);
    client.disconnect();
  }

  async #connected(client: Redis): Promise<void> {
    if (client.status === 'ready') return;
    if (client.status === 'connecting' || client.status === 'wait') return this.#firstReady;
    throw new Error(`not connected (${client.status})`);
  }

  /** Waits for the first connection (a cold start would otherwise miss), then runs the command within the timeout. */
  async #call<T>(command: (client: Redis) => Promise<T>): Promise<T | undefined> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const client = await this.#client;
      const result = await Promise.race([
        this.#connected(client).then(() => command(client)),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${CALL_TIMEOUT_MS} ms`)), CALL_TIMEOUT_MS);
        }),
      ]);
      return result;
    } catch (error) {
      if (!this.#failing) this.#onError((error as Error).message);
      this.#failing = true;
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }
}
