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

export interface ModelPricing {
  /** USD per million tokens */
  input?: number;
  output?: number;
  cachedInput?: number;
  cacheWrite?: number;
  reasoning?: number;
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
  count: number;
  entries: CatalogEntry[];
}

/** Negative, NaN or missing counts are treated as 0 tokens. */
export function tokenCount(value: number | null | undefined): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}
