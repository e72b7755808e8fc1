// Routing strategies: given the candidate targets of one request, the order to try them in.
//
// A strategy only orders; it never drops a candidate (the gateway falls back through the whole
// list, and TargetHealth moves cooling targets to the end afterwards). Everything a strategy
// remembers (round-robin counters) lives in the instance the gateway creates; randomness is
// injected so the tests are deterministic.
//
// order() runs on every request over a handful of candidates, so each strategy makes one copy of
// the list and reorders it in place; sort keys are looked up rather than precomputed into
// side arrays.
import type { LatencyTracker } from './latency.ts';

export interface Target {
  provider: string;
  model: string;
}

export type StrategyName = 'priority' | 'round-robin' | 'weighted' | 'least-latency' | 'cost';

export const STRATEGY_NAMES: readonly StrategyName[] = Object.freeze([
  'priority',
  'round-robin',
  'weighted',
  'least-latency',
  'cost',
]);

/** The caller estimates the token counts from the request body. */
export interface RequestEstimate {
  inputTokens: number;
  outputTokens: number;
}

export interface RoutingStrategy {
  readonly name: StrategyName;
  /** A new array: the candidates in the order to try them. Never drops or duplicates a candidate. */
  order(candidates: readonly Target[], estimate: RequestEstimate): Target[];
}

/** The part of the model catalog the cost strategy reads (prices in USD per million tokens). */
export interface PriceCatalog {
  find(provider: string, model: string): { pricing: { input?: number; output?: number } } | undefined;
}

export interface StrategyOptions {
  /** PROVIDER_PRIORITY: provider ids in preference order; providers not listed keep their given order after the listed ones. */
  priority?: readonly string[];
  /** PROVIDER_WEIGHTS: provider id → positive weight; unlisted providers weigh 1. */
  weights?: ReadonlyMap<string, number>;
  /**
   * Read on every request, never cached, so a price change shows at once. If the gateway replaces
   * its Catalog instance (a reload), pass a delegating `{ find: (p, m) => current.find(p, m) }`.
   */
  catalog: PriceCatalog;
  latency: LatencyTracker;
  /** least-latency: probability in [0, 1] of moving a random non-first target to the front. Default 0.1. */
  explorationRate?: number;
  /** A number in [0, 1). Default Math.random; tests pass a seeded generator. */
  random?: () => number;
}

const DEFAULT_EXPLORATION_RATE = 0.1;
/** Weight of a provider PROVIDER_WEIGHTS does not list. */
const DEFAULT_WEIGHT = 1;
/**
 * Round-robin keeps one counter per distinct candidate list. The lists come from configuration
 * and the catalog, but the model part is whatever clients send, so the number of lists is capped;
 * beyond it the oldest counter is forgotten (that list merely restarts its rotation).
 */
const MAX_ROTATION_COUNTERS = 1024;
const PER_MILLION = 1e6;

export function createStrategy(name: StrategyName, options: StrategyOptions): RoutingStrategy {
  const random = options.random ?? Math.random;
  switch (name) {
    case 'priority':
      return new PriorityStrategy(options.priority ?? []);
    case 'round-robin':
      return new RoundRobinStrategy();
    case 'weighted':
      return new WeightedStrategy(options.weights ?? new Map(), random);
    case 'least-latency':
      return new LeastLatencyStrategy(options.latency, options.explorationRate ?? DEFAULT_EXPLORATION_RATE, random);
    case 'cost':
      return new CostStrategy(options.catalog);
    default: {
      // Reached only from untyped callers (a config value that escaped validation).
      const unknownName: never = name;
      throw new RangeError(
        `Unknown routing strategy '${String(unknownName)}'; expected one of ${STRATEGY_NAMES.join(', ')}`,
      );
    }
  }
}

class PriorityStrategy implements RoutingStrategy {
  readonly name = 'priority';
  /** provider → its position in PROVIDER_PRIORITY (the first mention wins) */
  readonly #rank = new Map<string, number>();
  readonly #unlistedRank: number;

