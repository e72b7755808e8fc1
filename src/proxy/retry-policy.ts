import { setTimeout as sleep } from 'node:timers/promises';
import type { GatewayError } from '../errors.ts';
import { RetryableResponse } from './relay.ts';

/**
 * The retry policy, in one place: which failures are worth another attempt, on which target, and
 * the plan of attempts over the candidates (MAX_RETRIES per target with backoff honouring
 * Retry-After, then the next candidate when FALLBACK is on), never beyond REQUEST_TIMEOUT_MS.
 */

/** Statuses worth another attempt: rate limited, overloaded (529 is Anthropic's), failing, timed out (never 400/401/403/404/422). */
const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504, 529]);
/** Gateway-side failures before any answer that another attempt may not meet: unreachable, no headers in time. */
const RETRYABLE_CODES = new Set(['upstream_unreachable', 'upstream_timeout']);

export const isRetryableStatus = (status: number): boolean => RETRYABLE_STATUS.has(status);

/** How one attempt ended, as far as the plan is concerned. */
export interface AttemptOutcome {
  /** The answer (or an error) reached the client; nothing more to do. */
  done: boolean;
  retrySameTarget?: boolean;
  /** The attempt's pooled key failed and another is ready: try again at once, without using a retry. */
  switchedKey?: boolean;
  retryAfter?: string;
  /** The gateway-side failure, to report should no other attempt succeed. */
  failure?: GatewayError;
}

/**
 * What a failed attempt means for the plan: a retryable status is retried on the same target; a
 * connection refused will be refused again (next target), a timeout may pass on the next try.
 * A failure after the provider answered a status (a body that stalls or breaks) is never retried:
 * the provider took the request and may bill it. Anything else, or any failure on the last
 * chance, is the answer: thrown.
 */
export function outcomeOfFailure(
  error: GatewayError | RetryableResponse,
  lastChance: boolean,
  providerAnswered: boolean,
): AttemptOutcome {
  if (error instanceof RetryableResponse) return { done: false, retrySameTarget: true, retryAfter: error.retryAfter };
  if (lastChance || providerAnswered || !RETRYABLE_CODES.has(error.code)) throw error;
  return { done: false, retrySameTarget: error.code === 'upstream_timeout', failure: error };
}

/** One slot of the plan: how long the attempt may wait for headers, and whether it is the last. */
export interface AttemptSlot {
  lastChance: boolean;
  timeoutMs: number;
}

export interface PlanOptions {
  maxRetries: number;
  retryDelay(retry: number, retryAfter: string | undefined): number;
  /** performance.now() past which no attempt starts. */
  deadline: number;
  /** True once the client is gone: no further attempt. */
  abandoned(): boolean;
  onFallback(from: number, to: number): void;
}

/**
 * Runs attempts over `candidates` until one reaches the client. Resolves with the last gateway-side
 * failure when every attempt failed with something retryable and time or candidates ran out, or
 * undefined when an attempt answered (or the client left).
 */
export async function runAttemptPlan<C>(
  candidates: readonly C[],
  options: PlanOptions,
  tryOnce: (candidate: C, slot: AttemptSlot) => Promise<AttemptOutcome>,
): Promise<{ answered: boolean; failure: GatewayError | undefined }> {
  const { maxRetries, deadline } = options;
  const maxAttempts = candidates.length * (maxRetries + 1);
  let made = 0;
  /** Attempts that only switched to another key of a pool: they do not use up retries. */
  let keySwitches = 0;
  let failure: GatewayError | undefined;
  for (let index = 0; index < candidates.length; index++) {
    const candidate = candidates[index] as C;
    const isLastCandidate = index === candidates.length - 1;
    if (index > 0) options.onFallback(index - 1, index);
    for (let retry = 0; retry <= maxRetries; retry++) {
      const lastChance = made - keySwitches + 1 >= maxAttempts || (isLastCandidate && retry === maxRetries);
      const remaining = deadline - performance.now();
      // A hung provider must leave time for the others: each remaining candidate gets its share.
      const share = lastChance ? remaining : remaining / (candidates.length - index);
      made++;
      const result = await tryOnce(candidate, { lastChance: lastChance || remaining <= 0, timeoutMs: share });
      if (result.done || options.abandoned()) return { answered: true, failure: undefined };
      failure = result.failure;
      if (result.switchedKey) {
        keySwitches++;
        retry--;
        continue;
      }
      // Unreachable: the next candidate may do better; if there is none, a retry may still succeed.
      if (!result.retrySameTarget && !isLastCandidate) break;
      if (retry === maxRetries) break;
      const wait = Math.min(options.retryDelay(retry, result.retryAfter), deadline - performance.now());
      if (wait < 0) break;
      await sleep(wait);
      if (options.abandoned()) return { answered: true, failure: undefined };
    }
    if (deadline - performance.now() <= 0) break;
  }
  return { answered: false, failure };
}
