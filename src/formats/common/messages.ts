/** Reshaping IR messages for formats with stricter turn rules. */
import type { Message } from '../ir.ts';

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
