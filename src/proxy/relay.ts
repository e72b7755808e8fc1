import type { ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import type { GatewayError } from '../errors.ts';
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
  /** Maps a failure talking to the provider to the error reported to the client. */
  failure: (error: unknown, phase: 'headers' | 'body') => GatewayError;
  /** Renders a mid-stream error as one SSE event in the client's format. */
  streamErrorEvent: (error: GatewayError) => string;
  /** Sees a successful whole-JSON answer before it is sent, and returns headers to add to it. */
  inspectJson?: (body: Buffer) => Record<string, string>;
  /** Sees whole SSE events before they are sent, and returns the bytes to send instead. */
  inspectSse?: (events: Buffer) => Buffer;
  /**
   * Called once the exchange is over, before the response is ended: the request's log line is
   * written when the response closes, so what it reports must be known by then.
   */
  onFinish: (stats: RelayStats) => void;
  /**
   * Whether an answer with this status should be given up for another attempt (fallback or
   * retry) instead of being relayed. Decided on the status line, before any byte reaches the client.
   */
  retryable?: (status: number) => boolean;
  /**
   * Time allowed until the status line arrives. Kept here, on a plain timer, because undici's own
   * header timeout runs on a coarse clock (observed firing ~0.5 s late), and fallback needs the
   * share of each candidate kept to the millisecond.
   */
  headersTimeoutMs: number;
  /** Set when the provider speaks another wire format than the client: its answers are rewritten. */
  translate?: RelayTranslation;
}

/** How a translated exchange's answers reach the client in its own format. */
export interface RelayTranslation {
  /** A whole successful answer → the client's body and headers to add; throws a GatewayError if unreadable. */
  response(body: Buffer): { body: string; headers: Record<string, string> };
  /** An error answer → the client's error body (JSON). */
  error(status: number, body: Buffer): string;
  /** Set for streamed requests: the provider's stream in, whole client SSE events out. */
  stream:
    | { push(chunk: Buffer): string; end(): string; readonly closed: boolean; readonly error: GatewayError | undefined }
    | undefined;
}

/** The provider answered with a status worth another attempt; nothing was sent to the client. */
export class RetryableResponse extends Error {
  constructor(
    readonly status: number,
    readonly retryAfter: string | undefined,
  ) {
    super(`provider answered ${status}`);
  }
}

type Controller = Parameters<NonNullable<Dispatcher.DispatchHandler['onRequestStart']>>[0];

/**
 * An undici dispatch handler that streams the provider's response to the client as it arrives:
 * status and headers at once, then each chunk, pausing the provider while the client is slow.
 * A break in an SSE stream becomes a final error event; a break in any other body aborts the
 * client connection (its length would lie). A successful JSON answer is the exception: it is read
 * whole first (it is small, and its usage goes into a response header).
 *
 * `done` settles once the exchange is over: resolved with the stats, or rejected with the error to
 * answer when nothing has been sent to the client yet.
 */
export class ResponseRelay implements Dispatcher.DispatchHandler {
  readonly done: Promise<RelayStats>;
  readonly #res: ServerResponse;
  readonly #options: RelayOptions;
  readonly #stats: RelayStats = { firstByteAt: undefined, bytesOut: 0, error: undefined };
  #resolve!: (stats: RelayStats) => void;
  #reject!: (error: GatewayError | RetryableResponse) => void;
  #controller: Controller | undefined;
  #clientGone = false;
  #started = false;
  #sse = false;
  #boundary: SseBoundary | undefined;
  #held: Buffer[] | undefined;
  #heldBytes = 0;
  #status = 0;
  #headers: Record<string, string | string[] | number | undefined> = {};
  #givenUp = false;
  #headersTimer: NodeJS.Timeout | undefined;
  /** performance.now() when the provider's status line arrived: its time to first byte. */
  respondedAt: number | undefined;

