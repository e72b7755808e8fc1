// Maps LiteLLM's price map (model_prices_and_context_window.json) to Switchyard's CatalogEntry.
// Pure and deterministic: used by scripts/generate-catalog.ts to build the committed catalog and at
// run time for a user's CATALOG_FILE, which uses the same source format.
import type {
  CatalogEntry,
  LongContextTier,
  ModelCapabilities,
  ModelMode,
  ModelPricing,
  TokenPrices,
} from './types.ts';

/** LiteLLM `litellm_provider` keys that Switchyard serves natively, mapped to Switchyard's ids. */
const SOURCE_PROVIDER_TO_SWITCHYARD: Readonly<Record<string, string>> = {
  openai: 'openai',
  anthropic: 'anthropic',
  gemini: 'gemini',
  mistral: 'mistral',
  groq: 'groq',
  cohere: 'cohere',
  cohere_chat: 'cohere',
  deepseek: 'deepseek',
  together_ai: 'together',
  perplexity: 'perplexity',
  fireworks_ai: 'fireworks',
  ai21: 'ai21',
  ai21_chat: 'ai21',
  xai: 'xai',
  azure: 'azure-openai',
  azure_ai: 'azure-foundry',
  ollama: 'ollama',
  ollama_chat: 'ollama',
  bedrock: 'bedrock',
  bedrock_converse: 'bedrock',
  replicate: 'replicate',
  vertex_ai: 'vertex-ai',
  huggingface: 'hugging-face',
};

/** Switchyard's own provider ids, also accepted as `litellm_provider` in a user's CATALOG_FILE. */
const SWITCHYARD_PROVIDER_IDS: ReadonlySet<string> = new Set(Object.values(SOURCE_PROVIDER_TO_SWITCHYARD));

const SOURCE_MODE_TO_MODE: Readonly<Record<string, ModelMode>> = {
  chat: 'chat',
  completion: 'completion',
  embedding: 'embedding',
  image_generation: 'image',
  // Image edit models are image models priced per output image, like image_generation.
  image_edit: 'image',
  audio_transcription: 'audio-transcription',
  audio_speech: 'audio-speech',
  moderation: 'moderation',
  rerank: 'rerank',
  search: 'search',
  video_generation: 'video',
  responses: 'responses',
  // Everything else (`realtime`, `ocr`, `vector_store`, missing) is `other`: such
  // models are not reachable through the chat/completions/embeddings endpoints.
};

/**
 * Keys the source spells wrongly; mapped to the key it means so the model id comes out right.
 * (The Replicate model is `openai/gpt-oss-20b`; the source lost the slash after `replicate`.)
 */
const KNOWN_SOURCE_KEY_TYPOS: Readonly<Record<string, string>> = {
  'replicateopenai/gpt-oss-20b': 'replicate/openai/gpt-oss-20b',
};

/**
 * LiteLLM's size-bucket price fallbacks (`fireworks-ai-up-to-4b`, `together-ai-21.1b-41b`, ...):
 * pricing rules, not model ids any API accepts, so they are not catalog entries.
 */
const PRICING_BUCKET_KEY = /^(?:fireworks-ai|together-ai)-/;

export interface ProviderMapping {
  provider: string;
  routable: boolean;
}

/** Switchyard provider for a source `litellm_provider`; unknown providers are kept, non-routable. */
export function mapSourceProvider(sourceProvider: string): ProviderMapping {
  const mapped = SOURCE_PROVIDER_TO_SWITCHYARD[sourceProvider];
  if (mapped !== undefined) return { provider: mapped, routable: true };
  // vertex_ai-language-models, vertex_ai-anthropic_models, ... are all Vertex AI.
  if (sourceProvider.startsWith('vertex_ai-')) return { provider: 'vertex-ai', routable: true };
  if (SWITCHYARD_PROVIDER_IDS.has(sourceProvider)) return { provider: sourceProvider, routable: true };
  return { provider: sourceProvider, routable: false };
}

