import type { WireFormat } from '../providers/types.ts';
import { anthropicChat } from './anthropic/chat.ts';
import { anthropicFormat } from './anthropic/index.ts';
import { bedrockFormat } from './bedrock/index.ts';
import { cohereFormat } from './cohere/index.ts';
import { geminiFormat } from './gemini/index.ts';
import type { ClientChatFormat, ProviderWireFormat } from './ir.ts';
import { openAIChat } from './openai/chat.ts';
import { openAIFormat } from './openai/index.ts';
import { replicateFormat } from './replicate/index.ts';
import type { WireFormatCodec } from './types.ts';

/** The formats clients speak to the gateway (by route), and that providers are served in unchanged. */
export type ClientFormat = 'openai' | 'anthropic';

export const CODECS: Readonly<Record<ClientFormat, WireFormatCodec>> = {
  openai: openAIFormat,
  anthropic: anthropicFormat,
};

/** The codec of a provider's wire format, when the gateway can relay it without translation. */
export function codecOf(format: WireFormat): WireFormatCodec | undefined {
  return format === 'openai' || format === 'anthropic' ? CODECS[format] : undefined;
}

/** How clients' chat requests are read and answered, per client format. */
export const CLIENT_CHAT_FORMATS: Readonly<Record<ClientFormat, ClientChatFormat>> = {
  openai: openAIChat,
  anthropic: anthropicChat,
};

/** What the gateway can translate into, per provider wire format: one line per format. */
export const PROVIDER_FORMATS: Readonly<Partial<Record<WireFormat, ProviderWireFormat>>> = {
  openai: { chat: openAIChat },
  anthropic: { chat: anthropicChat },
  gemini: geminiFormat,
  bedrock: bedrockFormat,
  cohere: cohereFormat,
  replicate: replicateFormat,
};
