import type { ChatRequest, Message, TextPart } from '../formats/ir.ts';

/**
 * Every text of a request a guardrail reads, changed in place by `change`: the system prompt,
 * each message's text, tool results, and the arguments of earlier tool calls. Reasoning is left
 * alone (Anthropic signs it; a changed thought would be refused). Returns whether anything changed.
 */
export function mapTexts(ir: ChatRequest, change: (text: string) => string): boolean {
  let changed = false;
  const text = (part: { text: string }) => {
    const next = change(part.text);
    if (next !== part.text) {
      part.text = next;
      changed = true;
    }
  };
  for (const part of ir.system) text(part);
  for (const message of ir.messages) {
    for (const part of message.content) {
      if (part.type === 'text') text(part);
      else if (part.type === 'tool-result') for (const inner of part.content) inner.type === 'text' && text(inner);
      else if (part.type === 'tool-call') {
        const next = change(part.arguments);
        if (next !== part.arguments) {
          part.arguments = next;
          changed = true;
        }
      }
    }
  }
  return changed;
}

/** A rough size of the request's input: about four characters a token (no tokenizer is bundled). */
export function inputTokensOf(ir: ChatRequest): number {
  let characters = 0;
  mapTexts(ir, (text) => {
    characters += text.length;
    return text;
  });
  for (const tool of ir.tools ?? []) characters += JSON.stringify(tool).length;
  return Math.ceil(characters / 4);
}

/** One message as a guardrail service sees it: its role and its text. */
export interface PlainMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

const joined = (parts: readonly { type: string }[]) =>
  parts
    .filter((part): part is TextPart => part.type === 'text')
    .map((part) => part.text)
    .join('\n');

/** The conversation as plain messages: the system prompt first (when there is one), then each message. */
export function plainMessages(ir: ChatRequest): PlainMessage[] {
  return [
    ...(ir.system.length ? [{ role: 'system' as const, content: joined(ir.system) }] : []),
    ...ir.messages.map((message) => ({ role: message.role, content: joined(message.content) })),
  ];
}

/**
 * Puts rewritten texts back, message by message (the same count and order as `plainMessages`):
 * a message whose text changed gets the new text as its one text part, in place of its first;
 * its other parts (images, tool calls and results) stay. Returns false when the shapes differ.
 */
export function applyPlainMessages(ir: ChatRequest, rewritten: readonly PlainMessage[]): boolean {
  const before = plainMessages(ir);
  if (rewritten.length !== before.length) return false;
  let index = 0;
  if (ir.system.length) {
    if ((rewritten[0] as PlainMessage).content !== (before[0] as PlainMessage).content)
      ir.system = [{ type: 'text', text: (rewritten[0] as PlainMessage).content }];
    index = 1;
  }
  for (const message of ir.messages) {
    const next = (rewritten[index] as PlainMessage).content;
    if (next !== (before[index] as PlainMessage).content) replaceText(message, next);
    index++;
  }
  return true;
}

function replaceText(message: Message, text: string): void {
  const parts = message.content as { type: string }[];
  const first = parts.findIndex((part) => part.type === 'text');
  const kept = parts.filter((part) => part.type !== 'text');
  kept.splice(first < 0 ? 0 : Math.min(first, kept.length), 0, { type: 'text', text } as TextPart);
  (message as { content: unknown[] }).content = kept;
}