// ---------------------------------------------------------------------------------------------
// Source keys: `[qualifiers/][provider-prefix/][qualifiers/]model-id`
//
// Besides the provider prefix (`gemini/`, `together_ai/`, `vertex_ai/`, ...), LiteLLM puts
// price-variant qualifiers in front of the model id: AWS regions and provisioned-throughput terms
// (`bedrock/us-east-1/1-month-commitment/anthropic.claude-v2:1`), Azure data zones
// (`azure/eu/gpt-4o-2024-08-06`), image size / quality / steps
// (`low/1024-x-1024/gpt-image-1`, `1024-x-1024/50-steps/stability.stable-diffusion-xl-v1`) and
// LiteLLM's route selector (`bedrock/invoke/...`). None of them is part of the id the provider's
// API expects: the region is where the client points, the size and quality are request
// parameters. So they are stripped, and the variants compete for their model id (see
// `compareCandidates`):
// - Bedrock region keys (`bedrock/us-east-1/...`, `bedrock/us-gov-west-1/...`) and Azure data
//   zones are dropped when the model has an unqualified (list) price, which is the case for every
//   one of them in the 2026-07-24 data; the catalog has one price per model, and the list price is
//   the one most users pay. Otherwise one is kept with the region stripped, us-east-1 preferred,
//   rather than losing the model. Costs of requests served in dearer regions are understated;
//   a CATALOG_FILE entry can set the price actually paid.
// - Provisioned-throughput terms (`.../1-month-commitment/...`) are always dropped: they are
//   priced per reserved hour, not per token.
// - Image size/quality/steps variants: the unqualified per-image price wins, else the default
//   variant (1024x1024, standard, 50 steps).
// ---------------------------------------------------------------------------------------------

const AWS_REGION = /^(?:[a-z]{2}(?:-gov)?-[a-z]+-\d+|\*)$/; // `*` = any region
const AZURE_DATA_ZONE = /^(?:us|eu|global|global-standard)$/;
const COMMITMENT = /^\d+-month-commitment$/;
const IMAGE_SIZE = /^(\d+|max)-x-(\d+|max)$/;
const IMAGE_STEPS = /^(?:\d+|max)-steps$/;
const IMAGE_QUALITY = /^(?:low|medium|high|hd|standard)$/;
const ROUTE_SELECTOR = /^invoke$/;

function isQualifier(segment: string): boolean {
  return [AWS_REGION, AZURE_DATA_ZONE, COMMITMENT, IMAGE_SIZE, IMAGE_STEPS, IMAGE_QUALITY, ROUTE_SELECTOR].some(
    (pattern) => pattern.test(segment),
  );
}

/**
 * Qualifiers that name the provider's default variant; among qualified-only prices for one model,
 * the one with fewest non-default qualifiers wins (1024x1024 standard image, us-east-1, ...).
 */
const DEFAULT_QUALIFIERS: ReadonlySet<string> = new Set([
  '1024-x-1024',
  'standard',
  '50-steps',
  'us-east-1',
  'global',
  'global-standard',
  'invoke',
]);

/**
 * Whether a key's first segment is the source's own provider prefix: the provider key itself
 * (`gemini/`), its family for suffixed keys (`vertex_ai/` for vertex_ai-anthropic_models, `azure/`
 * for azure_text, `fireworks_ai/` for fireworks_ai-embedding-models), or its dashed spelling
 * (`amazon-nova/` for amazon_nova).
 */
function isOwnProviderPrefix(segment: string, sourceProvider: string): boolean {
  if (segment.length === 0) return false;
  return (
    segment === sourceProvider ||
    sourceProvider.startsWith(`${segment}_`) ||
    sourceProvider.startsWith(`${segment}-`) ||
    segment === sourceProvider.replaceAll('_', '-')
  );
}

export interface ParsedSourceKey {
  /** model id as the provider's API expects it */
  model: string;
  /** price-variant qualifiers stripped from the key, in key order */
  qualifiers: string[];
}

