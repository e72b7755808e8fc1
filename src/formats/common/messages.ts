/** Reshaping IR messages for formats with stricter turn rules. */
import type { ChatRequest, Message } from '../ir.ts';

/** Merges consecutive messages of the same role (Anthropic requires strict alternation). */
export function mergeTurns(messages: Message[]): Message[] {
  const merged: Message[] = [];
  for (const message of messages) {
    const last = merged.at(-1);
    if (last && last.role === message.role) (last.content as unknown[]).push(...message.content);
    else merged.push({ role: message.role, content: [...message.content] } as Message);
  }
  return merged;
}

/** Joins the text of text parts. */
export const joinText = (parts: readonly { type: string; text?: string }[], separator = ''): string =>
  parts
    .filter((part) => part.type === 'text')
    .map((part) => part.text ?? '')
    .join(separator);

/**
 * For formats whose instructions come only before the conversation: the request with its
 * mid-conversation system messages appended, in order, to `system` (the nearest equivalent: the
 * instruction still reaches the model, only no longer at its turn), and the turns around them joined.
 */
export function hoistSystem(request: ChatRequest): ChatRequest {
  if (!request.messages.some((message) => message.role === 'system')) return request;
  const system = [...request.system];
  const messages: Message[] = [];
  for (const message of request.messages) {
    if (message.role === 'system') system.push(...message.content);
    else messages.push(message);
  }
  return { ...request, system, messages: mergeTurns(messages) };
}
