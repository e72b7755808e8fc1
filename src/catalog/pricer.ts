import type { Catalog } from './catalog.ts';
import { costUsd } from './cost.ts';
import type { TokenUsage } from './types.ts';

/**
 * Prices requests from the catalog. A model the catalog has no price for costs `null`, never $0,
 * and is reported once (per provider and model) through `onUnpriced`.
 */
export class Pricer {
  readonly #catalog: Catalog;
  readonly #onUnpriced: (provider: string, model: string) => void;
  readonly #reported = new Set<string>();

  constructor(catalog: Catalog, onUnpriced: (provider: string, model: string) => void) {
    this.#catalog = catalog;
    this.#onUnpriced = onUnpriced;
  }

  /**
   * Cost in USD of `usage` on `provider`. The candidates are the names the model went by, in order
   * of preference (the requested one, then the one the provider answered with, which is the real
   * model behind an Azure deployment name or an alias).
   */
  cost(provider: string, candidates: readonly (string | undefined)[], usage: TokenUsage): number | null {
    for (const model of candidates) {
      if (model === undefined) continue;
      const cost = costUsd(this.#catalog.find(provider, model), usage);
      if (cost !== null) return cost;
    }
    const model = candidates.find((m) => m !== undefined) ?? '(none)';
    const key = `${provider}/${model}`;
    if (!this.#reported.has(key)) {
      this.#reported.add(key);
      this.#onUnpriced(provider, model);
    }
    return null;
  }
}