/** Splits a source key into the provider's model id and the stripped variant qualifiers. */
export function parseSourceKey(key: string, sourceProvider: string): ParsedSourceKey {
  const segments = (KNOWN_SOURCE_KEY_TYPOS[key] ?? key).split('/');
  const qualifiers: string[] = [];
  let strippedProvider = false;
  let index = 0;
  // The last segment is always model id, whatever it looks like.
  for (; index < segments.length - 1; index++) {
    const segment = segments[index] ?? '';
    if (!strippedProvider && isOwnProviderPrefix(segment, sourceProvider)) {
      strippedProvider = true;
    } else if (isQualifier(segment)) {
      qualifiers.push(segment);
    } else {
      break;
    }
  }
  return { model: segments.slice(index).join('/'), qualifiers };
}

// ---------------------------------------------------------------------------------------------
// Numbers
// ---------------------------------------------------------------------------------------------

function nonNegativeNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

function positiveTokenCount(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 1 ? Math.floor(value) : undefined;
}

/**
 * Rounds to 12 significant digits (1e-12 relative). Source prices are written with fewer digits,
 * except repeating fractions (0.0002833333333333333) and float artifacts, so this removes the
 * binary noise of a multiplication (2.5e-6 × 1e6 = 2.4999999999999996 → 2.5) and the noise some
 * source values carry themselves (2.9999900000000002e-06 → 2.99999 per million) without changing
 * a digit the source meant.
 */
function withoutFloatNoise(value: number, significantDigits = 12): number {
  return Number(value.toPrecision(significantDigits));
}

/** USD per token → USD per million tokens, exact. */
function perMillion(value: unknown): number | undefined {
  const perToken = nonNegativeNumber(value);
  return perToken === undefined ? undefined : withoutFloatNoise(perToken * 1e6);
}

/** USD per unit (character, second, query), without float noise. */
function perUnit(value: unknown): number | undefined {
  const price = nonNegativeNumber(value);
  return price === undefined ? undefined : withoutFloatNoise(price);
}

/** Significant digits the source wrote for a value (3.81469e-8 → 6). */
function significantDigitsOf(value: number): number {
  const mantissa = value.toExponential().split('e')[0] ?? '';
  return Math.max(1, mantissa.replace(/[-.]/g, '').length);
}

// ---------------------------------------------------------------------------------------------
// Fields
// ---------------------------------------------------------------------------------------------

type SourceEntry = Record<string, unknown>;

function mapMode(sourceMode: unknown): ModelMode {
  return (typeof sourceMode === 'string' ? SOURCE_MODE_TO_MODE[sourceMode] : undefined) ?? 'other';
}

/** Pixel count of an image-size qualifier (`1024-x-1792`); undefined for `max-x-max` or none. */
function imagePixels(qualifiers: readonly string[]): number | undefined {
  for (const qualifier of qualifiers) {
    const match = IMAGE_SIZE.exec(qualifier);
    if (match && match[1] !== 'max' && match[2] !== 'max') return Number(match[1]) * Number(match[2]);
  }
  return undefined;
}

/**
 * Price of one generated image. LiteLLM stores it as output_cost_per_image, or (OpenAI's DALL-E /
 * gpt-image entries) as input_cost_per_image, or per pixel on size-qualified keys. Per-image
 * prices on chat and embedding models are for input images, priced inconsistently in the source,
 * and are not kept.
 */
function perGeneratedImage(source: SourceEntry, qualifiers: readonly string[]): number | undefined {
  const perImage = nonNegativeNumber(source.output_cost_per_image) ?? nonNegativeNumber(source.input_cost_per_image);
  if (perImage !== undefined) return perImage;
  const pixels = imagePixels(qualifiers);
  const inputPerPixel = nonNegativeNumber(source.input_cost_per_pixel);
  const outputPerPixel = nonNegativeNumber(source.output_cost_per_pixel);
  if (pixels === undefined || (inputPerPixel === undefined && outputPerPixel === undefined)) return undefined;
  const perPixel = (inputPerPixel ?? 0) + (outputPerPixel ?? 0);
  // A derived price is no more precise than the per-pixel figure it comes from
  // (1.9e-8 × 1024 × 1024 = 0.019922944 → 0.02).
  return withoutFloatNoise(perPixel * pixels, Math.min(12, significantDigitsOf(perPixel)));
}

