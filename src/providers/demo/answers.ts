/** What the demo says: a fixed, honest answer about the request, with token counts that add up. */
import type { ChatRequest, ChatResponse, EmbeddingsRequest, EmbeddingsResponse, TokenUsage } from '../../formats/ir.ts';

/** A rough token count (≈ 4 characters a token), enough for usage that grows with the text. */
export const tokensOf = (text: string) => Math.max(1, Math.ceil(text.length / 4));

/** The text of the last user turn, for the answer to show it was read. */
function lastUserText(request: ChatRequest): string {
  for (let i = request.messages.length - 1; i >= 0; i--) {
    const message = request.messages[i];
    if (message?.role !== 'user') continue;
    const text = message.content.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join(' ');
    if (text) return text;
  }
  return '';
}

export function demoText(said: string): string {
  const quoted = said.length > 200 ? `${said.slice(0, 200)}…` : said;
  return (
    'Hello from the Switchyard demo provider: this answer was made by the gateway itself, no model was called. ' +
    (quoted ? `You said: "${quoted}". ` : '') +
    'Set a provider key (e.g. OPENAI_API_KEY) and restart without --demo for real answers.'
  );
}

function inputTokensOf(request: ChatRequest): number {
  const texts = [...request.system.map((part) => part.text)];
  for (const message of request.messages)
    for (const part of message.content) if (part.type === 'text') texts.push(part.text);
  return tokensOf(texts.join(' '));
}

/** The whole answer to a chat request; `maxTokens` cuts it short, as a model would. */
export function demoChatResponse(request: ChatRequest): ChatResponse {
  let text = demoText(lastUserText(request));
  let finishReason: ChatResponse['finishReason'] = 'stop';
  if (request.maxTokens !== undefined && tokensOf(text) > request.maxTokens) {
    text = text.slice(0, request.maxTokens * 4);
    finishReason = 'length';
  }
  const usage: TokenUsage = { inputTokens: inputTokensOf(request), outputTokens: tokensOf(text) };
  return {
    id: `chatcmpl-demo${crypto.randomUUID().replace(/-/g, '').slice(0, 20)}`,
    model: request.model,
    content: [{ type: 'text', text }],
    finishReason,
    usage,
  };
}

/** Deterministic unit vectors: the same text always gets the same embedding. */
export function demoEmbeddings(request: EmbeddingsRequest): EmbeddingsResponse {
  const dimensions = request.dimensions ?? 16;
  const embeddings = request.input.map((text) => {
    let seed = 2166136261;
    for (const char of text) seed = Math.imul(seed ^ (char.codePointAt(0) ?? 0), 16777619);
    const vector = Array.from({ length: dimensions }, (_, i) => Math.sin(seed + i * 7919));
    const norm = Math.hypot(...vector) || 1;
    return vector.map((value) => Number((value / norm).toFixed(6)));
  });
  return {
    model: request.model,
    embeddings,
    usage: { inputTokens: request.input.reduce((sum, text) => sum + tokensOf(text), 0) },
  };
}
