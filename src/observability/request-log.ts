import type { ServerResponse } from 'node:http';
import pino from 'pino';
import type { RequestContext } from '../server/context.ts';
import { type Logger, SERVICE } from './logger.ts';

const round = (ms: number) => Math.round(ms * 10) / 10;

/**
 * Writes the one log line of a request, once it is over (finished or abandoned by the client).
 * The line goes to the logger's own destination in the logger's format, but is serialised with one
 * JSON.stringify: pino's field-by-field serialiser cost 8 µs per line against 3 µs, on the path
 * every request takes. Other log lines go through pino as usual.
 */
export function logRequest(logger: Logger, ctx: RequestContext, res: ServerResponse): void {
  const failed = ctx.error !== undefined && ctx.error.status >= 500;
  const level = failed ? 'warn' : 'info';
  if (!logger.isLevelEnabled(level)) return;
  const now = performance.now();
  const line = {
    level,
    time: new Date().toISOString(),
    service: SERVICE,
    requestId: ctx.id,
    method: ctx.method,
    path: ctx.path,
    provider: ctx.provider,
    model: ctx.model,
    selectedBy: ctx.selectedBy,
    subject: ctx.subject,
    user: ctx.user,
    session: ctx.session,
    keyMetadata: ctx.key?.metadata,
    status: res.statusCode,
    stream: ctx.stream,
    usage: ctx.usage,
    costUsd: ctx.costUsd,
    latencyMs: round(now - ctx.startedAt),
    ttfbMs: ctx.firstByteAt === undefined ? undefined : round(ctx.firstByteAt - ctx.startedAt),
    bytesIn: ctx.bytesIn,
    bytesOut: ctx.bytesOut,
    attempts: ctx.attempts && ctx.attempts.length > 1 ? ctx.attempts : undefined,
    droppedParams: ctx.droppedParams,
    clientAborted: !res.writableFinished || undefined,
    error: ctx.error ? { code: ctx.error.code, message: ctx.error.message } : undefined,
    msg: failed ? 'request failed' : 'request',
  };
  (logger as unknown as Record<symbol, { write(line: string): void }>)[pino.symbols.streamSym]!.write(
    `${JSON.stringify(line)}\n`,
  );
}
