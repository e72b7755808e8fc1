import * as z from 'zod';

const EVENT_TYPES = ['provider.cooldown', 'provider.recovered', 'budget.threshold', 'key.expiring'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** One receiver of webhook events (WEBHOOKS_FILE). */
export interface Endpoint {
  url: string;
  /** The HMAC-SHA256 key of the signature header. */
  secret: string;
  events: ReadonlySet<EventType>;
  headers: Readonly<Record<string, string>>;
  /** Attempts per delivery, the first included. */
  maxAttempts: number;
  /** The wait before the first retry; it doubles for each one after. */
  backoffMs: number;
}

/** The file's schema, built on first use: zod schemas cost start-up time, and most gateways send no webhooks. */
function buildFileSchema() {
  const endpointSchema = z.strictObject({
    url: z.string().refine((url) => URL.canParse(url) && /^https?:$/.test(new URL(url).protocol), {
      message: 'must be an http:// or https:// URL',
    }),
    secret: z.string().min(16, { message: 'must be at least 16 characters (it keys the HMAC signature)' }),
    events: z.array(z.enum(EVENT_TYPES)).nonempty().optional(),
    headers: z.record(z.string(), z.string()).optional(),
    max_attempts: z.number().int().min(1).max(20).default(6),
    backoff_ms: z.number().int().min(1).max(600_000).default(1000),
  });

  return z.strictObject({
    webhooks: z.array(endpointSchema).nonempty(),
    key_expiry_days: z.number().int().min(1).max(365).default(7),
  });
}
let fileSchema: ReturnType<typeof buildFileSchema> | undefined;

/** WEBHOOKS_FILE: where events go, and how early a key's coming expiry is told. */
export interface WebhookSettings {
  endpoints: Endpoint[];
  /** `key.expiring` is sent when a gateway key expires within this many days. */
  keyExpiryDays: number;
}

/** The settings of a WEBHOOKS_FILE's value (parsed from JSON or YAML), or one line per problem. */
export function parseEndpoints(value: unknown): WebhookSettings | { problems: string[] } {
  fileSchema ??= buildFileSchema();
  const parsed = fileSchema.safeParse(Array.isArray(value) ? { webhooks: value } : value);
  if (!parsed.success)
    return {
      problems: parsed.error.issues.map(
        (issue) => `${issue.path.length ? issue.path.join('.') : 'the file'}: ${issue.message}`,
      ),
    };
  return {
    keyExpiryDays: parsed.data.key_expiry_days,
    endpoints: parsed.data.webhooks.map((raw) => ({
      url: raw.url,
      secret: raw.secret,
      events: new Set(raw.events ?? EVENT_TYPES),
      headers: raw.headers ?? {},
      maxAttempts: raw.max_attempts,
      backoffMs: raw.backoff_ms,
    })),
  };
}
