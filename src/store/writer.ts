import type { RequestRecord } from './record.ts';

export interface WriterOptions {
  /** Writes one batch; a rejection keeps the batch for the next flush. */
  write: (records: readonly RequestRecord[]) => Promise<void>;
  /** How long a record waits before its batch is written: the store's lag behind the traffic. */
  intervalMs?: number;
  /** Records written per flush at most. */
  maxBatch?: number;
  /** Records held while the store cannot take them; older ones are dropped past it. */
  maxBuffered?: number;
  /** Told once per outage when records are dropped, and when writes fail. */
  onDrop: (dropped: number) => void;
  onWriteError: (error: unknown) => void;
}

/**
 * The request log's write side: `add` only pushes onto an array (the request's own cost), and a
 * timer writes what has gathered in one batch per interval. A failing store keeps the records
 * queued, up to `maxBuffered`; beyond that the oldest are dropped and counted, never the request
 * that is being served.
 */
export class RequestLogWriter {
  #queue: RequestRecord[] = [];
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> | undefined;
  #failing = false;
  #closed = false;
  readonly #options: Required<WriterOptions>;

  constructor(options: WriterOptions) {
    this.#options = {
      ...options,
      intervalMs: options.intervalMs ?? 200,
      maxBatch: options.maxBatch ?? 1000,
      maxBuffered: options.maxBuffered ?? 10_000,
    };
  }

  get buffered(): number {
    return this.#queue.length;
  }

  add(record: RequestRecord): void {
    if (this.#closed) return;
    this.#queue.push(record);
    const excess = this.#queue.length - this.#options.maxBuffered;
    if (excess > 0) {
      this.#queue.splice(0, excess);
      this.#options.onDrop(excess);
    }
    this.#schedule();
  }

  #schedule(): void {
    if (this.#timer || this.#queue.length === 0) return;
    // A failing store is retried less often, so an outage does not spin.
    const delay = this.#failing ? Math.max(this.#options.intervalMs, 1000) : this.#options.intervalMs;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.flush();
    }, delay);
    this.#timer.unref();
  }

  /** Writes everything queued now (one batch after another); resolves when done or failed. */
  flush(): Promise<void> {
    this.#flushing ??= this.#drain().finally(() => {
      this.#flushing = undefined;
      this.#schedule();
    });
    return this.#flushing;
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.#options.maxBatch);
      try {
        await this.#options.write(batch);
        this.#failing = false;
      } catch (error) {
        // Back to the front, oldest first, for the next try.
        this.#queue.unshift(...batch);
        const excess = this.#queue.length - this.#options.maxBuffered;
        if (excess > 0) {
          this.#queue.splice(0, excess);
          this.#options.onDrop(excess);
        }
        if (!this.#failing) this.#options.onWriteError(error);
        this.#failing = true;
        return;
      }
    }
  }

  /** Writes what is left (one try) and stops taking records. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#flushing;
    await this.flush();
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
