// Time-to-first-byte per target, for the least-latency strategy and the status endpoint.
//
// Smoothing: an exponentially weighted moving average whose weight is given as a half-life in
// samples, because "how many requests until a change shows" is the question an operator asks.
// Each sample gets weight α = 1 − 2^(−1/halfLife); after k samples at a new level the old level
// keeps 2^(−k/halfLife) of its influence. The default half-life of 3 samples leaves 10% after
// 10 samples, so a target that got slower (or recovered) is ranked by its new latency within
// about 10 requests, while one slow outlier moves the estimate by only α ≈ 21% of the difference.
// The first sample is taken as is (starting from 0 would make a new target look fast).
import { type Target, TargetMap } from './strategies.ts';

export interface LatencyTrackerOptions {
  /** Samples after which an old level has half its influence left. Default 3. */
  halfLifeSamples?: number;
}

const DEFAULT_HALF_LIFE_SAMPLES = 3;
/**
 * Targets are (provider, model) pairs and models are whatever clients ask for, so the number
 * tracked is capped; beyond it the oldest entry is forgotten (that target is measured afresh).
 */
const MAX_TRACKED_TARGETS = 10_000;

interface LatencyStats {
  ttfbMs: number;
  samples: number;
}

export class LatencyTracker {
  readonly #smoothing: number;
  readonly #stats = new TargetMap<LatencyStats>();

  constructor(options: LatencyTrackerOptions = {}) {
    const halfLife = options.halfLifeSamples ?? DEFAULT_HALF_LIFE_SAMPLES;
    if (!(Number.isFinite(halfLife) && halfLife > 0))
      throw new RangeError(`LatencyTracker: halfLifeSamples must be a positive number (got ${halfLife})`);
    this.#smoothing = 1 - 2 ** (-1 / halfLife);
  }

  /** Records one time-to-first-byte. Negative or non-finite values (clock trouble) are ignored. */
  observe(target: Target, ttfbMs: number): void {
    if (!(Number.isFinite(ttfbMs) && ttfbMs >= 0)) return;
    const stats = this.#stats.get(target);
    if (stats === undefined) {
      if (this.#stats.size >= MAX_TRACKED_TARGETS) this.#stats.deleteOldest();
      this.#stats.set(target, { ttfbMs, samples: 1 });
      return;
    }
    stats.ttfbMs += this.#smoothing * (ttfbMs - stats.ttfbMs);
    stats.samples++;
  }

  /** The smoothed time-to-first-byte in ms, or undefined when the target has no samples. */
  estimate(target: Target): number | undefined {
    return this.#stats.get(target)?.ttfbMs;
  }

  snapshot(): { provider: string; model: string; ttfbMs: number; samples: number }[] {
    const rows: { provider: string; model: string; ttfbMs: number; samples: number }[] = [];
    for (const [target, stats] of this.#stats.entries())
      rows.push({ provider: target.provider, model: target.model, ttfbMs: stats.ttfbMs, samples: stats.samples });
    return rows;
  }
}
