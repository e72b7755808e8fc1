/** IR answers → Ollama `/api/chat` and `/api/generate` answers, and the usage of Ollama's own answers. */
import { parseArguments, tryParseJsonObject } from '../common/json.ts';
import { joinText } from '../common/messages.ts';
import type { AssistantPart, ChatResponse, FinishReason, TokenUsage } from '../ir.ts';
import type { ResponseUsage } from '../types.ts';
import type { OllamaChatAnswer, OllamaGenerateAnswer, OllamaMessage, OllamaMetrics, OllamaToolCall } from './wire.ts';

/** Which of Ollama's two answer shapes: `message` (`/api/chat`) or `response` (`/api/generate`). */
export type AnswerShape = 'chat' | 'generate';

/** Ollama has `stop` and `length` only; a tool call or a filtered answer also stopped. */
export const doneReasonOf = (reason: FinishReason): 'stop' | 'length' => (reason === 'length' ? 'length' : 'stop');

/** Token counts as Ollama reports them, with the durations it measures (nanoseconds) from the gateway's clock. */
export function metricsOf(usage: Partial<TokenUsage> | undefined, startedAt: number): OllamaMetrics {
  const total = Math.round((performance.now() - startedAt) * 1e6);
  return {
    total_duration: total,
    load_duration: 0,
    prompt_eval_count: usage?.inputTokens ?? 0,
    prompt_eval_duration: 0,
    eval_count: usage?.outputTokens ?? 0,
    eval_duration: total,
  };
}

export const toolCallsOf = (parts: AssistantPart[]): OllamaToolCall[] =>
  parts.flatMap((part) =>
    part.type === 'tool-call'
      ? [{ function: { name: part.name, arguments: parseArguments(part.arguments, `'${part.name}'`) } }]
      : [],
  );

export function encodeAnswer(
  response: ChatResponse,
  shape: AnswerShape,
  startedAt: number,
): OllamaChatAnswer | OllamaGenerateAnswer {
  const thinking = response.content.flatMap((part) => (part.type === 'reasoning' ? [part.text] : [])).join('');
  const base = {
    model: response.model,
    created_at: new Date().toISOString(),
    done: true,
    done_reason: doneReasonOf(response.finishReason),
    ...metricsOf(response.usage, startedAt),
  };
  const text = joinText(response.content);
  if (shape === 'generate') return { ...base, response: text, ...(thinking ? { thinking } : {}) };
  const calls = toolCallsOf(response.content);
  const message: OllamaMessage = {
    role: 'assistant',
    content: text,
    ...(thinking ? { thinking } : {}),
    ...(calls.length ? { tool_calls: calls } : {}),
  };
  return { ...base, message };
}

/** The usage of a whole Ollama answer relayed as it is (`/api/chat`, `/api/generate`, `/api/embed`). */
export function usageOfResponse(body: Buffer): ResponseUsage | undefined {
  const answer = tryParseJsonObject(body);
  if (!answer || typeof answer.prompt_eval_count !== 'number') return undefined;
  return {
    usage: {
      inputTokens: answer.prompt_eval_count,
      outputTokens: typeof answer.eval_count === 'number' ? answer.eval_count : 0,
    },
    model: typeof answer.model === 'string' ? answer.model : undefined,
  };
}
