import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { UpstreamMalformedError, UpstreamStreamError, UpstreamTooLargeError } from '../errors.ts';
import { decodedBody } from './content-encoding.ts';
import { clientResponseHeaders } from './headers.ts';
import { type Controller, Relay, type RelayOptions, type UpstreamHeaders } from './relay.ts';
import { SseBoundary, SseEventTooLarge } from './sse-boundary.ts';

export interface PassThroughRelayOptions extends RelayOptions {
  /** Sees a successful whole-JSON answer (decoded) before it is sent, and returns headers to add to it. */
  inspectJson?: (body: Buffer) => Record<string, string>;
  /** Sees whole SSE events before they are sent, and returns the bytes to send instead. */
  inspectSse?: (events: Buffer) => Buffer;
  /**
   * What a successful answer must be, on routes that promise one: JSON, or an event stream that
   * ends with one of `terminators` (e.g. `[DONE]`). Anything else is not relayed as a success.
   */
  promise?: { kind: 'json' } | { kind: 'sse'; terminators: readonly Buffer[] } | undefined;
}

/** What an SSE stream's first bytes may be: a field name or a comment (whitespace first is tolerated). */
const SSE_START = /^\s*(data|event|id|retry)?:/;

/**
 * Relays an answer in the client's own format: status and headers at once, then each chunk. An
 * event stream is cut at event boundaries (so an error event appended after a break parses); a
 * successful JSON answer is read whole first (up to MAX_RESPONSE_BYTES), to put its usage in a
 * response header. On the routes the gateway understands, a 200 must be what the route promises.
 */
export class PassThroughRelay extends Relay {
  /** Kept apart from the options so that a stream can let it go (it may hold the request's body). */
  #inspectJson: PassThroughRelayOptions['inspectJson'];
  readonly #inspectSse: PassThroughRelayOptions['inspectSse'];
  readonly #promised: PassThroughRelayOptions['promise'];
  #boundary: SseBoundary | undefined;
  #held: Buffer[] | undefined;
  #heldBytes = 0;
  #status = 0;
  /** The headers of a JSON answer held until its usage is read. */
  #headers: OutgoingHttpHeaders | undefined;
  /** For a promised stream: whether its first bytes were checked, and whether its terminator came. */
  #checkedStart = false;
  #terminated = false;

  constructor(res: ServerResponse, { inspectJson, inspectSse, promise, ...options }: PassThroughRelayOptions) {
    super(res, options);
    this.#inspectJson = inspectJson;
    this.#inspectSse = inspectSse;
    this.#promised = promise;
  }

