/**
 * Bedrock Converse answers → IR: the whole answer, stop reasons, usage and error bodies.
 */
import { randomUUID } from 'node:crypto';
import { jsonToolOf } from '../anthropic/request.ts';
import { asArray, asNumber, asRecord, asString, isObject, type Json, parseJsonResponse } from '../common/json.ts';
import type { AssistantPart, ChatRequest, ChatResponse, FinishReason, TokenUsage } from '../ir.ts';
import type { ConverseStopReason, ConverseUsage } from './wire.ts';

/** Converse answers carry no id of their own (it is in a response header), so the gateway makes one. */
export const newMessageId = () => `bedrock-${randomUUID()}`;

/**
 * Converse `stopReason` values (API reference, ConverseOutput) → IR finish reasons. A JSON answer
 * asked for through a forced tool ends in `tool_use`, but is a finished answer to the client.
 */
export function finishReasonOf(stopReason: unknown, jsonResponse = false): FinishReason {
  switch (stopReason) {
    case 'tool_use' satisfies ConverseStopReason:
      return jsonResponse ? 'stop' : 'tool_calls';
    case 'max_tokens' satisfies ConverseStopReason:
    case 'model_context_window_exceeded' satisfies ConverseStopReason:
      return 'length';
    case 'guardrail_intervened' satisfies ConverseStopReason:
    case 'content_filtered' satisfies ConverseStopReason:
      return 'content_filter';
    default:
      // end_turn, stop_sequence, and reasons newer than this code
      return 'stop';
  }
}

/**
 * The stop sequence that ended the answer. Converse does not report it itself; Claude's own
 * field comes back in `additionalModelResponseFields`, flat or (in streams) under `delta`.
 */
export function stopSequenceOf(fields: unknown): string | undefined {
  const record = asRecord(fields);
  return asString(record.stop_sequence) ?? asString(asRecord(record.delta).stop_sequence);
}

/**
 * Converse `usage` → IR usage. Converse counts cache reads and writes apart from `inputTokens`
 * (its `totalTokens` adds all of them), while the IR's input count includes them.
 */
export function usageOf(usage: unknown): TokenUsage | undefined {
  if (!isObject(usage)) return undefined;
  const count = (name: keyof ConverseUsage) => asNumber(usage[name]) ?? 0;
  const cacheRead = count('cacheReadInputTokens');
  const cacheWrite = count('cacheWriteInputTokens');
  const tokens: TokenUsage = {
    inputTokens: count('inputTokens') + cacheRead + cacheWrite,
    outputTokens: count('outputTokens'),
  };
  if (cacheRead) tokens.cachedInputTokens = cacheRead;
  if (cacheWrite) tokens.cacheWriteInputTokens = cacheWrite;
  return tokens;
}

/** `jsonTool`: the forced tool a JSON answer was asked for through, whose input is the answer's text. */
function contentPartOf(block: Json, jsonTool: string | undefined): AssistantPart | undefined {
  if (typeof block.text === 'string') return { type: 'text', text: block.text };
  if (isObject(block.toolUse)) {
    const { toolUseId, name, input } = block.toolUse;
    if (jsonTool !== undefined && name === jsonTool) return { type: 'text', text: JSON.stringify(input ?? {}) };
    return {
      type: 'tool-call',
      id: asString(toolUseId) ?? '',
      name: asString(name) ?? '',
      arguments: JSON.stringify(input ?? {}),
    };
  }
  if (isObject(block.reasoningContent)) {
    const reasoning = block.reasoningContent;
    if (typeof reasoning.redactedContent === 'string')
      return { type: 'reasoning', text: '', redacted: reasoning.redactedContent };
    const text = asRecord(reasoning.reasoningText);
    const signature = asString(text.signature);
    return { type: 'reasoning', text: asString(text.text) ?? '', ...(signature !== undefined ? { signature } : {}) };
  }
  // Citations, guard content and blocks newer than this code carry no text of the answer.
  return undefined;
}

export function decodeResponse(body: Buffer, request: ChatRequest): ChatResponse {
  const answer = parseJsonResponse(body, 'Bedrock Converse');
  const message = asRecord(asRecord(answer.output).message);
  const jsonTool = jsonToolOf(request);
  const content = asArray(message.content)
    .filter(isObject)
    .map((block) => contentPartOf(block, jsonTool))
    .filter((part): part is AssistantPart => part !== undefined);
  const stopSequence = stopSequenceOf(answer.additionalModelResponseFields);
  return {
    id: newMessageId(),
    // Converse answers do not name the model: the client's name for it stands in.
    model: request.model,
    content,
    finishReason: finishReasonOf(answer.stopReason, jsonTool !== undefined),
    ...(stopSequence !== undefined ? { stopSequence } : {}),
    usage: usageOf(answer.usage),
  };
}
