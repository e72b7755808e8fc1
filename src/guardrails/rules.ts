import * as z from 'zod';
import { PII_KINDS, type PiiKind } from './pii.ts';

/** Which side of the exchange a text rule reads: the prompt, the answer, or both. */
export type Side = 'request' | 'response';

interface RuleBase {
  /** Named in errors, log lines and `x-gateway-guardrails`; defaults to the rule's type. */
  name: string;
  /** Gateway key names the rule applies to; undefined: every request. */
  keys: ReadonlySet<string> | undefined;
}

export type Rule =
  | (RuleBase & { type: 'pii'; action: 'redact' | 'block' | 'log'; kinds: ReadonlySet<PiiKind>; on: ReadonlySet<Side> })
  | (RuleBase & { type: 'deny'; patterns: readonly RegExp[]; on: ReadonlySet<Side> })
  | (RuleBase & { type: 'max_input_tokens'; max: number })
  | (RuleBase & { type: 'allowed_models'; models: readonly RegExp[] })
  | (RuleBase & {
      type: 'webhook';
      url: string;
      timeoutMs: number;
      /** `allow` (fail-open) or `block` (fail-closed) when the service does not answer in time or sensibly. */
      onError: 'allow' | 'block';
      headers: Readonly<Record<string, string>>;
    });

const escaped = (word: string) => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** `gpt-4o*`, `openai/*`: `*` is any run of characters, the rest is literal. */
const glob = (pattern: string) => new RegExp(`^${pattern.split('*').map(escaped).join('.*')}$`, 'i');

/**
 * The file's schema, built on first use: zod schemas cost start-up time (this one about 15 ms,
 * interpreted), and most gateways have no GUARDRAILS_FILE.
 */
function buildFileSchema() {
  const sides = z
    .array(z.enum(['request', 'response']))
    .nonempty()
    .optional()
    .transform((list) => new Set<Side>(list ?? ['request', 'response']));
  const base = {
    name: z.string().min(1).max(100).optional(),
    keys: z.array(z.string().min(1)).nonempty().optional(),
  };
  const regex = z.string().transform((source, ctx) => {
    try {
      return new RegExp(source, 'giu');
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `not a valid regular expression (${(error as Error).message})` });
      return z.NEVER;
    }
  });
  const ruleSchema = z.discriminatedUnion('type', [
    z.strictObject({
      ...base,
      type: z.literal('pii'),
      action: z.enum(['redact', 'block', 'log']).default('redact'),
      kinds: z.array(z.enum(PII_KINDS)).nonempty().optional(),
      on: sides,
    }),
    z
      .strictObject({
        ...base,
        type: z.literal('deny'),
        patterns: z.array(regex).optional(),
        words: z.array(z.string().min(1)).optional(),
        on: sides,
      })
      .refine((rule) => (rule.patterns?.length ?? 0) + (rule.words?.length ?? 0) > 0, {
        message: 'a deny rule needs patterns or words',
      }),
    z.strictObject({ ...base, type: z.literal('max_input_tokens'), max: z.number().int().positive() }),
    z.strictObject({ ...base, type: z.literal('allowed_models'), models: z.array(z.string().min(1)).nonempty() }),
    z.strictObject({
      ...base,
      type: z.literal('webhook'),
      url: z.string().refine((url) => URL.canParse(url) && /^https?:$/.test(new URL(url).protocol), {
        message: 'must be an http:// or https:// URL',
      }),
      timeout_ms: z.number().int().positive().max(60_000).default(2000),
      on_error: z.enum(['allow', 'block']).default('allow'),
      headers: z.record(z.string(), z.string()).optional(),
    }),
  ]);

  return z.strictObject({ rules: z.array(ruleSchema) });
}
let fileSchema: ReturnType<typeof buildFileSchema> | undefined;

/** The rules of a GUARDRAILS_FILE's value (already parsed from JSON or YAML), or one line per problem. */
export function parseRules(value: unknown): { rules: Rule[] } | { problems: string[] } {
  // The rules alone (a top-level list) are a file too.
  fileSchema ??= buildFileSchema();
  const parsed = fileSchema.safeParse(Array.isArray(value) ? { rules: value } : value);
  if (!parsed.success)
    return {
      problems: parsed.error.issues.map((issue) => {
        const at = issue.path.length ? issue.path.join('.') : 'the file';
        return `${at}: ${issue.message}`;
      }),
    };
  const rules = parsed.data.rules.map((raw): Rule => {
    const common = { name: raw.name ?? raw.type, keys: raw.keys && new Set(raw.keys) };
    switch (raw.type) {
      case 'pii':
        return { ...common, type: 'pii', action: raw.action, kinds: new Set(raw.kinds ?? PII_KINDS), on: raw.on };
      case 'deny':
        return {
          ...common,
          type: 'deny',
          on: raw.on,
          patterns: [
            ...(raw.patterns ?? []),
            ...(raw.words ?? []).map(
              (word) => new RegExp(`(?<![\\p{L}\\p{N}_])${escaped(word)}(?![\\p{L}\\p{N}_])`, 'giu'),
            ),
          ],
        };
      case 'max_input_tokens':
        return { ...common, type: 'max_input_tokens', max: raw.max };
      case 'allowed_models':
        return { ...common, type: 'allowed_models', models: raw.models.map(glob) };
      case 'webhook':
        return {
          ...common,
          type: 'webhook',
          url: raw.url,
          timeoutMs: raw.timeout_ms,
          onError: raw.on_error,
          headers: raw.headers ?? {},
        };
    }
  });
  return { rules };
}
