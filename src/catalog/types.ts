// The project's own compact model-catalog schema. The built-in catalog is generated into this
// shape from LiteLLM's price map (see docs/catalog.md); nothing else in the gateway needs to know
// the source format.

export type ModelMode =
  | 'chat'
  | 'completion'
  | 'embedding'
  | 'image'
  | 'audio-transcription'
  | 'audio-speech'
  | 'moderation'
  | 'rerank'
  | 'search'
  | 'video'
  /** answered only on OpenAI's Responses API (`/v1/responses`), e.g. o3-pro, gpt-5-codex */
  | 'responses'
  | 'other';

/** Token prices, USD per million tokens: what tiers, service tiers and hours of the day replace. */
export interface TokenPrices {
  input?: number;
  output?: number;
  cachedInput?: number;
  cacheWrite?: number;
}

/** Long-context pricing: past `aboveInputTokens` input tokens, the whole request is billed at these prices. */
export interface LongContextTier extends TokenPrices {
  aboveInputTokens: number;
}

/** Prices that apply between two UTC times of day (`HH:MM`; the window may wrap midnight). */
export interface TimeOfDayPrices {
  startUtc: string;
  endUtc: string;
  prices: TokenPrices;
}

export interface ModelPricing {
  /** USD per million tokens */
  input?: number;
  output?: number;
  cachedInput?: number;
  /** cache writes with the default (5-minute) lifetime */
  cacheWrite?: number;
  /** cache writes with a 1-hour lifetime (Anthropic) */
  cacheWrite1h?: number;
  reasoning?: number;
  /** long-context tiers, lowest threshold first (Gemini and Claude past 200k input tokens) */
  longContext?: LongContextTier[];
  /** prices of OpenAI's `flex` / `priority` service tiers and of batch requests */
  serviceTiers?: Partial<Record<ServiceTier, TokenPrices>>;
  /** time-of-day prices (DeepSeek's off-peak hours) */
  timeOfDay?: TimeOfDayPrices[];
  /** USD per million image tokens, where they are priced apart from text tokens (gpt-image-1) */
  imageInput?: number;
  imageOutput?: number;
  /** USD per generated image (image models only), when no size or quality variant applies */
  perImage?: number;
  /** USD per generated image by `quality/WxH` or `WxH` (e.g. `hd/1024x1792`), from per-image or per-pixel prices */
  imageVariants?: Record<string, number>;
  /** USD per character of text turned into speech */
  perCharacter?: number;
  /** USD per second of audio transcribed */
  perSecond?: number;
  /** USD per rerank query (Cohere's search unit) */
  perQuery?: number;
}

export type ServiceTier = 'flex' | 'priority' | 'batch';

export interface ModelCapabilities {
  tools: boolean;
  vision: boolean;
  reasoning: boolean;
  promptCaching: boolean;
  jsonSchema: boolean;
}

export interface CatalogEntry {
  /** Switchyard provider id (e.g. `openai`, `vertex-ai`), or the source's provider key when not routable */
  provider: string;
  /** false for providers Switchyard does not serve natively (kept as metadata) */
  routable: boolean;
  /** model id as that provider's API expects it */
  model: string;
  mode: ModelMode;
  contextWindow?: number;
  maxOutputTokens?: number;
  pricing: ModelPricing;
  capabilities: ModelCapabilities;
  /** YYYY-MM-DD */
  deprecationDate?: string;
}

export interface TokenUsage {
  /** all input tokens, INCLUDING cached reads and cache writes */
  inputTokens: number;
  cachedInputTokens?: number;
  cacheWriteInputTokens?: number;
  /** all output tokens, INCLUDING reasoning tokens */
  outputTokens: number;
  reasoningTokens?: number;
  /** cache writes with a 1-hour lifetime, among cacheWriteInputTokens */
  cacheWrite1hInputTokens?: number;
  /** the service tier that served the request, as the provider reports it */
  serviceTier?: string;
  /** image tokens among inputTokens / outputTokens (priced apart by image models) */
  imageInputTokens?: number;
  imageOutputTokens?: number;
  /** images generated, with the size (`1024x1024`) and quality the request asked for */
  images?: number;
  imageSize?: string;
  imageQuality?: string;
  /** characters of text turned into speech */
  characters?: number;
  /** seconds of audio transcribed */
  audioSeconds?: number;
  /** rerank queries (search units) */
  queries?: number;
}

/** Where the built-in catalog came from (recorded in src/catalog/data/catalog.json). */
export interface CatalogSourceInfo {
  name: string;
  url?: string;
  /** YYYY-MM-DD */
  date: string;
  /** hex SHA-256 of the source file's bytes */
  sha256: string;
  license: string;
}

/** The generated file src/catalog/data/catalog.json. */
export interface CatalogDocument {
  source: CatalogSourceInfo;
  /** Models and time-of-day prices added from @pydantic/genai-prices (scripts/generate-catalog.ts). */
  supplement?: { name: string; version: string; license: string };
  count: number;
  entries: CatalogEntry[];
}

/** Negative, NaN or missing counts are treated as 0 tokens. */
export function tokenCount(value: number | null | undefined): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}