  get #promise() {
    return this.#status < 300 ? this.#promised : undefined;
  }

  protected start(controller: Controller, statusCode: number, upstreamHeaders: UpstreamHeaders): void {
    const headers = clientResponseHeaders(upstreamHeaders);
    const contentType = String(headers['content-type'] ?? '');
    this.#status = statusCode;
    const promise = this.#promise;
    // A stream in the client's framing (SSE, or Ollama's NDJSON) is relayed event by event.
    this.sse = contentType.startsWith(this.options.framing.contentType.split(';')[0] as string);
    if (promise && (promise.kind === 'sse') !== this.sse) {
      const due = promise.kind === 'sse' ? 'an event stream' : 'JSON';
      this.fail(
        controller,
        this.#malformed(`a ${statusCode} with content-type '${contentType || 'none'}' where ${due} was due`),
      );
      return;
    }
    if (this.sse) {
      // An SSE body may end differently from the upstream's if it breaks off (error event appended).
      delete headers['content-length'];
      headers['cache-control'] ??= 'no-cache';
      headers['x-accel-buffering'] = 'no';
      this.#boundary = new SseBoundary(this.options.maxResponseBytes, this.options.framing.separators);
    }
    Object.assign(headers, this.options.extraHeaders);
    const isJson = contentType.includes('json');
    if (promise?.kind === 'json' && !isJson) {
      this.fail(controller, this.#malformed(`a ${statusCode} with content-type '${contentType}' where JSON was due`));
      return;
    }
    if (this.#inspectJson && !this.sse && statusCode < 300 && isJson) {
      if (Number(headers['content-length'] ?? 0) > this.options.maxResponseBytes) {
        this.fail(controller, this.#tooLargeError());
        return;
      }
      this.#headers = headers;
      this.#held = [];
      return;
    }
    this.#inspectJson = undefined;
    this.writeHead(statusCode, headers);
  }

  protected data(controller: Controller, chunk: Buffer): void {
    if (this.#held) {
      this.#held.push(chunk);
      this.#heldBytes += chunk.length;
      if (this.#heldBytes > this.options.maxResponseBytes) this.fail(controller, this.#tooLargeError());
      return;
    }
    if (!this.#boundary) {
      this.write(chunk, controller);
      return;
    }
    let bytes: Buffer;
    try {
      bytes = this.#boundary.push(chunk);
    } catch (error) {
      if (!(error instanceof SseEventTooLarge)) throw error;
      this.fail(controller, new UpstreamTooLargeError(this.options.providerId, 'an SSE event', error.limit));
      return;
    }
    this.#relayEvents(bytes, controller);
  }

  #malformed(detail: string) {
    return new UpstreamMalformedError(this.options.providerId, detail);
  }

  #tooLargeError() {
    return new UpstreamTooLargeError(this.options.providerId, 'an answer', this.options.maxResponseBytes);
  }

  #relayEvents(events: Buffer, controller: Controller): void {
    if (events.length === 0) return;
    const promise = this.#promise;
    if (promise?.kind === 'sse') {
      if (!this.#checkedStart) {
        this.#checkedStart = true;
        if (!SSE_START.test(events.subarray(0, 64).toString('latin1'))) {
          this.fail(controller, this.#malformed('an event stream that is not SSE'));
          return;
        }
      }
      if (!this.#terminated) for (const t of promise.terminators) if (events.includes(t)) this.#terminated = true;
    }
    this.write(this.#inspectSse ? this.#inspectSse(events) : events, controller);
  }

  protected end(controller: Controller): void {
    if (this.#held && this.#headers) {
      const body = this.#held.length === 1 ? (this.#held[0] as Buffer) : Buffer.concat(this.#held, this.#heldBytes);
      this.#held = undefined;
      if (this.#promise?.kind === 'json' && !looksLikeJson(body, this.#headers['content-encoding'])) {
        this.fail(controller, this.#malformed('a body that is not JSON'));
        return;
      }
      let added: Record<string, string> = {};
      try {
        const decoded = decodedBody(body, this.#headers['content-encoding'], this.options.maxResponseBytes);
        added = this.#inspectJson?.(decoded) ?? {};
      } catch {
        // A body that does not parse is still the provider's answer: send it on unpriced.
      }
      const headers = Object.assign(this.#headers, added);
      headers['content-length'] = body.length;
      this.writeHead(this.#status, headers);
      this.write(body, controller);
    } else if (this.#boundary) {
      const tail = this.#boundary.flush();
      if (tail) this.#relayEvents(tail, controller);
      const promise = this.#promise;
      if (promise?.kind === 'sse' && !this.#terminated && !this.res.writableEnded) {
        this.fail(
          controller,
          new UpstreamStreamError(this.options.providerId, 'the stream ended without its final event'),
        );
        return;
      }
    }
    if (this.res.writableEnded) return;
    this.finish();
    this.res.end();
  }
}

/** A body whose first byte opens a JSON object or array (an HTML error page does not). */
function looksLikeJson(body: Buffer, encoding: unknown): boolean {
  if (encoding && encoding !== 'identity') return true; // compressed: judged when decoded for its usage
  const text = body.subarray(0, 64).toString('latin1').trimStart();
  return text.startsWith('{') || text.startsWith('[');
}