  constructor(priority: readonly string[]) {
    for (const [index, provider] of priority.entries()) if (!this.#rank.has(provider)) this.#rank.set(provider, index);
    this.#unlistedRank = priority.length;
  }

  order(candidates: readonly Target[]): Target[] {
    if (this.#rank.size === 0) return [...candidates];
    const rankOf = (target: Target) => this.#rank.get(target.provider) ?? this.#unlistedRank;
    return sortStableFrom([...candidates], 0, (a, b) => rankOf(a) - rankOf(b));
  }
}

class RoundRobinStrategy implements RoutingStrategy {
  readonly name = 'round-robin';
  /** candidate list (by content: callers build fresh Target objects per request) → next start index */
  readonly #nextStart = new Map<string, number>();

  order(candidates: readonly Target[]): Target[] {
    const count = candidates.length;
    if (count < 2) return [...candidates];
    const key = candidateListKey(candidates);
    const start = (this.#nextStart.get(key) ?? 0) % count;
    if (!this.#nextStart.has(key) && this.#nextStart.size >= MAX_ROTATION_COUNTERS) {
      const oldest = this.#nextStart.keys().next();
      if (oldest.done !== true) this.#nextStart.delete(oldest.value);
    }
    // Stored modulo the count so the counter never grows without bound.
    this.#nextStart.set(key, (start + 1) % count);
    const ordered: Target[] = [];
    for (let offset = 0; offset < count; offset++) ordered.push(candidates[(start + offset) % count] as Target);
    return ordered;
  }
}

class WeightedStrategy implements RoutingStrategy {
  readonly name = 'weighted';
  readonly #weights: ReadonlyMap<string, number>;
  readonly #random: () => number;

  constructor(weights: ReadonlyMap<string, number>, random: () => number) {
    for (const [provider, weight] of weights) {
      // A zero or negative weight would silently make a provider unreachable as first choice
      // (or break the draw); the configuration should have refused it already.
      if (!(Number.isFinite(weight) && weight > 0))
        throw new RangeError(`PROVIDER_WEIGHTS: weight of '${provider}' must be a positive number (got ${weight})`);
    }
    this.#weights = weights;
    this.#random = random;
  }

  order(candidates: readonly Target[]): Target[] {
    const ordered = [...candidates];
    if (ordered.length < 2) return ordered;
    const weightOf = (target: Target) => this.#weights.get(target.provider) ?? DEFAULT_WEIGHT;

    let total = 0;
    for (const target of ordered) total += weightOf(target);
    let remaining = this.#random() * total;
    // The last index also catches float rounding that leaves `remaining` at a hair above 0.
    let chosen = ordered.length - 1;
    for (const [index, target] of ordered.entries()) {
      remaining -= weightOf(target);
      if (remaining < 0) {
        chosen = index;
        break;
      }
    }

    moveToFront(ordered, chosen);
    return sortStableFrom(ordered, 1, (a, b) => weightOf(b) - weightOf(a));
  }
}

class LeastLatencyStrategy implements RoutingStrategy {
  readonly name = 'least-latency';
  readonly #latency: LatencyTracker;
  readonly #explorationRate: number;
  readonly #random: () => number;

  constructor(latency: LatencyTracker, explorationRate: number, random: () => number) {
    if (!(explorationRate >= 0 && explorationRate <= 1))
      throw new RangeError(`least-latency: explorationRate must be within [0, 1] (got ${explorationRate})`);
    this.#latency = latency;
    this.#explorationRate = explorationRate;
    this.#random = random;
  }

  order(candidates: readonly Target[]): Target[] {
    const ordered = [...candidates];
    if (ordered.length < 2) return ordered;
    // Unmeasured targets sort first (-Infinity) so that they get measured.
    const latencyOf = (target: Target) => this.#latency.estimate(target) ?? Number.NEGATIVE_INFINITY;
    sortStableFrom(ordered, 0, (a, b) => compareNumbers(latencyOf(a), latencyOf(b)));
    // Without exploration a target that was slow once is never tried again while the fastest one
    // works, so its estimate would never learn that it recovered.
    if (this.#explorationRate > 0 && this.#random() < this.#explorationRate) {
      const explored = Math.min(ordered.length - 1, 1 + Math.floor(this.#random() * (ordered.length - 1)));
      moveToFront(ordered, explored);
    }
    return ordered;
  }
}

class CostStrategy implements RoutingStrategy {
  readonly name = 'cost';
  readonly #catalog: PriceCatalog;

  constructor(catalog: PriceCatalog) {
    this.#catalog = catalog;
  }

  order(candidates: readonly Target[], estimate: RequestEstimate): Target[] {
    const ordered = [...candidates];
    if (ordered.length < 2) return ordered;
    const inputTokens = tokenCount(estimate.inputTokens);
    const outputTokens = tokenCount(estimate.outputTokens);
    // Unpriced targets sort last (+Infinity): an unknown price must never look free.
    const costOf = (target: Target) =>
      estimatedCostUsd(this.#catalog, target, inputTokens, outputTokens) ?? Number.POSITIVE_INFINITY;
    return sortStableFrom(ordered, 0, (a, b) => compareNumbers(costOf(a), costOf(b)));
  }
}

/**
 * USD for the estimated tokens at the target's list prices, or undefined when the catalog has no
 * entry, no price at all, or no price for a kind of token the request has (the same rule as
 * costUsd in src/catalog/cost.ts: a kind with zero tokens needs no price).
 */
function estimatedCostUsd(
  catalog: PriceCatalog,
  target: Target,
  inputTokens: number,
  outputTokens: number,
): number | undefined {
  const pricing = catalog.find(target.provider, target.model)?.pricing;
  if (pricing === undefined) return undefined;
  const { input, output } = pricing;
  if (input === undefined && output === undefined) return undefined;
  if ((inputTokens > 0 && input === undefined) || (outputTokens > 0 && output === undefined)) return undefined;
  return (inputTokens * (input ?? 0) + outputTokens * (output ?? 0)) / PER_MILLION;
}

/** Negative, NaN or infinite estimates count as 0 tokens. */
function tokenCount(value: number): number {
  return Number.isFinite(value) && value > 0 ? value : 0;
}

/** Ascending; equal (including two infinities of the same sign) is 0 so stable sorts keep order. */
function compareNumbers(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function candidateListKey(candidates: readonly Target[]): string {
  // NUL cannot occur in a provider id and practically never in a model name, so keys of different
  // lists do not collide (a collision would only share a rotation counter).
  let key = '';
  for (const target of candidates) key += `${target.provider}\u0000${target.model}\u0001`;
  return key;
}

/** Moves items[index] to position 0, shifting the ones before it back by one (their order kept). */
function moveToFront<T>(items: T[], index: number): void {
  if (index <= 0) return;
  const item = items[index] as T;
  for (let i = index; i > 0; i--) items[i] = items[i - 1] as T;
  items[0] = item;
}

/**
 * Stable in-place insertion sort of items[from…]. Candidate lists are a handful of targets, where
 * this allocates nothing and is at least as fast as Array#sort; sorting a suffix lets the weighted
 * strategy keep its drawn target in front.
 */
function sortStableFrom<T>(items: T[], from: number, compare: (a: T, b: T) => number): T[] {
  for (let i = from + 1; i < items.length; i++) {
    const item = items[i] as T;
    let j = i - 1;
    while (j >= from && compare(items[j] as T, item) > 0) {
      items[j + 1] = items[j] as T;
      j--;
    }
    items[j + 1] = item;
  }
  return items;
}

/**
 * A map keyed by target, as provider → model → value, so a lookup on the request path builds no
 * key string. Used by the latency tracker and target health.
 */
export class TargetMap<V> {
  readonly #byProvider = new Map<string, Map<string, V>>();
  #size = 0;

  get size(): number {
    return this.#size;
  }

  get(target: Target): V | undefined {
    return this.#byProvider.get(target.provider)?.get(target.model);
  }

  set(target: Target, value: V): void {
    let models = this.#byProvider.get(target.provider);
    if (models === undefined) {
      models = new Map();
      this.#byProvider.set(target.provider, models);
    }
    if (!models.has(target.model)) this.#size++;
    models.set(target.model, value);
  }

  delete(target: Target): boolean {
    const models = this.#byProvider.get(target.provider);
    if (models === undefined || !models.delete(target.model)) return false;
    this.#size--;
    if (models.size === 0) this.#byProvider.delete(target.provider);
    return true;
  }

  /** Forgets the first-inserted model of the first-inserted provider: roughly the oldest entry. */
  deleteOldest(): void {
    for (const [provider, models] of this.#byProvider) {
      for (const model of models.keys()) {
        this.delete({ provider, model });
        return;
      }
    }
  }

  *entries(): IterableIterator<[Target, V]> {
    for (const [provider, models] of this.#byProvider) {
      for (const [model, value] of models) yield [{ provider, model }, value];
    }
  }
}
