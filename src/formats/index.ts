/**
 * The registry of wire formats: which formats clients may speak (by route) and which formats the
 * gateway can translate into. Adding a format is a folder and a line here.
 */
import type { ModelMode } from '../catalog/types.ts';
import type { Provider, WireFormat } from '../providers/types.ts';
import { anthropicFormat } from './anthropic/index.ts';
import { bedrockFormat } from './bedrock/index.ts';
import { cohereFormat } from './cohere/index.ts';
import { geminiFormat } from './gemini/index.ts';
import { ollamaFormat } from './ollama/index.ts';
import { openAIFormat } from './openai/index.ts';
import { openAIResponsesFormat } from './openai-responses/index.ts';
import { replicateFormat } from './replicate/index.ts';
import type { ClientSide, ProviderSide } from './types.ts';

/** The formats clients speak to the gateway (by route), and that providers are served in unchanged. */
export type ClientFormat = 'openai' | 'anthropic' | 'openai-responses' | 'gemini' | 'ollama';

export const CLIENT_FORMATS: Readonly<Record<ClientFormat, ClientSide>> = {
  openai: openAIFormat.client,
  anthropic: anthropicFormat.client,
  'openai-responses': openAIResponsesFormat.client,
  gemini: geminiFormat.client,
  ollama: ollamaFormat.client,
};

/** A provider format's client side, when clients can speak it: then its answers are relayed untranslated. */
export function clientSideOf(format: WireFormat): ClientSide | undefined {
  return format in CLIENT_FORMATS ? CLIENT_FORMATS[format as ClientFormat] : undefined;
}

/** What the gateway can translate into, per provider wire format. */
export const PROVIDER_FORMATS: Readonly<Partial<Record<WireFormat, ProviderSide>>> = {
  openai: openAIFormat.provider,
  anthropic: anthropicFormat.provider,
  gemini: geminiFormat.provider,
  bedrock: bedrockFormat.provider,
  cohere: cohereFormat.provider,
  replicate: replicateFormat.provider,
  'openai-responses': openAIResponsesFormat.provider,
};

/**
 * The wire format a provider is asked in for one model: the model's own (`wireFormatFor`, e.g.
 * Claude on Vertex AI), else the provider's; but a model the catalog lists as answering only on
 * the Responses API (mode `responses`: o3-pro, gpt-5-pro, the codex models) is asked there, on
 * providers that have it.
 */
export function targetFormatOf(provider: Provider, model: string | undefined, mode: ModelMode | undefined): WireFormat {
  if (mode === 'responses' && provider.nativeFormats?.includes('openai-responses')) return 'openai-responses';
  return provider.wireFormatFor?.(model) ?? provider.wireFormat;
}
