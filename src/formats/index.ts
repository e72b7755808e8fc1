/**
 * The registry of wire formats: which formats clients may speak (by route) and which formats the
 * gateway can translate into. Adding a format is a folder and a line here.
 */
import type { WireFormat } from '../providers/types.ts';
import { anthropicFormat } from './anthropic/index.ts';
import { bedrockFormat } from './bedrock/index.ts';
import { cohereFormat } from './cohere/index.ts';
import { geminiFormat } from './gemini/index.ts';
import { ollamaFormat } from './ollama/index.ts';
import { openAIFormat } from './openai/index.ts';
import { replicateFormat } from './replicate/index.ts';
import type { ClientSide, ProviderSide } from './types.ts';

/** The formats clients speak to the gateway (by route), and that providers are served in unchanged. */
export type ClientFormat = 'openai' | 'anthropic' | 'gemini' | 'ollama';

export const CLIENT_FORMATS: Readonly<Record<ClientFormat, ClientSide>> = {
  openai: openAIFormat.client,
  anthropic: anthropicFormat.client,
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
};
