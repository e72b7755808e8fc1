import { isObject } from '../formats/common/json.ts';
import type { ChatRequest } from '../formats/ir.ts';
import type { Logger } from '../observability/logger.ts';
import type { RequestContext } from '../server/context.ts';
import { GuardrailUnavailableError } from '../errors.ts';
import { applyPlainMessages, type PlainMessage, plainMessages } from './request-texts.ts';
import type { Rule } from './rules.ts';

type WebhookRule = Extract<Rule, { type: 'webhook' }>;

/**
 * Asks an external guardrail service about a request: POSTs `{ rule, key, model, messages }` and
 * reads `{ "action": "allow" | "block" | "rewrite", "messages"?: [...] }`. A rewrite changes the
 * IR in place. A service that does not answer within the rule's timeout, answers an error, or
 * answers nonsense lets the request through (`on_error: allow`, fail-open) or refuses it with a
 * 503 (`on_error: block`, fail-closed).
 */
export async function askWebhook(
  rule: WebhookRule,
  ctx: RequestContext,
  ir: ChatRequest,
  logger: Logger | undefined,
): Promise<'allow' | 'block' | 'rewrite'> {
  let failure: string;
  try {
    const response = await fetch(rule.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...rule.headers },
      body: JSON.stringify({ rule: rule.name, key: ctx.subject ?? null, model: ir.model, messages: plainMessages(ir) }),
      signal: AbortSignal.timeout(rule.timeoutMs),
      redirect: 'error',
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`it answered ${response.status}`);
    const answer: unknown = JSON.parse(text);
    if (!isObject(answer)) throw new Error('its answer is not a JSON object');
    if (answer.action === 'allow' || answer.action === 'block') return answer.action;
    if (answer.action === 'rewrite' && Array.isArray(answer.messages) && answer.messages.every(isPlainMessage)) {
      if (applyPlainMessages(ir, answer.messages)) return 'rewrite';
      throw new Error('its rewrite does not have one message per message sent');
    }
    throw new Error("its answer has no action 'allow', 'block' or 'rewrite' (with messages)");
  } catch (error) {
    failure =
      (error as Error).name === 'TimeoutError'
        ? `no answer within ${rule.timeoutMs} ms`
        : error instanceof SyntaxError
          ? 'its answer is not JSON'
          : (error as Error).message === 'fetch failed'
            ? `cannot reach it (${((error as Error).cause as { code?: string } | undefined)?.code ?? 'error'})`
            : (error as Error).message;
  }
  logger?.warn(
    { request: ctx.id, rule: rule.name, reason: failure, onError: rule.onError },
    rule.onError === 'allow'
      ? 'guardrail webhook failed; the request goes on (fail-open)'
      : 'guardrail webhook failed; the request is refused (fail-closed)',
  );
  if (rule.onError === 'allow') return 'allow';
  throw new GuardrailUnavailableError(rule.name, failure);
}

const isPlainMessage = (value: unknown): value is PlainMessage =>
  isObject(value) && typeof value.content === 'string' && typeof value.role === 'string';
