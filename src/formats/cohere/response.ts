import { asArray, asNumber, asRecord, asString, isObject, type Json, parseJsonResponse } from '../common/json.ts';
/** Cohere v2 chat answers → IR: the whole answer, finish reasons and usage. */
import type { AssistantPart, ChatRequest, ChatResponse, FinishReason, TokenUsage } from '../ir.ts';
import type { CohereFinishReason, CohereUsage } from './wire.ts';

/** Cohere's finish reasons (COMPLETE, STOP_SEQUENCE, MAX_TOKENS, TOOL_CALL, ERROR, TIMEOUT) → IR. */
export function finishReasonOf(reason: unknown): FinishReason {
  switch (reason) {
    case 'MAX_TOKENS' satisfies CohereFinishReason:
      return 'length';
    case 'TOOL_CALL' satisfies CohereFinishReason:
      return 'tool_calls';
    case 'ERROR' satisfies CohereFinishReason:
    case 'TIMEOUT' satisfies CohereFinishReason:
      return 'error';
    default:
      return 'stop';
  }
}

/**
 * Cohere reports two counts: `tokens` (everything the model read, including the instructions
 * Cohere adds itself) and `billed_units` (what the caller pays for). The gateway prices requests,
 * so it reports the billed units; `cached_tokens` counts within `tokens`, not the billed units,
 * and so is left out rather than discounted twice.
 */
export function usageOf(usage: unknown): TokenUsage | undefined {
  if (!isObject(usage)) return undefined;
  const field = (name: keyof CohereUsage) => asRecord(usage[name]);
  const billed = field('billed_units');
  const tokens = field('tokens');
  const input = asNumber(billed.input_tokens) ?? asNumber(tokens.input_tokens);
  const output = asNumber(billed.output_tokens) ?? asNumber(tokens.output_tokens);
  if (input === undefined && output === undefined) return undefined;
  return { inputTokens: input ?? 0, outputTokens: output ?? 0 };
}

function contentPartOf(item: Json): AssistantPart | undefined {
  if (item.type === 'text' && typeof item.text === 'string') return { type: 'text', text: item.text };
  if (item.type === 'thinking' && typeof item.thinking === 'string') return { type: 'reasoning', text: item.thinking };
  return undefined;
}

/**
 * The assistant message's parts. `tool_plan` — the model's note, before its tool calls, of what it
 * is about to do — is meant to be shown to users, so it becomes text (not reasoning, which Cohere's
 * `thinking` content is).
 */
function assistantPartsOf(message: Json): AssistantPart[] {
  const parts: AssistantPart[] = asArray(message.content)
    .filter(isObject)
    .map(contentPartOf)
    .filter((part): part is AssistantPart => part !== undefined);
  const plan = asString(message.tool_plan);
  if (plan) parts.push({ type: 'text', text: plan });
  for (const call of asArray(message.tool_calls).filter(isObject)) {
    const fn = asRecord(call.function);
    parts.push({
      type: 'tool-call',
      id: asString(call.id) ?? '',
      name: asString(fn.name) ?? '',
      arguments: normalisedArguments(fn.arguments),
    });
  }
  return parts;
}

/** Cohere sends `"null"` (or nothing) as the arguments of argument-less calls; the IR wants an object. */
function normalisedArguments(value: unknown): string {
  const text = asString(value) ?? '';
  return text.trim() === '' || text.trim() === 'null' ? '{}' : text;
}

export function decodeResponse(body: Buffer, request: ChatRequest): ChatResponse {
  const answer = parseJsonResponse(body, 'Cohere v2 chat');
  return {
    id: asString(answer.id) ?? '',
    // Cohere answers do not name the model: the client's name for it stands in.
    model: request.model,
    content: assistantPartsOf(asRecord(answer.message)),
    finishReason: finishReasonOf(answer.finish_reason),
    usage: usageOf(answer.usage),
  };
}
