import type { WireFormat } from '../providers/types.ts';
import { anthropicFormat } from './anthropic/index.ts';
import { openAIFormat } from './openai/index.ts';
import type { WireFormatCodec } from './types.ts';

/** The formats clients speak to the gateway (by route), and that providers are served in unchanged. */
export type ClientFormat = 'openai' | 'anthropic';

export const CODECS: Readonly<Record<ClientFormat, WireFormatCodec>> = { openai: openAIFormat, anthropic: anthropicFormat };

/** The codec of a provider's wire format, when the gateway can relay it without translation. */
export function codecOf(format: WireFormat): WireFormatCodec | undefined {
  return format === 'openai' || format === 'anthropic' ? CODECS[format] : undefined;
}