function mapPricing(source: SourceEntry, mode: ModelMode, qualifiers: readonly string[]): ModelPricing {
  const input = perMillion(source.input_cost_per_token);
  const output = perMillion(source.output_cost_per_token);
  const cachedInput = perMillion(source.cache_read_input_token_cost);
  const cacheWrite = perMillion(source.cache_creation_input_token_cost);
  const reasoning = perMillion(source.output_cost_per_reasoning_token);
  const cacheWrite1h = perMillion(source.cache_creation_input_token_cost_above_1hr);
  const longContext = longContextTiers(source);
  const serviceTiers = serviceTierPrices(source);
  const perImage = mode === 'image' ? perGeneratedImage(source, qualifiers) : undefined;
  const imageInput = mode === 'image' ? perMillion(source.input_cost_per_image_token) : undefined;
  const imageOutput = mode === 'image' ? perMillion(source.output_cost_per_image_token) : undefined;
  const perCharacter = mode === 'audio-speech' ? perUnit(source.input_cost_per_character) : undefined;
  // Transcription is billed per second of input audio (output_cost_per_second is a TTS figure).
  const perSecond = mode === 'audio-transcription' ? perUnit(source.input_cost_per_second) : undefined;
  const perQuery = mode === 'rerank' ? perUnit(source.input_cost_per_query) : undefined;
  // Fixed key order, and absent prices leave no key, so the JSON output is stable and compact.
  return {
    ...(input === undefined ? {} : { input }),
    ...(output === undefined ? {} : { output }),
    ...(cachedInput === undefined ? {} : { cachedInput }),
    ...(cacheWrite === undefined ? {} : { cacheWrite }),
    ...(cacheWrite1h === undefined ? {} : { cacheWrite1h }),
    ...(reasoning === undefined ? {} : { reasoning }),
    ...(longContext === undefined ? {} : { longContext }),
    ...(serviceTiers === undefined ? {} : { serviceTiers }),
    ...(imageInput === undefined ? {} : { imageInput }),
    ...(imageOutput === undefined ? {} : { imageOutput }),
    ...(perImage === undefined ? {} : { perImage }),
    ...(perCharacter === undefined ? {} : { perCharacter }),
    ...(perSecond === undefined ? {} : { perSecond }),
    ...(perQuery === undefined ? {} : { perQuery }),
  };
}

/** Only the keys whose value is set, in a fixed order (stable output). */
function tokenPrices(
  input?: number,
  output?: number,
  cachedInput?: number,
  cacheWrite?: number,
): TokenPrices | undefined {
  const prices: TokenPrices = {
    ...(input === undefined ? {} : { input }),
    ...(output === undefined ? {} : { output }),
    ...(cachedInput === undefined ? {} : { cachedInput }),
    ...(cacheWrite === undefined ? {} : { cacheWrite }),
  };
  return Object.keys(prices).length ? prices : undefined;
}

/** `input_cost_per_token_above_200k_tokens` and its kin (128k, 200k, 256k, 272k, 512k thresholds). */
function longContextTiers(source: SourceEntry): LongContextTier[] | undefined {
  const tiers: LongContextTier[] = [];
  for (const [label, tokens] of [
    ['128k', 128_000],
    ['200k', 200_000],
    ['256k', 256_000],
    ['272k', 272_000],
    ['512k', 512_000],
  ] as const) {
    const prices = tokenPrices(
      perMillion(source[`input_cost_per_token_above_${label}_tokens`]),
      perMillion(source[`output_cost_per_token_above_${label}_tokens`]),
      perMillion(source[`cache_read_input_token_cost_above_${label}_tokens`]),
      perMillion(source[`cache_creation_input_token_cost_above_${label}_tokens`]),
    );
    if (prices) tiers.push({ aboveInputTokens: tokens, ...prices });
  }
  return tiers.length ? tiers : undefined;
}

