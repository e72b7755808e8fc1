// Request cost from token usage and catalog prices.
//
// Prices are USD per million tokens. With
//   uncached  = inputTokens − cachedInputTokens − cacheWriteInputTokens
//   visible   = outputTokens − reasoningTokens
// the cost is
//   ( uncached         × input
//   + cachedInput      × (pricing.cachedInput ?? input)
//   + cacheWriteInput  × (pricing.cacheWrite  ?? input)
//   + visible          × output
//   + reasoningTokens  × (pricing.reasoning   ?? output) ) / 1e6
// rounded to 1e-10 USD to drop float noise.
//
// Unknown cost is null, never 0: a missing entry, or tokens of a kind whose price (and its
// fallback) the entry lacks, would otherwise read as "free" in usage reports. A kind with zero
// tokens needs no price, so an embedding model without an output price still costs its input.
//
// Not modelled: long-context tiers (e.g. Gemini/Claude prices above 200k input tokens), batch and
// priority tiers, Anthropic's 1-hour cache-write price, audio/image tokens. The list price for
// text tokens is used.
import { type CatalogEntry, type TokenUsage, tokenCount } from './types.ts';

const TOKENS_PER_PRICE_UNIT = 1e6;
const COST_PRECISION = 1e10;

/** Tokens × price per million, or null when there are tokens but no price for them. */
function tokensCost(tokens: number, pricePerMillion: number | undefined): number | null {
  if (tokens <= 0) return 0;
  return pricePerMillion === undefined ? null : tokens * pricePerMillion;
}

/** USD cost of one request's usage at the entry's list prices; null when it cannot be known. */
export function costUsd(entry: CatalogEntry | undefined, usage: TokenUsage): number | null {
  if (entry === undefined) return null;
  const { input, output, cachedInput, cacheWrite, reasoning } = entry.pricing;
  const cachedTokens = tokenCount(usage.cachedInputTokens);
  const cacheWriteTokens = tokenCount(usage.cacheWriteInputTokens);
  const reasoningTokens = tokenCount(usage.reasoningTokens);
  // Clamped at 0: a provider reporting more cached than total tokens must not yield a refund.
  const uncachedTokens = Math.max(0, tokenCount(usage.inputTokens) - cachedTokens - cacheWriteTokens);
  const visibleOutputTokens = Math.max(0, tokenCount(usage.outputTokens) - reasoningTokens);

  const parts = [
    tokensCost(uncachedTokens, input),
    tokensCost(cachedTokens, cachedInput ?? input),
    tokensCost(cacheWriteTokens, cacheWrite ?? input),
    tokensCost(visibleOutputTokens, output),
    tokensCost(reasoningTokens, reasoning ?? output),
  ];
  let total = 0;
  for (const part of parts) {
    if (part === null) return null;
    total += part;
  }
  return Math.round((total / TOKENS_PER_PRICE_UNIT) * COST_PRECISION) / COST_PRECISION;
}
