import type { ServerResponse } from 'node:http';
import type { RequestContext } from '../server/context.ts';
import type { Logger } from './logger.ts';

const round = (ms: number) => Math.round(ms * 10) / 10;

/** Writes the one log line of a request, once it is over (finished or abandoned by the client). */
export function logRequest(logger: Logger, ctx: RequestContext, res: ServerResponse): void {
  const failed = ctx.error !== undefined && ctx.error.status >= 500;
  if (!logger.isLevelEnabled(failed ? 'warn' : 'info')) return;
  const now = performance.now();
  const line = {
    requestId: ctx.id,
    method: ctx.method,
    path: ctx.path,
    provider: ctx.provider,
    model: ctx.model,
    selectedBy: ctx.selectedBy,
    subject: ctx.subject,
    status: res.statusCode,
    stream: ctx.stream,
    latencyMs: round(now - ctx.startedAt),
    ttfbMs: ctx.firstByteAt === undefined ? undefined : round(ctx.firstByteAt - ctx.startedAt),
    bytesIn: ctx.bytesIn,
    bytesOut: ctx.bytesOut,
    usage: ctx.usage,
    costUsd: ctx.costUsd,
    clientAborted: !res.writableFinished || undefined,
    error: ctx.error ? { code: ctx.error.code, message: ctx.error.message } : undefined,
  };
  if (failed) logger.warn(line, 'request failed');
  else logger.info(line, 'request');
}
