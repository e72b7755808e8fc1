import type { ServerResponse } from 'node:http';
import type { GatewayError } from '../errors.ts';
import type { UpstreamResponse } from '../upstream/client.ts';
import { clientResponseHeaders } from './headers.ts';
import { SseBoundary } from './sse-boundary.ts';

/** Whole JSON answers up to this size are read before they are sent on (to price them). */
const MAX_INSPECTED_JSON_BYTES = 8 * 1024 * 1024;

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
  /** Sees a successful whole-JSON answer before it is sent, and returns headers to add to it. */
  inspectJson?: (body: Buffer) => Record<string, string>;
  /** Sees whole SSE events before they are sent, and returns the bytes to send instead. */
  inspectSse?: (events: Buffer) => Buffer;
}

/**
 * Streams an upstream response to the client as it arrives: status and headers at once, then each
 * chunk, honouring the client's back-pressure. A break in an SSE stream becomes a final error
 * event; a break in any other body aborts the client connection (its length would lie).
 * A successful JSON answer is the exception: it is read whole first (it is small, and its usage
 * goes into a response header).
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

  const write = async (bytes: Buffer) => {
    if (bytes.length === 0) return;
    stats.firstByteAt ??= performance.now();
    stats.bytesOut += bytes.length;
    if (!res.write(bytes)) await drained(res);
  };

  const boundary = isSse ? new SseBoundary() : undefined;
  const inspectSse = isSse ? options.inspectSse : undefined;
  const inspectJson =
    options.inspectJson && contentType.includes('json') && upstream.statusCode < 300 && Number(headers['content-length'] ?? 0) <= MAX_INSPECTED_JSON_BYTES
      ? options.inspectJson
      : undefined;
  let held: Buffer[] | undefined = inspectJson ? [] : undefined;
  let heldBytes = 0;

  if (!held) {
    res.writeHead(upstream.statusCode, headers);
    if (isSse) res.flushHeaders();
  }

  try {
    for await (const chunk of upstream.body as AsyncIterable<Buffer>) {
      if (held) {
        held.push(chunk);
        heldBytes += chunk.length;
        if (heldBytes <= MAX_INSPECTED_JSON_BYTES) continue;
        // Too big to hold: send what we have and stream the rest, unpriced.
        res.writeHead(upstream.statusCode, headers);
        await write(Buffer.concat(held));
        held = undefined;
        continue;
      }
      let bytes = boundary ? boundary.push(chunk) : chunk;
      if (inspectSse && bytes.length) bytes = inspectSse(bytes);
      await write(bytes);
      if (res.destroyed) break;
    }
    if (held && inspectJson) {
      const body = held.length === 1 ? (held[0] as Buffer) : Buffer.concat(held);
      let added: Record<string, string> = {};
      try {
        added = inspectJson(body);
      } catch {
        // A body that does not parse is still the provider's answer: send it on unpriced.
      }
      res.writeHead(upstream.statusCode, { ...headers, ...added, 'content-length': body.length });
      await write(body);
    }
    const tail = boundary?.flush();
    if (tail) await write(inspectSse ? inspectSse(tail) : tail);
    res.end();
  } catch (error) {
    if (res.destroyed) return stats; // the client left: its abort is what broke the upstream body
    stats.error = options.onBodyError(error);
    if (!res.headersSent) throw stats.error; // nothing sent yet (a held JSON body): a plain error response
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
