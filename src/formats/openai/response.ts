/** OpenAI Chat Completions answers ⇄ IR: whole completions both ways, finish reasons, usage, error bodies. */
import { GatewayError } from '../../errors.ts';
import type { Json } from '../common/json.ts';
import { isObject, parseJsonResponse } from '../common/json.ts';
import type { AssistantPart, ChatResponse, FinishReason, TokenUsage } from '../ir.ts';
import { tokenUsageOf } from './usage.ts';
import type { OpenAIAssistantMessage, OpenAIChatCompletion, OpenAIChatUsage } from './wire.ts';

export const FINISH_TO_OPENAI: Record<FinishReason, string> = {
  stop: 'stop',
  length: 'length',
  tool_calls: 'tool_calls',
  content_filter: 'content_filter',
  error: 'stop',
};

export function openAIUsage(usage: TokenUsage): OpenAIChatUsage {
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
    prompt_tokens_details: { cached_tokens: usage.cachedInputTokens ?? 0 },
    completion_tokens_details: { reasoning_tokens: usage.reasoningTokens ?? 0 },
  };
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

export function encodeResponse(response: ChatResponse): OpenAIChatCompletion {
  const text = response.content.filter((p) => p.type === 'text').map((p) => p.text);
  const reasoning = response.content
    .filter((p) => p.type === 'reasoning' && p.text)
    .map((p) => (p as { text: string }).text);
  const calls = response.content.filter((p) => p.type === 'tool-call');
  const message: OpenAIAssistantMessage = {
    role: 'assistant',
    content: text.length ? text.join('') : null,
    refusal: null,
  };
  if (reasoning.length) message.reasoning_content = reasoning.join('');
  if (calls.length)
    message.tool_calls = calls.map((c) => ({
      id: c.id,
      type: 'function',
      function: { name: c.name, arguments: c.arguments },
    }));
  return {
    id: response.id,
    object: 'chat.completion',
    created: nowSeconds(),
    model: response.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: FINISH_TO_OPENAI[response.finishReason] }],
    ...(response.usage ? { usage: openAIUsage(response.usage) } : {}),
  };
}

const FINISH_FROM_OPENAI: Record<string, FinishReason> = {
  stop: 'stop',
  length: 'length',
  tool_calls: 'tool_calls',
  function_call: 'tool_calls',
  content_filter: 'content_filter',
};

/**
 * An answer that called tools finished to call them, whatever `stop` the provider says: OpenAI itself
 * answers a named `tool_choice` with `stop`, as do some compatible servers for every call, and
 * Anthropic clients loop on `stop_reason: "tool_use"`.
 */
export const finishFromOpenAI = (reason: unknown, calledTools = false): FinishReason => {
  const finish = FINISH_FROM_OPENAI[String(reason)] ?? 'stop';
  return calledTools && finish === 'stop' ? 'tool_calls' : finish;
};

/**
 * The text and reasoning in a message's or delta's `content`: a string, or (Mistral's reasoning
 * models) an array of chunks, `text` ones and `thinking` ones that hold text chunks.
 */
export function contentOf(content: unknown): { text: string; thinking: string } {
  if (typeof content === 'string') return { text: content, thinking: '' };
  let text = '';
  let thinking = '';
  if (Array.isArray(content)) {
    for (const chunk of content) {
      if (isObject(chunk) && chunk.type === 'text' && typeof chunk.text === 'string') text += chunk.text;
      else if (isObject(chunk) && chunk.type === 'thinking') thinking += contentOf(chunk.thinking).text;
    }
  }
  return { text, thinking };
}

/** The reasoning of a message or delta: `reasoning_content` (DeepSeek, xAI), `reasoning` (Groq) or thinking chunks. */
export function reasoningOf(message: Json, thinking: string): string {
  const reasoning = message.reasoning_content ?? message.reasoning;
  return (typeof reasoning === 'string' ? reasoning : '') + thinking;
}

export function decodeResponse(bytes: Buffer): ChatResponse {
  const body = parseJsonResponse(bytes, 'OpenAI');
  const choice = Array.isArray(body.choices) && isObject(body.choices[0]) ? body.choices[0] : undefined;
  if (!choice)
    throw new GatewayError(502, 'upstream_malformed', "The provider's answer has no choices.", 'upstream_error');
  const message = isObject(choice.message) ? choice.message : {};
  const content: AssistantPart[] = [];
  const { text, thinking } = contentOf(message.content);
  const reasoning = reasoningOf(message, thinking);
  if (reasoning) content.push({ type: 'reasoning', text: reasoning });
  if (text) content.push({ type: 'text', text });
  else if (typeof message.refusal === 'string' && message.refusal)
    content.push({ type: 'text', text: message.refusal });
  if (Array.isArray(message.tool_calls)) {
    for (const call of message.tool_calls) {
      if (!isObject(call) || !isObject(call.function)) continue;
      content.push({
        type: 'tool-call',
        id: typeof call.id === 'string' ? call.id : generatedCallId(),
        name: String(call.function.name ?? ''),
        arguments: String(call.function.arguments ?? ''),
      });
    }
  }
  return {
    id: typeof body.id === 'string' ? body.id : generatedCallId('chatcmpl_'),
    model: typeof body.model === 'string' ? body.model : '',
    content,
    finishReason: finishFromOpenAI(
      choice.finish_reason,
      content.some((p) => p.type === 'tool-call'),
    ),
    usage: tokenUsageOf(body),
  };
}

export const generatedCallId = (prefix = 'call_') => `${prefix}${crypto.randomUUID().replace(/-/g, '').slice(0, 24)}`;
