import type { RoutingConfig } from '../config/config.ts';
import { parseRetryAfterMs, retryDelayMs } from './backoff.ts';
import { type HealthOptions, TargetHealth } from './health.ts';
import { LatencyTracker } from './latency.ts';
import type { Candidate } from './select-provider.ts';
import { createStrategy, type RequestEstimate, type RoutingStrategy, type Target } from './strategies.ts';

const COOLDOWN_WINDOW_MS = 60_000;
const BACKOFF_BASE_MS = 250;
const BACKOFF_CAP_MS = 10_000;

/** An attempt's outcome, as the router learns from it. */
export type Outcome = { ok: true; ttfbMs: number } | { ok: false; retryAfter?: string };

/**
 * Orders a request's candidates (routing strategy, then cool-down: failing targets go last) and
 * learns from every attempt (latency, failures). One per gateway; its state is what
 * `GET /v1/gateway/status` shows.
 */
export class Router {
  readonly #strategy: RoutingStrategy;
  readonly #health: TargetHealth;
  readonly #latency = new LatencyTracker();
  readonly #config: RoutingConfig;
  readonly #random: () => number;

  constructor(
    config: RoutingConfig,
    catalog: { find(provider: string, model: string): { pricing: { input?: number; output?: number } } | undefined },
    random = Math.random,
    onHealthChange?: HealthOptions['onChange'],
  ) {
    this.#config = config;
    this.#random = random;
    this.#strategy = createStrategy(config.strategy, {
      priority: config.priority,
      weights: config.weights,
      catalog,
      latency: this.#latency,
      random,
    });
    this.#health = new TargetHealth({
      failuresToCoolDown: config.cooldownFailures,
      windowMs: COOLDOWN_WINDOW_MS,
      coolDownMs: config.cooldownMs,
      onChange: onHealthChange,
    });
  }

  get fallback(): boolean {
    return this.#config.fallback;
  }

  get maxRetries(): number {
    return this.#config.maxRetries;
  }

  /** The candidates in the order to try them. A single candidate needs no strategy. */
  order<C extends Candidate>(candidates: readonly C[], estimate: RequestEstimate): C[] {
    if (candidates.length < 2) return [...candidates];
    const byTarget = new Map(candidates.map((c) => [key(target(c)), c]));
    const ordered = this.#health.arrange(this.#strategy.order(candidates.map(target), estimate));
    return ordered.map((t) => byTarget.get(key(t)) as C);
  }

  record(candidate: Candidate, outcome: Outcome): void {
    const t = target(candidate);
    if (outcome.ok) {
      this.#health.success(t);
      this.#latency.observe(t, outcome.ttfbMs);
    } else {
      this.#health.failure(
        t,
        outcome.retryAfter === undefined ? undefined : parseRetryAfterMs(outcome.retryAfter, Date.now()),
      );
    }
  }

  /** How long to wait before attempt number `attempt` (0 = the first retry) of the same target. */
  retryDelay(attempt: number, retryAfter: string | undefined): number {
    return retryDelayMs(attempt, retryAfter, {
      baseMs: BACKOFF_BASE_MS,
      capMs: BACKOFF_CAP_MS,
      random: this.#random,
      now: Date.now,
    });
  }

  status() {
    return { strategy: this.#strategy.name, targets: this.#health.snapshot(), latency: this.#latency.snapshot() };
  }
}

const target = (c: Candidate): Target => ({ provider: c.provider.id, model: c.model ?? '' });
const key = (t: Target) => `${t.provider}\u0000${t.model}`;
