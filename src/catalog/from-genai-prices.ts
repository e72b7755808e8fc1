// Supplements the catalog generated from LiteLLM with @pydantic/genai-prices (MIT): models LiteLLM
// does not list yet (Claude Code's default `claude-opus-5-5`, for one), and time-of-day prices,
// which LiteLLM's format cannot express. LiteLLM stays the source of every model it has (limits,
// capabilities, image/audio/rerank prices, tiers): one source per model keeps a refresh's diff
// readable. Pure and deterministic; run by scripts/generate-catalog.ts only, never at run time.
import type { CatalogEntry, LongContextTier, ModelPricing, TimeOfDayPrices, TokenPrices } from './types.ts';

/** The parts of genai-prices' data used here (its `Provider` / `ModelInfo` types). */
export interface GenaiProvider {
  id: string;
  models: readonly GenaiModel[];
}

export interface GenaiModel {
  id: string;
  context_window?: number;
  deprecated?: boolean;
  prices: GenaiPrices | readonly { constraint?: GenaiConstraint; prices: GenaiPrices }[];
}

type GenaiPrices = Record<
  string,
  number | { base: number; tiers: readonly { start: number; price: number }[] } | undefined
>;
type GenaiConstraint =
  | { type: 'start_date'; start_date: string }
  | { type: 'time_of_date'; start_time: string; end_time: string };

/**
 * genai-prices provider ids whose model ids are the ids the provider's API takes, mapped to
 * Switchyard's. (Its `google` also lists Claude on Vertex, and Fireworks/Mistral use short
 * aliases: those are not added, only matched.)
 */
export const GENAI_PROVIDERS: Readonly<Record<string, { provider: string; addModel: (id: string) => boolean }>> = {
  anthropic: { provider: 'anthropic', addModel: (id) => id.startsWith('claude-') },
  openai: { provider: 'openai', addModel: (id) => /^(gpt-|o\d)/.test(id) },
  google: { provider: 'gemini', addModel: (id) => id.startsWith('gemini-') },
  deepseek: { provider: 'deepseek', addModel: (id) => id.startsWith('deepseek-') },
  'x-ai': { provider: 'xai', addModel: (id) => id.startsWith('grok-') },
};

const NO_CAPABILITIES = { tools: false, vision: false, reasoning: false, promptCaching: false, jsonSchema: false };

/** What the supplement did, for the generator's report. */
export interface SupplementReport {
  added: string[];
  timeOfDay: string[];
  /** time-of-day prices skipped because their standard price disagrees with LiteLLM's list price */
  disagreements: string[];
}

/**
 * `entries` with genai-prices' models added where missing and its time-of-day windows added where
 * its standard price agrees with the entry's list price. `asOf` (YYYY-MM-DD) picks the prices in
 * force at the catalog's date among dated ones.
 */
