/**
 * Gemini `GenerateContentResponse` → IR (Gemini API reference: GenerateContentResponse, Candidate,
 * FinishReason, UsageMetadata, PromptFeedback) and Google's error bodies. Shared by whole answers
 * and by the stream decoder, whose events are GenerateContentResponses too.
 */

import { randomUUID } from 'node:crypto';
import { UpstreamMalformedError } from '../../errors.ts';
import { isObject, type Json, parseArguments, tryParseJsonObject } from '../common/json.ts';
import type { AssistantPart, ChatRequest, ChatResponse, FinishReason, TokenUsage } from '../ir.ts';
import type { ResponseUsage } from '../types.ts';
import { PromptBlockedError } from './errors.ts';
import { thoughtSignatureOf, toolCallIdOf } from './tool-call-ids.ts';
import type { GeminiFinishReason, GeminiPart, GeminiUsageMetadata, GenerateContentResponse } from './wire.ts';

/** Why generation stopped. STOP after function calls is the IR's `tool_calls`. */
export function finishReasonOf(reason: string, calledTools: boolean): FinishReason {
  switch (reason) {
    case 'STOP':
      return calledTools ? 'tool_calls' : 'stop';
    case 'MAX_TOKENS':
      return 'length';
    case 'SAFETY':
    case 'RECITATION':
    case 'BLOCKLIST':
    case 'PROHIBITED_CONTENT':
    case 'SPII':
    case 'IMAGE_SAFETY':
    case 'IMAGE_PROHIBITED_CONTENT':
    case 'IMAGE_RECITATION':
      return 'content_filter';
    case 'MALFORMED_FUNCTION_CALL':
    case 'UNEXPECTED_TOOL_CALL':
    case 'TOO_MANY_TOOL_CALLS':
      return 'error';
    default:
      // LANGUAGE, OTHER, FINISH_REASON_UNSPECIFIED and future reasons: the model stopped on its own.
      return calledTools ? 'tool_calls' : 'stop';
  }
}

/**
 * `usageMetadata` → IR usage. Gemini counts thoughts apart from the answer (`candidatesTokenCount`
 * excludes them) and cached tokens inside the prompt; tool-use prompt tokens (e.g. search results
 * fed back to the model) are billed as input.
 */
export function usageOf(metadata: unknown): TokenUsage | undefined {
  if (!isObject(metadata)) return undefined;
  const count = (key: string) => (typeof metadata[key] === 'number' ? (metadata[key] as number) : 0);
  if (!('promptTokenCount' in metadata) && !('candidatesTokenCount' in metadata)) return undefined;
  const usage: TokenUsage = {
    inputTokens: count('promptTokenCount') + count('toolUsePromptTokenCount'),
    outputTokens: count('candidatesTokenCount') + count('thoughtsTokenCount'),
  };
  if (count('cachedContentTokenCount')) usage.cachedInputTokens = count('cachedContentTokenCount');
  if (count('thoughtsTokenCount')) usage.reasoningTokens = count('thoughtsTokenCount');
  return usage;
}

/** One candidate part → IR parts: text, thought (reasoning) or a whole function call. Other kinds have no IR form. */
export function partOf(part: unknown): AssistantPart | undefined {
  if (!isObject(part)) return undefined;
  if (isObject(part.functionCall)) {
    const call = part.functionCall;
    return {
      type: 'tool-call',
      id: toolCallIdOf(call.id, part.thoughtSignature),
      name: String(call.name ?? ''),
      arguments: JSON.stringify(isObject(call.args) ? call.args : {}),
    };
  }
  if (typeof part.text === 'string' && part.text !== '')
    return part.thought === true ? { type: 'reasoning', text: part.text } : { type: 'text', text: part.text };
  return undefined;
}

/** The prompt was refused before any candidate: the block reason, if so. */
export function blockReasonOf(response: Json): string | undefined {
  const feedback = response.promptFeedback;
  const hasCandidates = Array.isArray(response.candidates) && response.candidates.length > 0;
  return !hasCandidates && isObject(feedback) && typeof feedback.blockReason === 'string'
    ? feedback.blockReason
    : undefined;
}

