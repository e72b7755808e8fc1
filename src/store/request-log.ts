import { ConfigError } from '../config/config.ts';
import type { Logger } from '../observability/logger.ts';
import type { GatewayMetrics } from '../observability/metrics.ts';
import { openPostgres } from './postgres.ts';
import type { RequestRecord } from './record.ts';
import { openSqlite } from './sqlite.ts';
import { RequestStore } from './store.ts';
import { RequestLogWriter } from './writer.ts';

export interface RequestLogOptions {
  dataDir: string;
  databaseUrl: string | undefined;
  retentionDays: number;
  /** Overrides for tests: how often batches are written, how many records wait at most. */
  flushIntervalMs?: number;
  maxBuffered?: number;
}

const HOUR = 3_600_000;

/**
 * The request log store of one gateway: SQLite under DATA_DIR, or PostgreSQL at DATABASE_URL for
 * several replicas. Records reach it through a batched writer; the database is opened (and its
 * schema migrated) at start-up, and again on the next write when it was down.
 */
export class RequestLog {
  readonly writer: RequestLogWriter;
  readonly kind: 'sqlite' | 'postgres';
  #store: Promise<RequestStore> | undefined;
  #retention: NodeJS.Timeout | undefined;
  readonly #options: RequestLogOptions;
  readonly #logger: Logger;

  constructor(options: RequestLogOptions, logger: Logger, metrics: GatewayMetrics) {
    this.#options = options;
    this.#logger = logger;
    this.kind = options.databaseUrl ? 'postgres' : 'sqlite';
    this.writer = new RequestLogWriter({
      write: async (records) => (await this.store()).insert(records),
      intervalMs: options.flushIntervalMs,
      maxBuffered: options.maxBuffered,
      onDrop: (dropped) => {
        metrics.requestLogDropped(dropped);
        logger.warn(
          { dropped, store: this.kind },
          'request log store unavailable and its buffer is full: finished requests were dropped',
        );
      },
      onWriteError: (error) =>
        logger.warn(
          { store: this.kind, reason: (error as Error).message },
          'cannot write to the request log store; keeping records in memory and retrying',
        ),
    });
  }

  /**
   * Opens the store at start-up. A SQLite file that cannot be opened fails start-up (a local
   * misconfiguration); an unreachable PostgreSQL only warns, and is retried on the next write.
   */
  async open(): Promise<void> {
    try {
      await this.store();
    } catch (error) {
      if (this.kind === 'sqlite')
        throw new ConfigError([
          `DATA_DIR: cannot open the request log store in '${this.#options.dataDir}' (${(error as Error).message})`,
        ]);
      this.#logger.warn(
        { store: this.kind, reason: (error as Error).message },
        'cannot reach the request log database at start-up; requests are kept in memory until it answers',
      );
    }
    const prune = () => void this.#prune();
    prune();
    this.#retention = setInterval(prune, HOUR).unref();
  }

  add(record: RequestRecord): void {
    this.writer.add(record);
  }

  /** The store, opened and migrated; a failed opening is forgotten so the next call tries again. */
  store(): Promise<RequestStore> {
    this.#store ??= this.#openStore().catch((error: unknown) => {
      this.#store = undefined;
      throw error;
    });
    return this.#store;
  }

  async #openStore(): Promise<RequestStore> {
    const { databaseUrl, dataDir } = this.#options;
    const db = databaseUrl ? await openPostgres(databaseUrl) : await openSqlite(dataDir);
    const store = new RequestStore(this.kind, db);
    try {
      await store.migrate();
    } catch (error) {
      await db.close().catch(() => {});
      throw error;
    }
    return store;
  }

  async #prune(): Promise<void> {
    try {
      const deleted = await (await this.store()).deleteBefore(Date.now() - this.#options.retentionDays * 24 * HOUR);
      if (deleted) this.#logger.info({ deleted, retentionDays: this.#options.retentionDays }, 'old requests deleted');
    } catch {
      // The store is down: the writer already says so, and the next hour tries again.
    }
  }

  async close(): Promise<void> {
    clearInterval(this.#retention);
    await this.writer.close();
    const left = this.writer.buffered;
    if (left) {
      this.#logger.warn(
        { dropped: left, store: this.kind },
        'request log store unavailable at shutdown: requests dropped',
      );
    }
    const store = await this.#store?.catch(() => undefined);
    await store?.close();
  }
}