export function supplementFromGenaiPrices(
  entries: readonly CatalogEntry[],
  providers: readonly GenaiProvider[],
  asOf: string,
): { entries: CatalogEntry[]; report: SupplementReport } {
  const byId = new Map(entries.map((entry) => [`${entry.provider}\u0000${entry.model}`, entry]));
  const report: SupplementReport = { added: [], timeOfDay: [], disagreements: [] };
  for (const source of providers) {
    const mapping = GENAI_PROVIDERS[source.id];
    if (mapping === undefined) continue;
    for (const model of source.models) {
      const id = `${mapping.provider}\u0000${model.id}`;
      const current = pricesInForce(model, asOf);
      if (current === undefined) continue;
      const existing = byId.get(id);
      if (existing === undefined) {
        // An id ending in '-' or '.' is a prefix genai-prices matches (fine-tunes), not a model.
        if (model.deprecated || !mapping.addModel(model.id) || !/^[\w.-]*[A-Za-z0-9]$/.test(model.id)) continue;
        const pricing = toPricing(current.base);
        if (pricing.input === undefined || pricing.output === undefined) continue;
        if (current.timeOfDay.length) pricing.timeOfDay = current.timeOfDay;
        byId.set(id, {
          provider: mapping.provider,
          routable: true,
          model: model.id,
          mode: 'chat',
          ...(model.context_window ? { contextWindow: model.context_window } : {}),
          pricing,
          capabilities: NO_CAPABILITIES,
        });
        report.added.push(`${mapping.provider}/${model.id}`);
      } else if (current.timeOfDay.length && existing.pricing.timeOfDay === undefined) {
        // Windows hold the standard price, the base the discount (or the reverse): they belong to
        // LiteLLM's list price only when one of them is that price.
        const list = existing.pricing.input;
        const base = toPricing(current.base).input;
        const agrees = list !== undefined && (base === list || current.timeOfDay.some((w) => w.prices.input === list));
        if (!agrees) {
          report.disagreements.push(`${mapping.provider}/${model.id}`);
          continue;
        }
        const offList = base === list ? current.timeOfDay : invertWindows(current.timeOfDay, toPricing(current.base));
        byId.set(id, { ...existing, pricing: { ...existing.pricing, timeOfDay: offList } });
        report.timeOfDay.push(`${mapping.provider}/${model.id}`);
      }
    }
  }
  const sorted = [...byId.values()].sort((a, b) => compare(a.provider, b.provider) || compare(a.model, b.model));
  return { entries: sorted, report };
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The unconstrained (or latest started) prices, and the time-of-day windows, as of a date. */
function pricesInForce(
  model: GenaiModel,
  asOf: string,
): { base: GenaiPrices; timeOfDay: TimeOfDayPrices[] } | undefined {
  if (!Array.isArray(model.prices)) return { base: model.prices as GenaiPrices, timeOfDay: [] };
  const conditional = model.prices as readonly { constraint?: GenaiConstraint; prices: GenaiPrices }[];
  let base: GenaiPrices | undefined;
  let baseStart = '';
  const timeOfDay: TimeOfDayPrices[] = [];
  for (const { constraint, prices } of conditional) {
    if (constraint === undefined) {
      if (base === undefined) base = prices;
    } else if (constraint.type === 'start_date') {
      if (constraint.start_date <= asOf && constraint.start_date >= baseStart) {
        base = prices;
        baseStart = constraint.start_date;
      }
    } else if (constraint.type === 'time_of_date') {
      const window = toTokenPrices(prices);
      if (window)
        timeOfDay.push({ startUtc: hhmm(constraint.start_time), endUtc: hhmm(constraint.end_time), prices: window });
    }
  }
  return base === undefined ? undefined : { base, timeOfDay };
}

/** Windows that hold the list price, turned into the one window that holds the base (off-list) price. */
function invertWindows(windows: readonly TimeOfDayPrices[], base: TokenPrices): TimeOfDayPrices[] {
  if (windows.length !== 1) return [];
  const [window] = windows as [TimeOfDayPrices];
  return [{ startUtc: window.endUtc, endUtc: window.startUtc, prices: toTokenPricesOf(base) }];
}

const hhmm = (time: string) => time.slice(0, 5);

function toPricing(prices: GenaiPrices): ModelPricing {
  const pricing: ModelPricing = { ...toTokenPricesOf(priceBases(prices)) };
  const cacheWrite1h = base(prices.cache_write_1h_mtok);
  if (cacheWrite1h !== undefined) pricing.cacheWrite1h = cacheWrite1h;
  const longContext = tiersOf(prices);
  if (longContext.length) pricing.longContext = longContext;
  return pricing;
}

function toTokenPrices(prices: GenaiPrices): TokenPrices | undefined {
  const tokens = toTokenPricesOf(priceBases(prices));
  return Object.keys(tokens).length ? tokens : undefined;
}

function toTokenPricesOf(prices: TokenPrices): TokenPrices {
  return {
    ...(prices.input === undefined ? {} : { input: prices.input }),
    ...(prices.output === undefined ? {} : { output: prices.output }),
    ...(prices.cachedInput === undefined ? {} : { cachedInput: prices.cachedInput }),
    ...(prices.cacheWrite === undefined ? {} : { cacheWrite: prices.cacheWrite }),
  };
}

function priceBases(prices: GenaiPrices): TokenPrices {
  return {
    input: base(prices.input_mtok),
    output: base(prices.output_mtok),
    cachedInput: base(prices.cache_read_mtok),
    cacheWrite: base(prices.cache_write_mtok),
  };
}

function base(value: GenaiPrices[string]): number | undefined {
  if (typeof value === 'number') return value;
  return typeof value === 'object' && value !== null ? value.base : undefined;
}

/** Tiered prices (`{base, tiers: [{start, price}]}`) as long-context tiers, lowest threshold first. */
function tiersOf(prices: GenaiPrices): LongContextTier[] {
  const starts = new Set<number>();
  for (const value of Object.values(prices))
    if (typeof value === 'object' && value !== null) for (const tier of value.tiers) starts.add(tier.start);
  const field = (value: GenaiPrices[string], start: number) =>
    typeof value === 'object' && value !== null ? value.tiers.find((t) => t.start === start)?.price : undefined;
  return [...starts]
    .sort((a, b) => a - b)
    .map((start) => ({
      aboveInputTokens: start,
      ...toTokenPricesOf({
        input: field(prices.input_mtok, start),
        output: field(prices.output_mtok, start),
        cachedInput: field(prices.cache_read_mtok, start),
        cacheWrite: field(prices.cache_write_mtok, start),
      }),
    }));
}
