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
// Image tokens (gpt-image-1) take their own prices when the entry has them. Units that are not
// tokens add `count × price per unit`: images (by size and quality), characters of speech,
// seconds of transcribed audio, rerank queries.
//
// Not modelled: long-context tiers (e.g. Gemini/Claude prices above 200k input tokens), batch and
// priority tiers, Anthropic's 1-hour cache-write price, audio tokens. The list price for text
// tokens is used.
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
  const { input, output, cachedInput, cacheWrite, reasoning, imageInput, imageOutput } = entry.pricing;
  const cachedTokens = tokenCount(usage.cachedInputTokens);
  const cacheWriteTokens = tokenCount(usage.cacheWriteInputTokens);
  const reasoningTokens = tokenCount(usage.reasoningTokens);
  const imageInputTokens = tokenCount(usage.imageInputTokens);
  const imageOutputTokens = tokenCount(usage.imageOutputTokens);
  // Clamped at 0: a provider reporting more cached than total tokens must not yield a refund.
  const uncachedTokens = Math.max(
    0,
    tokenCount(usage.inputTokens) - cachedTokens - cacheWriteTokens - imageInputTokens,
  );
  const visibleOutputTokens = Math.max(0, tokenCount(usage.outputTokens) - reasoningTokens - imageOutputTokens);

  const parts = [
    tokensCost(uncachedTokens, input),
    tokensCost(cachedTokens, cachedInput ?? input),
    tokensCost(cacheWriteTokens, cacheWrite ?? input),
    tokensCost(imageInputTokens, imageInput ?? input),
    tokensCost(visibleOutputTokens, output),
    tokensCost(reasoningTokens, reasoning ?? output),
    tokensCost(imageOutputTokens, imageOutput ?? output),
  ];
  let total = 0;
  for (const part of parts) {
    if (part === null) return null;
    total += part;
  }
  // Units that are not tokens are priced per unit, not per million.
  const units = [
    unitsCost(usage.images, imagePrice(entry, usage)),
    unitsCost(usage.characters, entry.pricing.perCharacter),
    unitsCost(usage.audioSeconds, entry.pricing.perSecond),
    unitsCost(usage.queries, entry.pricing.perQuery),
  ];
  let unitTotal = 0;
  for (const part of units) {
    if (part === null) return null;
    unitTotal += part;
  }
  return Math.round((total / TOKENS_PER_PRICE_UNIT + unitTotal) * COST_PRECISION) / COST_PRECISION;
}

function unitsCost(count: number | undefined, price: number | undefined): number | null {
  const units = tokenCount(count);
  if (units === 0) return 0;
  return price === undefined ? null : units * price;
}

/**
 * The price of one image of the size and quality asked for: the variant `quality/WxH`, else the
 * size alone, else the model's plain per-image price. A size or quality the catalog does not
 * list for a model that has variants is unknown (null cost) rather than priced as another size.
 */
function imagePrice(entry: CatalogEntry, usage: TokenUsage): number | undefined {
  const { imageVariants, perImage } = entry.pricing;
  if (imageVariants === undefined) return perImage;
  const size = usage.imageSize ?? DEFAULT_IMAGE_SIZE;
  const quality = usage.imageQuality;
  if (quality !== undefined && quality !== 'auto') return imageVariants[`${quality}/${size}`] ?? imageVariants[size];
  // No quality asked: the provider's default (DALL-E 3: standard; gpt-image: auto, billed like high at most).
  return (
    imageVariants[size] ??
    imageVariants[`standard/${size}`] ??
    (size === DEFAULT_IMAGE_SIZE ? perImage : undefined) ??
    imageVariants[`high/${size}`]
  );
}

const DEFAULT_IMAGE_SIZE = '1024x1024';
