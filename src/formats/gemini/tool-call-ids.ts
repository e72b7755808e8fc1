/**
 * Tool call ids for Gemini's function calls. Gemini sends calls without ids (clients need one to
 * answer them) and, on thinking models, with a `thoughtSignature` that must come back with the call
 * in the next request — Gemini 3 refuses a conversation whose function call lost it. No client
 * format has a field for it, but every client echoes the tool call id verbatim, so the signature
 * travels inside the id, base64url-encoded so the id stays within `[A-Za-z0-9_-]` (Anthropic's
 * tool_use id alphabet).
 */
import { randomBytes } from 'node:crypto';

const SIGNATURE_MARK = '__thought__';

/**
 * Gemini's documented placeholder for a function call whose signature is unknown (a conversation
 * begun with another model, or a client that rewrote the ids): it tells Gemini 3 to skip validation.
 */
export const SKIP_SIGNATURE_VALIDATION = 'skip_thought_signature_validator';

/** A fresh id in OpenAI's style. */
function newToolCallId(): string {
  return `call_${randomBytes(12).toString('base64url')}`;
}

/** The id a client sees for a Gemini function call: Gemini's own id if it sent one, with the signature inside. */
export function toolCallIdOf(geminiId: unknown, thoughtSignature: unknown): string {
  const base = typeof geminiId === 'string' && geminiId ? geminiId : newToolCallId();
  if (typeof thoughtSignature !== 'string' || !thoughtSignature) return base;
  return `${base}${SIGNATURE_MARK}${Buffer.from(thoughtSignature, 'base64').toString('base64url')}`;
}

/** The thought signature carried in a tool call id, as Gemini sent it (standard base64), if any. */
export function thoughtSignatureOf(toolCallId: string): string | undefined {
  const at = toolCallId.lastIndexOf(SIGNATURE_MARK);
  if (at < 0) return undefined;
  const encoded = toolCallId.slice(at + SIGNATURE_MARK.length);
  return encoded ? Buffer.from(encoded, 'base64url').toString('base64') : undefined;
}
