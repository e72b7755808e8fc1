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
// The token prices are the list prices unless the request's service tier (flex, priority, batch),
// the UTC hour (off-peak windows) or its input size (long-context tiers: Gemini and Claude past
// 200k input tokens bill the whole request higher) says otherwise; 1-hour cache writes take their
// own price. Not modelled: audio tokens, web-search and tool fees.
import { type CatalogEntry, type ModelPricing, type ServiceTier, type TokenUsage, tokenCount } from './types.ts';

const TOKENS_PER_PRICE_UNIT = 1e6;
const COST_PRECISION = 1e10;

/** Tokens × price per million, or NaN when there are tokens but no price for them. */
function tokensCost(tokens: number, pricePerMillion: number | undefined): number {
  if (tokens <= 0) return 0;
  return pricePerMillion === undefined ? Number.NaN : tokens * pricePerMillion;
}

/**
 * The token prices that apply to this request: the list prices, replaced by its service tier's
 * (flex, priority, batch), by the hour's (off-peak), and by the long-context tier its input
 * reaches — the provider bills the whole request at that tier's prices.
 */
function pricesFor(entry: CatalogEntry, usage: TokenUsage, at: Date | undefined): ModelPricing {
  const { pricing } = entry;
  let prices: ModelPricing = pricing;
  const tier = usage.serviceTier === 'scale' ? undefined : usage.serviceTier;
  const service = tier === undefined ? undefined : pricing.serviceTiers?.[tier as ServiceTier];
  if (service) prices = { ...prices, ...service };
  if (pricing.timeOfDay) {
    const now = at ?? new Date();
    const minute = now.getUTCHours() * 60 + now.getUTCMinutes();
    const hour = pricing.timeOfDay.find((window) => withinWindow(minute, window.startUtc, window.endUtc));
    if (hour) prices = { ...prices, ...hour.prices };
  }
  const inputTokens = tokenCount(usage.inputTokens);
  const long = pricing.longContext?.findLast((t) => inputTokens > t.aboveInputTokens);
  if (long) {
    const { aboveInputTokens: _threshold, ...longPrices } = long;
    prices = { ...prices, ...longPrices };
  }
  return prices;
}

function withinWindow(minute: number, start: string, end: string): boolean {
  const toMinute = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
  const [from, to] = [toMinute(start), toMinute(end)];
  return from <= to ? minute >= from && minute < to : minute >= from || minute < to;
}

/** USD cost of one request's usage at the entry's prices (at time `at`, default now); null when it cannot be known. */
export function costUsd(entry: CatalogEntry | undefined, usage: TokenUsage, at?: Date): number | null {
  if (entry === undefined) return null;
  const { input, output, cachedInput, cacheWrite, cacheWrite1h, reasoning, imageInput, imageOutput } = pricesFor(
    entry,
    usage,
    at,
  );
  const cachedTokens = tokenCount(usage.cachedInputTokens);
  const cacheWriteTokens = tokenCount(usage.cacheWriteInputTokens);
  const cacheWrite1hTokens = Math.min(cacheWriteTokens, tokenCount(usage.cacheWrite1hInputTokens));
  const reasoningTokens = tokenCount(usage.reasoningTokens);
  const imageInputTokens = tokenCount(usage.imageInputTokens);
  const imageOutputTokens = tokenCount(usage.imageOutputTokens);
  // Clamped at 0: a provider reporting more cached than total tokens must not yield a refund.
  const uncachedTokens = Math.max(
    0,
    tokenCount(usage.inputTokens) - cachedTokens - cacheWriteTokens - imageInputTokens,
  );
  const visibleOutputTokens = Math.max(0, tokenCount(usage.outputTokens) - reasoningTokens - imageOutputTokens);

  // A part without its price is NaN, and so is the sum: then the cost is unknown.
  const tokens =
    tokensCost(uncachedTokens, input) +
    tokensCost(cachedTokens, cachedInput ?? input) +
    tokensCost(cacheWriteTokens - cacheWrite1hTokens, cacheWrite ?? input) +
    tokensCost(cacheWrite1hTokens, cacheWrite1h ?? cacheWrite ?? input) +
    tokensCost(imageInputTokens, imageInput ?? input) +
    tokensCost(visibleOutputTokens, output) +
    tokensCost(reasoningTokens, reasoning ?? output) +
    tokensCost(imageOutputTokens, imageOutput ?? output);
  // Units that are not tokens are priced per unit, not per million.
  const units =
    unitsCost(usage.images, imagePrice(entry, usage)) +
    unitsCost(usage.characters, entry.pricing.perCharacter) +
    unitsCost(usage.audioSeconds, entry.pricing.perSecond) +
    unitsCost(usage.queries, entry.pricing.perQuery);
  const total = tokens / TOKENS_PER_PRICE_UNIT + units;
  return Number.isNaN(total) ? null : Math.round(total * COST_PRECISION) / COST_PRECISION;
}

function unitsCost(count: number | undefined, price: number | undefined): number {
  const units = tokenCount(count);
  if (units === 0) return 0;
  return price === undefined ? Number.NaN : units * price;
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
