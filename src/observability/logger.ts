import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from '../config/config.ts';

export type { Logger };

/** Every line carries it, so a shared log pipeline can tell the gateway's lines apart. */
export const SERVICE = 'switchyard';

export type LogFormat = 'pretty' | 'json';

/**
 * The gateway's logger: JSON lines, or (`pretty`) the same lines rewritten for a person at a
 * terminal. Log lines are built from chosen fields, never from whole requests, headers or
 * providers (whose credentials are hidden from serialisation anyway), so nothing needs redacting.
 * pino's wildcard redaction tripled the cost of every request's log line (25 µs vs 8 µs
 * measured), and tests scan every log line for the keys they configure.
 */
export function createLogger(level: LogLevel, destination?: DestinationStream, format: LogFormat = 'json'): Logger {
  const out = destination ?? stdoutDestination();
  const toTerminal =
    (destination === undefined || (destination as { fd?: number }).fd === 1) && Boolean(process.stdout.isTTY);
  return pino(
    {
      level,
      base: { service: SERVICE },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    format === 'pretty' ? prettyStream(out, toTerminal && !process.env.NO_COLOR) : out,
  );
}

const COLOURS: Record<string, string> = { fatal: '31', error: '31', warn: '33', info: '32', debug: '90', trace: '90' };
/** Fields every line has, or that the pretty request line already shows. */
const SHOWN = new Set([
  'level',
  'time',
  'service',
  'msg',
  'requestId',
  'method',
  'path',
  'status',
  'provider',
  'model',
]);
const REQUEST_SHOWN = new Set([...SHOWN, 'latencyMs', 'ttfbMs', 'usage', 'costUsd', 'stream', 'bytesIn', 'bytesOut']);

/** One JSON log line as one readable line: time, level, what happened, then the other fields. */
function prettyLine(json: string, colour = false): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json);
  } catch {
    return json;
  }
  const level = String(entry.level ?? 'info');
  const time = String(entry.time ?? '').slice(11, 23);
  const label = level.toUpperCase().padEnd(5);
  const head = `${time} ${colour ? `\x1b[${COLOURS[level] ?? '0'}m${label}\x1b[0m` : label}`;
  const isRequest = typeof entry.requestId === 'string' && typeof entry.method === 'string';
  let text: string;
  if (isRequest) {
    const usage = entry.usage as { inputTokens?: number; outputTokens?: number } | undefined;
    text = [
      `${entry.method} ${entry.path} ${entry.status}`,
      entry.provider && `${entry.provider}${entry.model ? `/${entry.model}` : ''}`,
      entry.stream ? `stream ended after ${formatMs(Number(entry.latencyMs))}` : formatMs(Number(entry.latencyMs)),
      usage && `tokens ${usage.inputTokens ?? 0}→${usage.outputTokens ?? 0}`,
      typeof entry.costUsd === 'number' && `$${entry.costUsd}`,
    ]
      .filter(Boolean)
      .join('  ');
  } else text = String(entry.msg ?? '');
  const shown = isRequest ? REQUEST_SHOWN : SHOWN;
  const rest = Object.entries(entry)
    .filter(([key, value]) => !shown.has(key) && value !== undefined)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return `${head} ${text}${rest.length ? `  ${rest.join(' ')}` : ''}\n`;
}

const formatMs = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms)}ms`);

/** A destination that rewrites each JSON line before handing it on. */
function prettyStream(out: DestinationStream, colour: boolean): DestinationStream {
  const stream = out as DestinationStream & { flush?: () => void; flushSync?: () => void };
  return Object.assign(Object.create(null), {
    write(chunk: string) {
      let text = '';
      for (const line of chunk.split('\n')) if (line) text += prettyLine(line, colour);
      stream.write(text);
    },
    flush: () => stream.flush?.(),
    flushSync: () => stream.flushSync?.(),
  });
}

/** How long a log line waits for others to share its write(2). */
const LINGER_MS = 10;
/** Written at once past this much: one write of a few pages. */
const MAX_PENDING = 16_384;

/**
 * Asynchronous writes to stdout; `destroy()` it when its reader is gone (see main.ts). Lines are
 * gathered for LINGER_MS and written together: one write per line (each a trip through libuv's
 * thread pool) cost about 5 % of a proxied request's CPU under load (bench/compare.ts).
 * `flush` and `flushSync` write what is gathered first, so shutdown and pino's exit hook lose nothing.
 */
export function stdoutDestination(maxWrite = MAX_PENDING): ReturnType<typeof pino.destination> {
  // `maxWrite`: no write holds more (except a single longer line), so a worker of WORKERS, one
  // of several writers on the same pipe, can keep each write whole (server/workers.ts).
  const out = pino.destination({ dest: 1, sync: false, maxWrite });
  const write = out.write.bind(out);
  const flush = out.flush.bind(out);
  const flushSync = out.flushSync.bind(out);
  let pending = '';
  let timer: NodeJS.Timeout | undefined;
  const release = () => {
    clearTimeout(timer);
    timer = undefined;
    const text = pending;
    pending = '';
    if (text && !(out as { destroyed?: boolean }).destroyed) write(text);
  };
  out.write = (line: string) => {
    if (pending.length + line.length > maxWrite) release();
    pending += line;
    if (pending.length >= maxWrite) release();
    else timer ??= setTimeout(release, LINGER_MS).unref();
    return true;
  };
  out.flush = (cb?: (error?: Error) => unknown) => {
    release();
    flush(cb);
  };
  out.flushSync = () => {
    release();
    flushSync();
  };
  return out;
}
