import type { ServerResponse } from 'node:http';
import type { GatewayError } from '../errors.ts';
import { clientResponseHeaders } from './headers.ts';
import { SseBoundary } from './sse-boundary.ts';
import type { UpstreamResponse } from '../upstream/client.ts';

export interface RelayStats {
  /** performance.now() when the first body byte was written to the client. */
  firstByteAt: number | undefined;
  bytesOut: number;
  /** The failure that cut the body short, if any. */
  error: GatewayError | undefined;
}

export interface RelayOptions {
  extraHeaders: Record<string, string>;
  /** Maps a failure while reading the upstream body to the error reported to the client. */
  onBodyError: (error: unknown) => GatewayError;
  /** Renders a mid-stream error as one SSE event in the client's format. */
  sseErrorEvent: (error: GatewayError) => string;
}

/**
 * Streams an upstream response to the client as it arrives: status and headers at once, then each
 * chunk, honouring the client's back-pressure. A break in an SSE stream becomes a final error
 * event; a break in any other body aborts the client connection (its length would lie).
 */
export async function relayResponse(upstream: UpstreamResponse, res: ServerResponse, options: RelayOptions): Promise<RelayStats> {
  const stats: RelayStats = { firstByteAt: undefined, bytesOut: 0, error: undefined };
  const headers = clientResponseHeaders(upstream.headers);
  const contentType = String(headers['content-type'] ?? '');
  const isSse = contentType.startsWith('text/event-stream');
  if (isSse) {
    // An SSE body may end differently from the upstream's if it breaks off (error event appended).
    delete headers['content-length'];
    headers['cache-control'] ??= 'no-cache';
    headers['x-accel-buffering'] = 'no';
  }
  Object.assign(headers, options.extraHeaders);
  res.writeHead(upstream.statusCode, headers);
  if (isSse) res.flushHeaders();

  const boundary = isSse ? new SseBoundary() : undefined;
  const write = async (bytes: Buffer) => {
    if (bytes.length === 0) return;
    stats.firstByteAt ??= performance.now();
    stats.bytesOut += bytes.length;
    if (!res.write(bytes)) await drained(res);
  };

  try {
    for await (const chunk of upstream.body) {
      await write(boundary ? boundary.push(chunk as Buffer) : (chunk as Buffer));
      if (res.destroyed) break;
    }
    const tail = boundary?.flush();
    if (tail) await write(tail);
    res.end();
  } catch (error) {
    if (res.destroyed) return stats; // the client left: its abort is what broke the upstream body
    stats.error = options.onBodyError(error);
    if (isSse) {
      const event = options.sseErrorEvent(stats.error);
      stats.bytesOut += event.length;
      res.end(event);
    } else {
      res.destroy();
    }
  }
  return stats;
}

/** Resolves once the client can take more data, or has gone. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