/** OpenAI's flex and priority tiers (`*_flex`, `*_priority`) and batch prices (`*_batches`). */
function serviceTierPrices(source: SourceEntry): ModelPricing['serviceTiers'] {
  const tiers: NonNullable<ModelPricing['serviceTiers']> = {};
  for (const [tier, suffix] of [
    ['batch', 'batches'],
    ['flex', 'flex'],
    ['priority', 'priority'],
  ] as const) {
    const prices = tokenPrices(
      perMillion(source[`input_cost_per_token_${suffix}`]),
      perMillion(source[`output_cost_per_token_${suffix}`]),
      perMillion(source[`cache_read_input_token_cost_${suffix}`]),
      perMillion(source[`cache_creation_input_token_cost_${suffix}`]),
    );
    if (prices) tiers[tier] = prices;
  }
  return Object.keys(tiers).length ? tiers : undefined;
}

/**
 * The size/quality variant a qualified image key prices (`hd/1024-x-1792/dall-e-3` →
 * `hd/1024x1792`), or undefined when it is not one (other qualifiers, no size).
 */
function imageVariantKey(qualifiers: readonly string[]): string | undefined {
  let size: string | undefined;
  let quality: string | undefined;
  for (const qualifier of qualifiers) {
    const match = IMAGE_SIZE.exec(qualifier);
    if (match && match[1] !== 'max' && match[2] !== 'max') size = `${match[1]}x${match[2]}`;
    else if (IMAGE_QUALITY.test(qualifier)) quality = qualifier;
    else return undefined;
  }
  if (size === undefined) return undefined;
  return quality === undefined ? size : `${quality}/${size}`;
}