  constructor(res: ServerResponse, options: RelayOptions) {
    this.#res = res;
    this.#options = options;
    this.done = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // The client hanging up cancels the upstream request, whatever stage it is in.
    res.once('close', () => {
      if (res.writableFinished) return;
      this.#clientGone = true;
      this.#abort(new Error('client disconnected'));
    });
    this.#headersTimer = setTimeout(
      () => this.#abort(Object.assign(new Error('no response headers in time'), { code: 'UND_ERR_HEADERS_TIMEOUT' })),
      options.headersTimeoutMs,
    );
  }

  #pendingAbort: Error | undefined;

  /** The exchange will not happen (e.g. credentials could not be had): stop the header timer. */
  cancel(): void {
    clearTimeout(this.#headersTimer);
    this.#givenUp = true;
  }

  /** Aborts the exchange now, or as soon as undici hands over its controller. */
  #abort(reason: Error): void {
    if (this.#controller) this.#controller.abort(reason);
    else this.#pendingAbort ??= reason;
  }

  onRequestStart(controller: Controller): void {
    this.#controller = controller;
    if (this.#pendingAbort) controller.abort(this.#pendingAbort);
  }

  onResponseStart(
    controller: Controller,
    statusCode: number,
    upstreamHeaders: Record<string, string | string[] | undefined>,
  ): void {
    if (statusCode < 200) return; // 1xx informational
    clearTimeout(this.#headersTimer);
    this.respondedAt = performance.now();
    if (this.#options.retryable?.(statusCode)) {
      this.#givenUp = true;
      const retryAfter = upstreamHeaders['retry-after'];
      this.#reject(new RetryableResponse(statusCode, typeof retryAfter === 'string' ? retryAfter : undefined));
      controller.abort(new Error('given up for another attempt'));
      return;
    }
    this.#started = true;
    if (this.#options.translate) {
      this.#startTranslated(statusCode, upstreamHeaders, this.#options.translate);
      return;
    }
    const headers = clientResponseHeaders(upstreamHeaders);
    const contentType = String(headers['content-type'] ?? '');
    this.#sse = contentType.startsWith('text/event-stream');
    if (this.#sse) {
      // An SSE body may end differently from the upstream's if it breaks off (error event appended).
      delete headers['content-length'];
      headers['cache-control'] ??= 'no-cache';
      headers['x-accel-buffering'] = 'no';
      this.#boundary = new SseBoundary();
    }
    Object.assign(headers, this.#options.extraHeaders);
    this.#status = statusCode;
    this.#headers = headers;

    if (
      this.#options.inspectJson &&
      !this.#sse &&
      statusCode < 300 &&
      contentType.includes('json') &&
      Number(headers['content-length'] ?? 0) <= MAX_INSPECTED_JSON_BYTES
    ) {
      this.#held = [];
      return;
    }
    this.#res.writeHead(statusCode, headers);
    // Headers go out at once; when the first event follows in the same tick, with it.
    if (this.#sse)
      setImmediate(() => this.#stats.firstByteAt === undefined && !this.#res.destroyed && this.#res.flushHeaders());
  }

  /** Answers in another format: streams are rewritten event by event, whole bodies once read. */
  #startTranslated(
    statusCode: number,
    upstreamHeaders: Record<string, string | string[] | undefined>,
    translate: RelayTranslation,
  ): void {
    const headers = clientResponseHeaders(upstreamHeaders);
    delete headers['content-type'];
    delete headers['content-length'];
    delete headers['content-encoding'];
    Object.assign(headers, this.#options.extraHeaders);
    this.#status = statusCode;
    this.#headers = headers;
    if (statusCode >= 300 || !translate.stream) {
      this.#held = [];
      return;
    }
    this.#sse = true;
    this.#transcoder = translate.stream;
    Object.assign(headers, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
    });
    this.#res.writeHead(statusCode, headers);
    setImmediate(() => this.#stats.firstByteAt === undefined && !this.#res.destroyed && this.#res.flushHeaders());
  }

  #transcoder: RelayTranslation['stream'];
  #finished = false;

  #relayTranslated(controller: Controller, chunk: Buffer): void {
    const transcoder = this.#transcoder as NonNullable<RelayTranslation['stream']>;
    if (transcoder.closed) return; // the client's stream is complete; the provider's trailing bytes are moot
    const out = transcoder.push(chunk);
    if (out) this.#write(Buffer.from(out), controller);
    if (transcoder.error) {
      // The provider reported an error mid-stream: the client has its error event; stop listening.
      this.#stats.error = transcoder.error;
      this.#givenUp = true;
      this.#finish();
      this.#res.end();
      controller.abort(new Error('stream ended by a provider error'));
    }
  }

  #endTranslated(controller: Controller, translate: RelayTranslation): void {
    if (this.#transcoder) {
      const out = this.#transcoder.end();
      if (out) this.#write(Buffer.from(out), controller);
      this.#stats.error = this.#transcoder.error;
      return;
    }
    const held = Buffer.concat(this.#held ?? [], this.#heldBytes);
    this.#held = undefined;
    let body: string;
    let added: Record<string, string> = {};
    if (this.#status >= 300) body = translate.error(this.#status, held);
    else {
      try {
        ({ body, headers: added } = translate.response(held));
      } catch (error) {
        this.#givenUp = true;
        this.#reject(error as GatewayError); // nothing sent yet: answered as an error in the client's shape
        return;
      }
    }
    const bytes = Buffer.from(body);
    this.#res.writeHead(this.#status, {
      ...this.#headers,
      ...added,
      'content-type': 'application/json',
      'content-length': bytes.length,
    });
    this.#write(bytes, controller);
  }

  onResponseData(controller: Controller, chunk: Buffer): void {
    if (this.#transcoder) {
      this.#relayTranslated(controller, chunk);
      return;
    }
    if (this.#held && this.#options.translate) {
      this.#held.push(chunk);
      this.#heldBytes += chunk.length;
      return;
    }
    if (this.#held) {
      this.#held.push(chunk);
      this.#heldBytes += chunk.length;
      if (this.#heldBytes <= MAX_INSPECTED_JSON_BYTES) return;
      // Too big to hold: send what we have and stream the rest, unpriced.
      this.#res.writeHead(this.#status, this.#headers);
      const held = Buffer.concat(this.#held);
      this.#held = undefined;
      this.#write(held, controller);
      return;
    }
    let bytes = this.#boundary ? this.#boundary.push(chunk) : chunk;
    if (this.#boundary && this.#options.inspectSse && bytes.length) bytes = this.#options.inspectSse(bytes);
    this.#write(bytes, controller);
  }

  onResponseEnd(controller: Controller): void {
    if (this.#finished) return;
    if (this.#options.translate) {
      this.#endTranslated(controller, this.#options.translate);
      if (this.#givenUp) return;
    } else if (this.#held) {
      const body = this.#held.length === 1 ? (this.#held[0] as Buffer) : Buffer.concat(this.#held, this.#heldBytes);
      let added: Record<string, string> = {};
      try {
        added = this.#options.inspectJson?.(body) ?? {};
      } catch {
        // A body that does not parse is still the provider's answer: send it on unpriced.
      }
      this.#res.writeHead(this.#status, { ...this.#headers, ...added, 'content-length': body.length });
      this.#write(body, controller);
    } else {
      const tail = this.#boundary?.flush();
      if (tail) this.#write(this.#options.inspectSse ? this.#options.inspectSse(tail) : tail, controller);
    }
    this.#finish();
    this.#res.end();
  }

  onResponseError(_controller: Controller, error: Error): void {
    clearTimeout(this.#headersTimer);
    if (this.#givenUp || this.#finished) return;
    if (this.#clientGone || this.#res.destroyed) {
      this.#finish(); // the client left: its abort is what broke the exchange
      return;
    }
    const failure = this.#options.failure(error, this.#started ? 'body' : 'headers');
    if (!this.#res.headersSent) {
      this.#reject(failure); // nothing sent yet: a plain error response
      return;
    }
    this.#stats.error = failure;
    const event = this.#sse ? this.#options.streamErrorEvent(failure) : undefined;
    if (event) this.#stats.bytesOut += event.length;
    this.#finish();
    if (event) this.#res.end(event);
    else this.#res.destroy();
  }

  #finish(): void {
    this.#finished = true;
    this.#options.onFinish(this.#stats);
    this.#resolve(this.#stats);
  }

  #write(bytes: Buffer, controller: Controller): void {
    if (bytes.length === 0 || this.#res.destroyed) return;
    this.#stats.firstByteAt ??= performance.now();
    this.#stats.bytesOut += bytes.length;
    if (this.#res.write(bytes) || controller.paused) return;
    // The client reads slower than the provider writes: hold the provider until it catches up.
    controller.pause();
    this.#res.once('drain', () => controller.resume());
  }
}
