import { type GatewayError, GuardrailBlockedError } from '../errors.ts';
import { CLIENT_FORMATS, PROVIDER_FORMATS } from '../formats/index.ts';
import type { ChatRequest, ChatResponse, StreamEvent } from '../formats/ir.ts';
import type { ProviderChatFormat } from '../formats/types.ts';
import { type AnswerFilter, chatSideFor } from '../formats/translate.ts';
import type { Logger } from '../observability/logger.ts';
import type { GatewayMetrics } from '../observability/metrics.ts';
import type { ProxyRequest } from '../proxy/exchange.ts';
import type { RequestContext } from '../server/context.ts';
import { inputTokensOf, mapTexts } from './request-texts.ts';
import type { Rule, Side } from './rules.ts';
import { HeldText, redacted, type Scan, scan, type TextRule } from './text-rules.ts';
import { askWebhook } from './webhook.ts';

/**
 * The guardrail pipeline (GUARDRAILS_FILE, docs/cache-and-guardrails.md): its rules run in the
 * order the file lists them, on the IR of chat requests, before anything is logged, traced or
 * sent; the text rules that read answers run on them too (`answerFilter`), per event for streams.
 */
export class Guardrails {
  readonly #rules: readonly Rule[];
  readonly #metrics: GatewayMetrics;
  readonly #logger: Logger | undefined;

  constructor(rules: readonly Rule[], deps: { metrics: GatewayMetrics; logger?: Logger }) {
    this.#rules = rules;
    this.#metrics = deps.metrics;
    this.#logger = deps.logger;
  }

  /**
   * Runs the request rules on a chat request: returns it as it is, or with its body rewritten
   * (redacted, or as a webhook rewrote it); throws GuardrailBlockedError when a rule refuses it.
   */
  async checkRequest(ctx: RequestContext, request: ProxyRequest): Promise<ProxyRequest> {
    const json = request.json;
    const chat = chatSideFor(ctx.clientFormat, request.apiPath);
    if (!json || !chat) return request;
    const rules = this.#applicable(ctx, 'request');
    if (rules.length === 0) return request;
    // A request the gateway cannot read cannot be checked: it is refused, never sent unchecked.
    const ir = chat.parseRequest(json, request.route);
    let changed = false;
    let rewritten = false;
    for (const rule of rules) {
      switch (rule.type) {
        case 'allowed_models':
          if (!rule.models.some((model) => model.test(ir.model)))
            this.#block(ctx, rule, `the model '${ir.model.slice(0, 100)}' is not allowed`);
          break;
        case 'max_input_tokens': {
          const tokens = inputTokensOf(ir);
          if (tokens > rule.max)
            this.#block(ctx, rule, `the input is about ${tokens} tokens, more than the ${rule.max} allowed`);
          break;
        }
        case 'pii':
        case 'deny':
          changed = mapTexts(ir, (text) => this.#checkText(ctx, [rule], text)) || changed;
          break;
        case 'webhook': {
          const verdict = await askWebhook(rule, ctx, ir, this.#logger);
          if (verdict === 'block') this.#block(ctx, rule, 'the guardrail service refused the request');
          else if (verdict === 'rewrite') {
            this.#acted(ctx, rule, 'rewrite');
            changed = rewritten = true;
          }
          break;
        }
      }
    }
    if (!changed) return request;
    const writer =
      chat === CLIENT_FORMATS[ctx.clientFormat].chat ? PROVIDER_FORMATS[ctx.clientFormat]?.chat : undefined;
    let body: Record<string, unknown>;
    if (writer) body = rebuiltBody(writer, json, ir);
    else if (rewritten)
      throw new GuardrailBlockedError(
        (ctx.guardrails?.find((label) => label.endsWith(':rewrite')) ?? 'webhook').split(':')[0] as string,
        'a rewritten request cannot be written back in this format',
      );
    else {
      // No writer for this format (Ollama): its text rules redact every string of the body instead.
      const textRules = rules.filter((rule): rule is TextRule => rule.type === 'pii' || rule.type === 'deny');
      body = redactStrings(json, (text) => redacted(text, scan(textRules, text).matches)) as Record<string, unknown>;
    }
    return { ...request, json: body, raw: Buffer.from(JSON.stringify(body)) };
  }

  /** The filter the answer passes through, when a text rule reads answers for this request. */
  answerFilter(ctx: RequestContext, apiPath: string): AnswerFilter | undefined {
    if (!chatSideFor(ctx.clientFormat, apiPath)) return undefined;
    const rules = this.#applicable(ctx, 'response') as TextRule[];
    if (rules.length === 0) return undefined;
    return {
      response: (response: ChatResponse) => {
        for (const part of response.content)
          if (part.type === 'text') part.text = this.#checkText(ctx, rules, part.text);
        return response;
      },
      stream: () => {
        const held = new HeldText(rules, (match) => this.#matched(ctx, match.rule, match.kind));
        let blocked = false;
        const release = (result: ReturnType<HeldText['push']>, then: StreamEvent[]): StreamEvent[] => {
          if ('block' in result) {
            blocked = true;
            const error = this.#blocked(ctx, result.block.rule, result.block.reason);
            return [{ type: 'error', status: error.status, code: error.code, message: error.message }];
          }
          return [...(result.text ? [{ type: 'text-delta' as const, text: result.text }] : []), ...then];
        };
        return (event: StreamEvent) => {
          if (blocked) return [];
          if (event.type === 'text-delta') return release(held.push(event.text), []);
          return release(held.flush(), [event]);
        };
      },
    };
  }

  /** The rules for this request's key that act on `side`. */
  #applicable(ctx: RequestContext, side: Side): Rule[] {
    return this.#rules.filter(
      (rule) =>
        (rule.keys === undefined || (ctx.subject !== undefined && rule.keys.has(ctx.subject))) &&
        (rule.type === 'pii' || rule.type === 'deny' ? rule.on.has(side) : side === 'request'),
    );
  }

  /** One text through text rules: redacted, logged, or refused (throws). */
  #checkText(ctx: RequestContext, rules: readonly TextRule[], text: string): string {
    const found: Scan = scan(rules, text);
    if (found.block) throw this.#blocked(ctx, found.block.rule, found.block.reason);
    for (const match of found.matches) this.#matched(ctx, match.rule, match.kind);
    return redacted(text, found.matches);
  }

