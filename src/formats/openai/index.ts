import type { GatewayError } from '../../errors.ts';
import type { WireFormatCodec } from '../types.ts';
import { OpenAIStreamUsage, usageOfAnswer } from './usage.ts';

/** OpenAI's error body, which every OpenAI SDK parses: `{"error":{"message","type","param","code"}}`. */
export function openAIErrorBody(error: GatewayError): string {
  return JSON.stringify({ error: { message: error.message, type: error.type, param: error.param, code: error.code } });
}

export const openAIFormat: WireFormatCodec = {
  errorBody: openAIErrorBody,
  // The OpenAI SDKs raise an APIError for a `data:` event whose JSON has an `error` field.
  sseErrorEvent: (error) => `data: ${openAIErrorBody(error)}\n\n`,
  usageOfAnswer,
  streamUsage: (gatewayAskedForUsage) => new OpenAIStreamUsage(gatewayAskedForUsage),
};
