import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { clientResponseHeaders } from './headers.ts';
import { type Controller, Relay, type RelayOptions, type UpstreamHeaders } from './relay.ts';
import { SseBoundary } from './sse-boundary.ts';

/** Whole JSON answers up to this size are read before they are sent on (to price them). */
const MAX_INSPECTED_JSON_BYTES = 8 * 1024 * 1024;

export interface PassThroughRelayOptions extends RelayOptions {
  /** Sees a successful whole-JSON answer before it is sent, and returns headers to add to it. */
  inspectJson?: (body: Buffer) => Record<string, string>;
  /** Sees whole SSE events before they are sent, and returns the bytes to send instead. */
  inspectSse?: (events: Buffer) => Buffer;
}

/**
 * Relays an answer in the client's own format: status and headers at once, then each chunk. An
 * event stream is cut at event boundaries (so an error event appended after a break parses); a
 * successful JSON answer is read whole first, to put its usage in a response header.
 */
export class PassThroughRelay extends Relay {
  declare protected readonly options: PassThroughRelayOptions;
  #boundary: SseBoundary | undefined;
  #held: Buffer[] | undefined;
  #heldBytes = 0;
  #status = 0;
  #headers: OutgoingHttpHeaders = {};

  constructor(res: ServerResponse, options: PassThroughRelayOptions) {
    super(res, options);
  }

  protected start(statusCode: number, upstreamHeaders: UpstreamHeaders): void {
    const headers = clientResponseHeaders(upstreamHeaders);
    const contentType = String(headers['content-type'] ?? '');
    this.sse = contentType.startsWith(this.options.framing.contentType.split(';')[0] as string);
    if (this.sse) {
      // An SSE body may end differently from the upstream's if it breaks off (error event appended).
      delete headers['content-length'];
      headers['cache-control'] ??= 'no-cache';
      headers['x-accel-buffering'] = 'no';
      this.#boundary = new SseBoundary(this.options.framing.separators);
    }
    Object.assign(headers, this.options.extraHeaders);
    this.#status = statusCode;
    this.#headers = headers;
    if (
      this.options.inspectJson &&
      !this.sse &&
      statusCode < 300 &&
      contentType.includes('json') &&
      Number(headers['content-length'] ?? 0) <= MAX_INSPECTED_JSON_BYTES
    ) {
      this.#held = [];
      return;
    }
    this.writeHead(statusCode, headers);
  }

  protected data(controller: Controller, chunk: Buffer): void {
    if (this.#held) {
      this.#held.push(chunk);
      this.#heldBytes += chunk.length;
      if (this.#heldBytes <= MAX_INSPECTED_JSON_BYTES) return;
      // Too big to hold: send what we have and stream the rest, unpriced.
      this.writeHead(this.#status, this.#headers);
      const held = Buffer.concat(this.#held);
      this.#held = undefined;
      this.write(held, controller);
      return;
    }
    let bytes = this.#boundary ? this.#boundary.push(chunk) : chunk;
    if (this.#boundary && this.options.inspectSse && bytes.length) bytes = this.options.inspectSse(bytes);
    this.write(bytes, controller);
  }

  protected end(controller: Controller): void {
    if (this.#held) {
      const body = this.#held.length === 1 ? (this.#held[0] as Buffer) : Buffer.concat(this.#held, this.#heldBytes);
      let added: Record<string, string> = {};
      try {
        added = this.options.inspectJson?.(body) ?? {};
      } catch {
        // A body that does not parse is still the provider's answer: send it on unpriced.
      }
      this.writeHead(this.#status, { ...this.#headers, ...added, 'content-length': body.length });
      this.write(body, controller);
    } else {
      const tail = this.#boundary?.flush();
      if (tail) this.write(this.options.inspectSse ? this.options.inspectSse(tail) : tail, controller);
    }
    this.finish();
    this.res.end();
  }
}