  #matched(ctx: RequestContext, rule: TextRule, kind: string): void {
    if (rule.type !== 'pii') return;
    this.#acted(ctx, rule, rule.action);
    if (rule.action === 'log')
      this.#logger?.warn({ request: ctx.id, rule: rule.name, kind }, 'guardrail found PII (logged, not changed)');
  }

  #acted(ctx: RequestContext, rule: Rule, action: string): void {
    const label = `${rule.name}:${action}`;
    const acted = (ctx.guardrails ??= []);
    if (acted.includes(label)) return;
    acted.push(label);
    this.#metrics.guardrail({ rule: rule.type, action });
    ctx.responseHeaders = { ...ctx.responseHeaders, 'x-gateway-guardrails': acted.join(', ') };
  }

  #blocked(ctx: RequestContext, name: string, reason: string): GatewayError {
    const rule = this.#rules.find((r) => r.name === name);
    if (rule) this.#acted(ctx, rule, 'block');
    return new GuardrailBlockedError(name, reason);
  }

  #block(ctx: RequestContext, rule: Rule, reason: string): never {
    throw this.#blocked(ctx, rule.name, reason);
  }
}

/**
 * The changed IR written back in the client's own format (its provider side, which writes what
 * its client side reads), so that what follows — logging, tracing, the cache, pass-through or
 * translation — sees only the checked request. Parameters the IR carries only as tuning, and
 * `stream_options` as the client sent it, are put back as they were.
 */
function rebuiltBody(
  format: ProviderChatFormat,
  json: Record<string, unknown>,
  ir: ChatRequest,
): Record<string, unknown> {
  const body: Record<string, unknown> = { ...format.buildRequest(ir, ir.model).body, ...ir.tuning };
  delete body.stream_options;
  if (json.stream_options !== undefined) body.stream_options = json.stream_options;
  if (json.model !== undefined) body.model = json.model;
  return body;
}

/** Keys whose strings are names and data, not text a person wrote: left alone. */
const NOT_TEXT = new Set(['model', 'role', 'images', 'format', 'keep_alive']);

/** A copy of a JSON value with `change` applied to every string that is text. */
function redactStrings(value: unknown, change: (text: string) => string, key = ''): unknown {
  if (typeof value === 'string') return NOT_TEXT.has(key) ? value : change(value);
  if (Array.isArray(value)) return value.map((item) => redactStrings(item, change, key));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [name, item] of Object.entries(value)) out[name] = redactStrings(item, change, name);
  return out;
}
