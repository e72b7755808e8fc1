import type { IncomingHttpHeaders } from 'node:http';
import { isObject } from '../formats/common/json.ts';
import type { RequestContext } from '../server/context.ts';

/** Longest user or session id kept: they go into log lines, the request log and counter keys. */
const MAX_LENGTH = 200;

/** Where the user came from: a bounded label for metrics (the user itself never is one). */
export type UserSource = 'header' | 'body' | 'none';

const clean = (value: unknown): string | undefined => {
  if (typeof value !== 'string') return undefined;
  // Control characters would forge log lines; the length bounds what a client can make us store.
  const text = value
    .replace(/\p{Cc}/gu, '')
    .trim()
    .slice(0, MAX_LENGTH);
  return text.length ? text : undefined;
};

const header = (headers: IncomingHttpHeaders, name: string) => {
  const value = headers[name];
  return clean(Array.isArray(value) ? value[0] : value);
};

/**
 * Whom a request is for and which session it belongs to (the request log, per-user budgets): the
 * gateway's own headers (`X-Gateway-User`, `X-Gateway-Session`, or `X-Session-Id`) win, an
 * application that sets them knows best; otherwise what the client formats carry already:
 * Anthropic's `metadata.user_id` (where Claude Code sends `user_<hash>_account_<uuid>_session_<uuid>`),
 * OpenAI's `user` / `safety_identifier`, Gemini's `labels.user` / `labels.session`.
 * Returns the bounded labels the metrics count.
 */
export function attribute(
  ctx: RequestContext,
  headers: IncomingHttpHeaders,
  body: Record<string, unknown> | undefined,
): { user: UserSource; session: boolean } {
  const fromHeader = header(headers, 'x-gateway-user');
  let session = header(headers, 'x-gateway-session') ?? header(headers, 'x-session-id');
  let bodyUser: string | undefined;
  if (body) {
    const metadata = isObject(body.metadata) ? body.metadata : undefined;
    const labels = isObject(body.labels) ? body.labels : undefined;
    const anthropic = clean(metadata?.user_id);
    if (anthropic !== undefined) {
      const claudeCode = /^(.*?)_account_.*?_session_([\w-]+)$/.exec(anthropic);
      bodyUser = claudeCode ? claudeCode[1] || undefined : anthropic;
      session ??= claudeCode?.[2];
    }
    bodyUser ??= clean(body.user) ?? clean(body.safety_identifier) ?? clean(labels?.user);
    session ??= clean(labels?.session) ?? clean(metadata?.session_id);
  }
  ctx.user = fromHeader ?? bodyUser;
  ctx.session = session;
  return { user: fromHeader ? 'header' : bodyUser ? 'body' : 'none', session: session !== undefined };
}
