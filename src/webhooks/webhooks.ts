import { createHmac, randomUUID } from 'node:crypto';
import type { Logger } from '../observability/logger.ts';
import type { Endpoint, EventType } from './endpoints.ts';

/** Deliveries waiting (in flight or for a retry) beyond which new events are dropped, and said so. */
const MAX_PENDING = 1000;
const ATTEMPT_TIMEOUT_MS = 10_000;
const MAX_BACKOFF_MS = 5 * 60_000;

/**
 * The signature header's value for one attempt: `t=<unix seconds>,v1=<hex HMAC-SHA256 of
 * "<t>.<body>">`. Signing the time with the body lets a receiver refuse replays of old deliveries.
 */
function signature(secret: string, body: string, unixSeconds: number): string {
  const digest = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${digest}`;
}

/** A status worth trying again: the receiver is down, overloaded or slow, not refusing the event. */
const retryable = (status: number) => status === 408 || status === 429 || status >= 500;

/**
 * Operator webhooks (WEBHOOKS_FILE, docs/cache-and-guardrails.md). `emit` never waits and never
 * throws: each endpoint that subscribed to the event gets a signed POST, retried with exponential
 * backoff on failure, in the background, off every request's path.
 */
export class Webhooks {
  readonly #endpoints: readonly Endpoint[];
  readonly #logger: Logger | undefined;
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #inFlight = new Set<AbortController>();
  #pending = 0;
  #closed = false;

  constructor(endpoints: readonly Endpoint[], logger?: Logger) {
    this.#endpoints = endpoints;
    this.#logger = logger;
  }

  emit(type: EventType, data: Record<string, unknown>): void {
    if (this.#closed) return;
    const body = JSON.stringify({ id: randomUUID(), type, time: new Date().toISOString(), data });
    for (const endpoint of this.#endpoints) {
      if (!endpoint.events.has(type)) continue;
      if (this.#pending >= MAX_PENDING) {
        this.#logger?.warn({ event: type, url: endpoint.url }, 'webhook dropped: too many deliveries pending');
        continue;
      }
      this.#pending++;
      void this.#deliver(endpoint, type, body, 1);
    }
  }

  /** Stops retrying; deliveries in flight are cut. */
  close(): void {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const controller of this.#inFlight) controller.abort();
  }

  async #deliver(endpoint: Endpoint, type: EventType, body: string, attempt: number): Promise<void> {
    const controller = new AbortController();
    this.#inFlight.add(controller);
    const timeout = setTimeout(() => controller.abort(), ATTEMPT_TIMEOUT_MS);
    let outcome: string;
    let again: boolean;
    try {
      const response = await fetch(endpoint.url, {
        method: 'POST',
        headers: {
          ...endpoint.headers,
          'content-type': 'application/json',
          'user-agent': 'switchyard-webhooks',
          'x-switchyard-event': type,
          'x-switchyard-delivery-attempt': String(attempt),
          'x-switchyard-signature': signature(endpoint.secret, body, Math.floor(Date.now() / 1000)),
        },
        body,
        signal: controller.signal,
        redirect: 'error',
      });
      await response.arrayBuffer().catch(() => undefined);
      if (response.ok) return this.#done();
      outcome = `answered ${response.status}`;
      again = retryable(response.status);
    } catch (error) {
      outcome = controller.signal.aborted ? 'no answer in time' : `cannot reach it (${causeOf(error)})`;
      again = true;
    } finally {
      clearTimeout(timeout);
      this.#inFlight.delete(controller);
    }
    if (this.#closed) return this.#done();
    if (!again || attempt >= endpoint.maxAttempts) {
      this.#logger?.warn({ event: type, url: endpoint.url, attempts: attempt, outcome }, 'webhook not delivered');
      return this.#done();
    }
    // Doubling waits with ±20 % jitter, so that many gateways retrying do not arrive together.
    const wait = Math.min(MAX_BACKOFF_MS, endpoint.backoffMs * 2 ** (attempt - 1)) * (0.8 + Math.random() * 0.4);
    this.#logger?.debug(
      { event: type, url: endpoint.url, attempt, outcome, retryInMs: Math.round(wait) },
      'webhook retry',
    );
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      void this.#deliver(endpoint, type, body, attempt + 1);
    }, wait);
    timer.unref();
    this.#timers.add(timer);
  }

  #done(): void {
    this.#pending--;
  }
}

const causeOf = (error: unknown) =>
  ((error as Error).cause as { code?: string } | undefined)?.code ?? (error as Error).name ?? 'error';
