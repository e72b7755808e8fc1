import type { ServerResponse } from 'node:http';
import type { Attempt, RequestContext } from '../server/context.ts';

/** One finished request as the request log store keeps it: chosen fields, never headers or keys. */
export interface RequestRecord {
  /** When the request arrived, ms since the epoch. */
  time: number;
  requestId: string;
  /** The gateway key's name; null when the gateway runs without keys. */
  key: string | null;
  user: string | null;
  session: string | null;
  clientFormat: string;
  method: string;
  /** The fixed route name (`/v1/chat/completions`, `passthrough`, …). */
  route: string;
  path: string;
  provider: string | null;
  model: string | null;
  selectedBy: string | null;
  status: number;
  errorCode: string | null;
  inputTokens: number | null;
  cachedInputTokens: number | null;
  cacheWriteTokens: number | null;
  outputTokens: number | null;
  reasoningTokens: number | null;
  costUsd: number | null;
  latencyMs: number;
  ttfbMs: number | null;
  attempts: Attempt[];
  bytesIn: number;
  bytesOut: number;
  streamed: boolean;
  /** The client hung up before the response was complete. */
  aborted: boolean;
  /** Headers the gateway added to the response (`x-gateway-*`, rate-limit state, `x-request-id`), as JSON object text. */
  gatewayHeaders: string;
  /** Request and response bodies, scrubbed of keys; only with LOG_PAYLOADS=true. */
  requestBody: string | null;
  responseBody: string | null;
}

const round = (ms: number) => Math.round(ms * 10) / 10;

/** Response header names worth keeping: what the gateway itself says about the request. */
const GATEWAY_HEADER = /(?:x-gateway-[\w-]+|x-ratelimit-[\w-]+|x-request-id|retry-after):/iy;

/**
 * The gateway's own response headers, as the JSON object text the store keeps. Node keeps the
 * serialised head (`_header`) of every response; it is scanned line by line with a sticky regex
 * test, which allocates nothing for the lines it skips (a `matchAll` into an object cost 2 KB a
 * request).
 */
function gatewayHeadersOf(res: ServerResponse): string {
  const head = (res as unknown as { _header?: unknown })._header;
  if (typeof head !== 'string') return '{}';
  let json = '';
  // The first line is the status line.
  for (let start = head.indexOf('\r\n') + 2, end: number; start > 1; start = end + 2) {
    end = head.indexOf('\r\n', start);
    if (end < 0) break;
    GATEWAY_HEADER.lastIndex = start;
    if (!GATEWAY_HEADER.test(head)) continue;
    const colon = GATEWAY_HEADER.lastIndex - 1;
    json += `${json ? ',' : ''}${JSON.stringify(head.slice(start, colon).toLowerCase())}:${JSON.stringify(head.slice(colon + 1, end).trim())}`;
  }
  return `{${json}}`;
}

/** The record of a request once its response has closed. `keyed`: the subject is a gateway key's name. */
export function recordOf(
  ctx: RequestContext,
  res: ServerResponse,
  route: string,
  keyed: boolean,
  now = performance.now(),
): RequestRecord {
  const usage = ctx.usage;
  return {
    time: Math.round(performance.timeOrigin + ctx.startedAt),
    requestId: ctx.id,
    key: keyed ? (ctx.subject ?? null) : null,
    user: ctx.user ?? null,
    session: ctx.session ?? null,
    clientFormat: ctx.clientFormat,
    method: ctx.method,
    route,
    path: ctx.path,
    provider: ctx.provider ?? null,
    model: ctx.model ?? null,
    selectedBy: ctx.selectedBy ?? null,
    status: res.statusCode,
    errorCode: ctx.error?.code ?? null,
    inputTokens: usage?.inputTokens ?? null,
    cachedInputTokens: usage ? (usage.cachedInputTokens ?? 0) : null,
    cacheWriteTokens: usage ? (usage.cacheWriteInputTokens ?? 0) : null,
    outputTokens: usage?.outputTokens ?? null,
    reasoningTokens: usage ? (usage.reasoningTokens ?? 0) : null,
    costUsd: ctx.costUsd ?? null,
    latencyMs: round(now - ctx.startedAt),
    ttfbMs: ctx.firstByteAt === undefined ? null : round(ctx.firstByteAt - ctx.startedAt),
    attempts: ctx.attempts ?? [],
    bytesIn: ctx.bytesIn,
    bytesOut: ctx.bytesOut,
    streamed: ctx.stream,
    aborted: !res.writableFinished,
    gatewayHeaders: gatewayHeadersOf(res),
    requestBody: ctx.payloads?.request ?? null,
    responseBody: ctx.payloads?.response ?? null,
  };
}
