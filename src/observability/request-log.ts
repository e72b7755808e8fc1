import type { ServerResponse } from 'node:http';
import pino from 'pino';
import type { RequestContext } from '../server/context.ts';
import { type Logger, SERVICE } from './logger.ts';

const round = (ms: number) => Math.round(ms * 10) / 10;
const str = JSON.stringify;
/** `,"key":value` for a field that is set; nothing for one that is not (as JSON.stringify omits undefined). */
const field = (key: string, value: unknown) => (value === undefined ? '' : `,"${key}":${str(value)}`);

let second = -1;
let secondIso = '';
/**
 * The time as `new Date().toISOString()` gives it, which costs 1-5 µs a call (measured): the part
 * up to the second is made once a second, the milliseconds appended.
 */
export function isoNow(now = Date.now()): string {
  const ms = now % 1000;
  if (now - ms !== second) {
    second = now - ms;
    secondIso = new Date(second).toISOString().slice(0, 20);
  }
  return `${secondIso}${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z`;
}

/** Which requests get a log line (LOG_REQUESTS). */
export type LogRequests = 'all' | 'errors' | 'none';

/**
 * Writes the one log line of a request, once it is over (finished or abandoned by the client).
 * The line goes to the logger's own destination in the logger's format, but is built by one
 * template, field by field in a fixed order: pino's serialiser cost 8 µs per line, one
 * JSON.stringify of an object of 23 fields 3 µs and the garbage it leaves; the template allocates
 * only the line. Other log lines go through pino as usual.
 */
export function logRequest(logger: Logger, ctx: RequestContext, res: ServerResponse, which: LogRequests = 'all'): void {
  if (which === 'none') return;
  const failed = ctx.error !== undefined && ctx.error.status >= 500;
  const clientAborted = !res.writableFinished;
  if (which === 'errors' && res.statusCode < 400 && !clientAborted && ctx.error === undefined) return;
  const level = failed ? 'warn' : 'info';
  if (!logger.isLevelEnabled(level)) return;
  const now = performance.now();
  const { error, attempts } = ctx;
  // The logger's bindings: `"service"`, and a worker's `"worker"` with WORKERS.
  const bindings =
    (logger as unknown as Record<symbol, string>)[pino.symbols.chindingsSym] ?? `,"service":"${SERVICE}"`;
  const line =
    `{"level":"${level}","time":"${isoNow()}"${bindings},"requestId":${str(ctx.id)}` +
    `,"method":${str(ctx.method)},"path":${str(ctx.path)}${field('provider', ctx.provider)}${field('model', ctx.model)}` +
    `${field('selectedBy', ctx.selectedBy)}${field('subject', ctx.subject)}` +
    `${field('user', ctx.user)}${field('session', ctx.session)}${field('keyMetadata', ctx.key?.metadata)},"status":${res.statusCode},"stream":${ctx.stream}` +
    `${field('usage', ctx.usage)}${field('costUsd', ctx.costUsd)},"latencyMs":${round(now - ctx.startedAt)}` +
    `${ctx.firstByteAt === undefined ? '' : `,"ttfbMs":${round(ctx.firstByteAt - ctx.startedAt)}`}` +
    `,"bytesIn":${ctx.bytesIn},"bytesOut":${ctx.bytesOut}${attempts && attempts.length > 1 ? field('attempts', attempts) : ''}` +
    `${field('droppedParams', ctx.droppedParams)}${field('cache', ctx.cache)}${field('guardrails', ctx.guardrails)}${clientAborted ? ',"clientAborted":true' : ''}` +
    `${error ? `,"error":${str({ code: error.code, message: error.message })}` : ''}` +
    `,"msg":"${failed ? 'request failed' : 'request'}"}\n`;
  (logger as unknown as Record<symbol, { write(line: string): void }>)[pino.symbols.streamSym]!.write(line);
}
