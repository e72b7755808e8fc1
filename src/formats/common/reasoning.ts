/** Reasoning settings between formats that express it as an effort and those that take a token budget. */
import { UnsupportedParameterError } from '../../errors.ts';
import type { ChatRequest, ReasoningEffort } from '../ir.ts';
import { clientParam } from './refuse.ts';

/**
 * Thinking budgets for OpenAI-style efforts (Anthropic's minimum budget is 1024), one table for
 * every format with budgets, so Claude thinks alike whether reached directly or through Bedrock.
 */
const EFFORT_BUDGET: Record<ReasoningEffort, number> = { minimal: 1024, low: 1024, medium: 4096, high: 16384 };

/**
 * The thinking budget a request asks for: its own budget, else its effort's; capped at half of
 * `maxTokens`, which covers the thinking too and must leave room for the answer.
 */
export function thinkingBudgetOf(request: ChatRequest, target: string): number | undefined {
  const reasoning = request.reasoning;
  if (!reasoning) return undefined;
  const wanted = reasoning.budgetTokens ?? EFFORT_BUDGET[reasoning.effort ?? 'medium'];
  if (request.maxTokens === undefined) return wanted;
  if (request.maxTokens <= 1024) {
    throw new UnsupportedParameterError(
      clientParam(request, 'max_completion_tokens', 'max_tokens'),
      target,
      'with reasoning it must exceed 1024 (the smallest thinking budget)',
    );
  }
  return Math.max(1024, Math.min(wanted, Math.floor(request.maxTokens / 2)));
}

/** A thinking budget as the nearest OpenAI-style effort, for formats that take an effort only. */
export const budgetToEffort = (budget: number): ReasoningEffort =>
  budget < 4096 ? 'low' : budget < 16384 ? 'medium' : 'high';