export function parseJson(body: Buffer | string, what: string): Json {
  let value: unknown;
  try {
    value = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch {
    throw new UpstreamMalformedError('gemini', `${what} is not JSON`);
  }
  if (!isObject(value)) throw new UpstreamMalformedError('gemini', `${what} is not a JSON object`);
  return value;
}

export function decodeResponse(body: Buffer, request: ChatRequest): ChatResponse {
  const response = parseJson(body, 'the generateContent answer');
  const blocked = blockReasonOf(response);
  if (blocked) throw new PromptBlockedError(blocked);
  const candidate: Json =
    Array.isArray(response.candidates) && isObject(response.candidates[0]) ? response.candidates[0] : {};
  const parts: unknown[] =
    isObject(candidate.content) && Array.isArray(candidate.content.parts) ? candidate.content.parts : [];
  const content = mergeAdjacentText(parts.map(partOf).filter((part) => part !== undefined));
  const calledTools = content.some((part) => part.type === 'tool-call');
  return {
    id: typeof response.responseId === 'string' ? response.responseId : `gemini-${randomUUID()}`,
    model: typeof response.modelVersion === 'string' ? response.modelVersion : request.model,
    content,
    finishReason: finishReasonOf(
      typeof candidate.finishReason === 'string' ? candidate.finishReason : 'STOP',
      calledTools,
    ),
    usage: usageOf(response.usageMetadata),
  };
}

/** Gemini may split one answer's text over several parts; clients expect one text (and one reasoning) block per run. */
function mergeAdjacentText(parts: AssistantPart[]): AssistantPart[] {
  const merged: AssistantPart[] = [];
  for (const part of parts) {
    const last = merged.at(-1);
    if (last?.type === 'text' && part.type === 'text')
      merged[merged.length - 1] = { ...last, text: last.text + part.text };
    else if (last?.type === 'reasoning' && part.type === 'reasoning')
      merged[merged.length - 1] = { ...last, text: last.text + part.text };
    else merged.push(part);
  }
  return merged;
}

// ——— Client side: IR → a Gemini `GenerateContentResponse` ———

const FINISH_TO_GEMINI: Readonly<Record<FinishReason, GeminiFinishReason>> = {
  stop: 'STOP',
  length: 'MAX_TOKENS',
  tool_calls: 'STOP',
  content_filter: 'SAFETY',
  error: 'OTHER',
};

export const geminiFinishReason = (reason: FinishReason): GeminiFinishReason => FINISH_TO_GEMINI[reason];

/** IR usage → `usageMetadata`: Gemini counts thoughts apart from the answer, and cached tokens inside the prompt. */
export function usageMetadataOf(usage: Partial<TokenUsage>): GeminiUsageMetadata {
  const input = usage.inputTokens ?? 0;
  const reasoning = usage.reasoningTokens ?? 0;
  const candidates = Math.max(0, (usage.outputTokens ?? 0) - reasoning);
  return {
    promptTokenCount: input,
    candidatesTokenCount: candidates,
    totalTokenCount: input + candidates + reasoning,
    ...(usage.cachedInputTokens ? { cachedContentTokenCount: usage.cachedInputTokens } : {}),
    ...(reasoning ? { thoughtsTokenCount: reasoning } : {}),
  };
}

/** One IR answer part as Gemini parts; a tool call's thought signature (if it came from Gemini) rides beside it again. */
export function geminiPartOf(part: AssistantPart): GeminiPart {
  switch (part.type) {
    case 'text':
      return { text: part.text };
    case 'reasoning':
      return { text: part.text, thought: true };
    case 'tool-call': {
      const signature = thoughtSignatureOf(part.id);
      const marker = part.id.lastIndexOf('__thought__');
      const id = marker < 0 ? part.id : part.id.slice(0, marker);
      return {
        functionCall: { id, name: part.name, args: parseArguments(part.arguments, `'${part.name}'`) },
        ...(signature ? { thoughtSignature: signature } : {}),
      };
    }
  }
}

export function encodeResponse(response: ChatResponse, _request: ChatRequest): Record<string, unknown> {
  const body: GenerateContentResponse = {
    candidates: [
      {
        content: { role: 'model', parts: response.content.map(geminiPartOf) },
        finishReason: geminiFinishReason(response.finishReason),
        index: 0,
      },
    ],
    ...(response.usage ? { usageMetadata: usageMetadataOf(response.usage) } : {}),
    modelVersion: response.model,
    responseId: response.id,
  };
  return body as unknown as Record<string, unknown>;
}

/** The usage of a whole `generateContent` answer relayed as it is. */
export function usageOfResponse(body: Buffer): ResponseUsage | undefined {
  const parsed = tryParseJsonObject(body);
  const usage = parsed && usageOf(parsed.usageMetadata);
  return usage
    ? { usage, model: typeof parsed.modelVersion === 'string' ? parsed.modelVersion : undefined }
    : undefined;
}
