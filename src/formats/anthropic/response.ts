/** Anthropic Messages answers ⇄ IR: whole messages both ways, stop reasons, usage, error bodies. */

import { GatewayError } from '../../errors.ts';
import { isObject, parseArguments, parseJsonResponse } from '../common/json.ts';
import type { AssistantPart, ChatRequest, ChatResponse, FinishReason, TokenUsage } from '../ir.ts';
import { jsonToolOf } from './request.ts';
import { anthropicUsageToTokenUsage } from './usage.ts';
import type { AnthropicContentBlock, AnthropicMessage, AnthropicUsage } from './wire.ts';

export const STOP_REASON: Record<FinishReason, string> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  content_filter: 'refusal',
  error: 'end_turn',
};

/** IR usage → Anthropic's, whose `input_tokens` excludes cache reads and writes. */
export function anthropicUsage(
  usage: Partial<TokenUsage>,
): Required<Omit<AnthropicUsage, 'cache_creation' | 'service_tier'>> {
  const cached = usage.cachedInputTokens ?? 0;
  const written = usage.cacheWriteInputTokens ?? 0;
  return {
    input_tokens: Math.max(0, (usage.inputTokens ?? 0) - cached - written),
    output_tokens: usage.outputTokens ?? 0,
    cache_read_input_tokens: cached,
    cache_creation_input_tokens: written,
  };
}

function anthropicBlock(part: AssistantPart): AnthropicContentBlock {
  switch (part.type) {
    case 'text':
      return { type: 'text', text: part.text };
    case 'tool-call':
      return { type: 'tool_use', id: part.id, name: part.name, input: safeArguments(part.arguments) };
    case 'reasoning':
      return part.redacted
        ? { type: 'redacted_thinking', data: part.redacted }
        : { type: 'thinking', thinking: part.text, signature: part.signature ?? '' };
  }
}

/** A model's arguments that are not a JSON object are kept under `_raw` rather than lost. */
function safeArguments(text: string): Record<string, unknown> {
  try {
    return parseArguments(text, '');
  } catch {
    return { _raw: text };
  }
}

export function encodeResponse(response: ChatResponse): AnthropicMessage {
  return {
    id: response.id,
    type: 'message',
    role: 'assistant',
    model: response.model,
    content: response.content.map(anthropicBlock),
    stop_reason: STOP_REASON[response.finishReason],
    stop_sequence: response.stopSequence ?? null,
    usage: anthropicUsage(response.usage ?? {}),
  };
}

const FINISH_FROM_ANTHROPIC: Record<string, FinishReason> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  pause_turn: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

export const finishFromAnthropic = (reason: unknown, jsonResponse: boolean): FinishReason => {
  const finish = FINISH_FROM_ANTHROPIC[String(reason)] ?? 'stop';
  return jsonResponse && finish === 'tool_calls' ? 'stop' : finish;
};

export function decodeResponse(bytes: Buffer, request: ChatRequest): ChatResponse {
  const body = parseJsonResponse(bytes, 'Anthropic');
  if (!Array.isArray(body.content))
    throw new GatewayError(502, 'upstream_malformed', "The provider's answer has no content.", 'upstream_error');
  const jsonTool = jsonToolOf(request);
  const content: AssistantPart[] = [];
  for (const block of body.content) {
    if (!isObject(block)) continue;
    if (block.type === 'text') content.push({ type: 'text', text: String(block.text ?? '') });
    else if (block.type === 'tool_use' && block.name === jsonTool)
      content.push({ type: 'text', text: JSON.stringify(block.input ?? {}) });
    else if (block.type === 'tool_use')
      content.push({
        type: 'tool-call',
        id: String(block.id),
        name: String(block.name),
        arguments: JSON.stringify(block.input ?? {}),
      });
    else if (block.type === 'thinking')
      content.push({
        type: 'reasoning',
        text: String(block.thinking ?? ''),
        ...(block.signature ? { signature: String(block.signature) } : {}),
      });
    else if (block.type === 'redacted_thinking')
      content.push({ type: 'reasoning', text: '', redacted: String(block.data ?? '') });
  }
  return {
    id: String(body.id ?? ''),
    model: String(body.model ?? ''),
    content,
    finishReason: finishFromAnthropic(body.stop_reason, jsonTool !== undefined),
    ...(typeof body.stop_sequence === 'string' ? { stopSequence: body.stop_sequence } : {}),
    usage: isObject(body.usage) ? anthropicUsageToTokenUsage(body.usage as AnthropicUsage) : undefined,
  };
}