function mapCapabilities(source: SourceEntry): ModelCapabilities {
  return {
    tools: source.supports_function_calling === true,
    vision: source.supports_vision === true,
    reasoning: source.supports_reasoning === true,
    promptCaching: source.supports_prompt_caching === true,
    jsonSchema: source.supports_response_schema === true,
  };
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

function toEntry(provider: ProviderMapping, parsed: ParsedSourceKey, source: SourceEntry): CatalogEntry {
  const mode = mapMode(source.mode);
  const contextWindow = positiveTokenCount(source.max_input_tokens) ?? positiveTokenCount(source.max_tokens);
  const maxOutputTokens = positiveTokenCount(source.max_output_tokens) ?? positiveTokenCount(source.max_tokens);
  const deprecationDate = source.deprecation_date;
  // Optional keys are spread in a fixed order: the generated catalog must be byte-identical for
  // the same input, and absent values must leave no key.
  return {
    provider: provider.provider,
    routable: provider.routable,
    model: parsed.model,
    mode,
    ...(contextWindow === undefined ? {} : { contextWindow }),
    ...(maxOutputTokens === undefined ? {} : { maxOutputTokens }),
    pricing: mapPricing(source, mode, parsed.qualifiers),
    capabilities: mapCapabilities(source),
    ...(typeof deprecationDate === 'string' && ISO_DATE.test(deprecationDate) ? { deprecationDate } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Dedupe
// ---------------------------------------------------------------------------------------------

interface Candidate {
  sourceKey: string;
  parsed: ParsedSourceKey;
  entry: CatalogEntry;
}

function compareStrings(a: string, b: string): number {
  // Code-unit order, not localeCompare: identical on every machine and ICU version.
  return a < b ? -1 : a > b ? 1 : 0;
}

function nonDefaultQualifierCount(qualifiers: readonly string[]): number {
  return qualifiers.filter((qualifier) => !DEFAULT_QUALIFIERS.has(qualifier)).length;
}

/**
 * Which of several source keys for the same (provider, model) is kept; negative = `a` wins.
 * 1. Unqualified first: the provider's list price beats a region-, size- or quality-pinned price.
 * 2. Fewer non-default qualifiers, then fewer qualifiers: us-east-1 / 1024x1024 standard wins.
 * 3. The bare key (the model id exactly) beats a provider-prefixed alias: in LiteLLM the bare key
 *    is the primary entry, the prefixed duplicates are later aliases and carry fewer fields.
 * 4. Source key order, so the result never depends on the order of keys in the input.
 */
function compareCandidates(a: Candidate, b: Candidate): number {
  const isQualified = (candidate: Candidate) => Number(candidate.parsed.qualifiers.length > 0);
  const isAlias = (candidate: Candidate) => Number(candidate.sourceKey !== candidate.parsed.model);
  return (
    isQualified(a) - isQualified(b) ||
    nonDefaultQualifierCount(a.parsed.qualifiers) - nonDefaultQualifierCount(b.parsed.qualifiers) ||
    a.parsed.qualifiers.length - b.parsed.qualifiers.length ||
    isAlias(a) - isAlias(b) ||
    compareStrings(a.sourceKey, b.sourceKey)
  );
}

function compareEntries(a: CatalogEntry, b: CatalogEntry): number {
  return compareStrings(a.provider, b.provider) || compareStrings(a.model, b.model);
}

function isSourceEntry(value: unknown): value is SourceEntry {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The candidate for one source key, or undefined when the key is not a model the catalog keeps. */
function toCandidate(sourceKey: string, value: unknown): Candidate | undefined {
  // Skips `sample_spec` (documentation), `last_updated` (a string) and rule blocks without a provider.
  if (sourceKey === 'sample_spec' || !isSourceEntry(value)) return undefined;
  const sourceProvider = value.litellm_provider;
  if (typeof sourceProvider !== 'string' || sourceProvider.length === 0) return undefined;
  if (PRICING_BUCKET_KEY.test(sourceKey)) return undefined;
  const parsed = parseSourceKey(sourceKey, sourceProvider);
  // Provisioned throughput is billed per hour of reserved capacity, not per token: not a price
  // the gateway can attribute to a request, and not the model's on-demand price.
  if (parsed.model.length === 0 || parsed.qualifiers.some((qualifier) => COMMITMENT.test(qualifier))) return undefined;
  return { sourceKey, parsed, entry: toEntry(mapSourceProvider(sourceProvider), parsed, value) };
}

/**
 * Source-format entries (LiteLLM's model_prices_and_context_window.json) → catalog entries, one per
 * (provider, model), sorted by provider then model. Non-model keys and junk values are ignored.
 */
export function fromSource(json: Record<string, unknown>): CatalogEntry[] {
  const winners = new Map<string, Candidate>();
  // Image prices by size and quality: every variant key of a model, kept beside the winner.
  const variants = new Map<string, Record<string, number>>();
  for (const [sourceKey, value] of Object.entries(json)) {
    const candidate = toCandidate(sourceKey, value);
    if (candidate === undefined) continue;
    const id = `${candidate.entry.provider}\u0000${candidate.entry.model}`;
    const current = winners.get(id);
    if (current === undefined || compareCandidates(candidate, current) < 0) winners.set(id, candidate);
    const variant = candidate.entry.mode === 'image' ? imageVariantKey(candidate.parsed.qualifiers) : undefined;
    const price = candidate.entry.pricing.perImage;
    if (variant !== undefined && price !== undefined) {
      const prices = variants.get(id) ?? {};
      prices[variant] = price;
      variants.set(id, prices);
    }
  }
  return [...winners.entries()]
    .map(([id, candidate]) => {
      const prices = variants.get(id);
      if (prices === undefined) return candidate.entry;
      // Sorted keys: the generated catalog is byte-identical for the same input.
      const imageVariants = Object.fromEntries(Object.entries(prices).sort(([a], [b]) => compareStrings(a, b)));
      return { ...candidate.entry, pricing: { ...candidate.entry.pricing, imageVariants } };
    })
    .sort(compareEntries);
}
