import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import type { GatewayError } from '../errors.ts';
import type { StreamFraming } from '../formats/types.ts';

export interface RelayStats {
  /** performance.now() when the first body byte was written to the client. */
  firstByteAt: number | undefined;
  bytesOut: number;
  /** The failure that cut the body short, if any. */
  error: GatewayError | undefined;
}

/** What every relay needs, whichever way it rewrites the answer. */
export interface RelayOptions {
  extraHeaders: Record<string, string>;
  /** Maps a failure talking to the provider to the error reported to the client. */
  failure: (error: unknown, phase: 'headers' | 'body') => GatewayError;
  /** Renders a mid-stream error as one stream event in the client's format. */
  streamErrorEvent: (error: GatewayError) => string;
  /** How the client's streams are framed (SSE, NDJSON…): which answers are streams, where events end. */
  framing: StreamFraming;
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
  /** The most of an answer held in memory (MAX_RESPONSE_BYTES): a whole body, or one SSE event. */
  maxResponseBytes: number;
  /** The provider's id, for error messages. */
  providerId: string;
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

export type Controller = Parameters<NonNullable<Dispatcher.DispatchHandler['onRequestStart']>>[0];
export type UpstreamHeaders = Record<string, string | string[] | undefined>;

/**
 * The part of relaying every exchange shares, as an undici dispatch handler: the header timer,
 * the client's hang-up cancelling the upstream request, giving a retryable status up for another
 * attempt, back-pressure (pausing the provider while the client is slow), a break after the
 * headers (an error event on a stream, an aborted connection otherwise), and the finish.
 * Subclasses decide what reaches the client: `start` on the status line, `data` per chunk, `end`.
 *
 * `answered` settles once the attempt's outcome is known: resolved as soon as the client's response
 * has begun (a stream then goes on without the attempt waiting on it, so the request's frames and
 * whatever they hold are freed while it lasts) or the exchange is over, and rejected with the
 * error to answer when nothing has been sent to the client.
 */
export abstract class Relay implements Dispatcher.DispatchHandler {
  readonly answered: Promise<void>;
  protected readonly res: ServerResponse;
  protected readonly options: RelayOptions;
  protected readonly stats: RelayStats = { firstByteAt: undefined, bytesOut: 0, error: undefined };
  /** Set once the client's response is an event stream: a break then ends it with an error event. */
  protected sse = false;
  /** The status line came and was not given up: a break is in the body. */
  #started = false;
  #resolve!: () => void;
  #reject!: (error: GatewayError | RetryableResponse) => void;
  #controller: Controller | undefined;
  #pendingAbort: Error | undefined;
  #clientGone = false;
  /** Over: finished, or given up (for another attempt, or answered as an error). */
  #settled = false;
  #finished = false;
  #headersTimer: NodeJS.Timeout | undefined;
  /** performance.now() when the provider's status line arrived: its time to first byte. */
  respondedAt: number | undefined;

  constructor(res: ServerResponse, options: RelayOptions) {
    this.res = res;
    this.options = options;
    this.answered = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // The client hanging up cancels the upstream request, whatever stage it is in. ('close' comes
    // once: `on` spares the wrapper `once` would keep for as long as a stream lasts.)
    res.on('close', () => {
      if (this.#settled) return;
      this.#clientGone = true;
      this.#abort(new Error('client disconnected'));
    });
    this.#headersTimer = setTimeout(
      () => this.#abort(Object.assign(new Error('no response headers in time'), { code: 'UND_ERR_HEADERS_TIMEOUT' })),
      options.headersTimeoutMs,
    );
  }

  /** What to do with the status line of an answer that is relayed. */
  protected abstract start(controller: Controller, statusCode: number, headers: UpstreamHeaders): void;
  protected abstract data(controller: Controller, chunk: Buffer): void;
  /** The provider's body is complete: send what is left, then `finish()` and end the response. */
  protected abstract end(controller: Controller): void;

  /** The exchange will not happen (e.g. credentials could not be had): stop the header timer. */
  cancel(): void {
    this.#clearHeadersTimer();
    this.#settled = true;
  }

  /** A cleared timer object kept in a field would stay in memory as long as the stream. */
  #clearHeadersTimer(): void {
    clearTimeout(this.#headersTimer);
    this.#headersTimer = undefined;
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

  onResponseStart(controller: Controller, statusCode: number, upstreamHeaders: UpstreamHeaders): void {
    if (statusCode < 200) return; // 1xx informational
    this.#clearHeadersTimer();
    // undici keeps the raw header Buffers on the controller for the exchange's life; the parsed
    // object above is all that is read. (A stream held open would keep them as long as it lasts.)
    controller.rawHeaders = null;
    this.respondedAt = performance.now();
    if (this.options.retryable?.(statusCode)) {
      const retryAfter = upstreamHeaders['retry-after'];
      this.giveUp(new RetryableResponse(statusCode, typeof retryAfter === 'string' ? retryAfter : undefined));
      controller.abort(new Error('given up for another attempt'));
      return;
    }
    this.#started = true;
    this.start(controller, statusCode, upstreamHeaders);
  }

  onResponseData(controller: Controller, chunk: Buffer): void {
    if (!this.#settled) this.data(controller, chunk);
  }

  onResponseEnd(controller: Controller): void {
    if (!this.#settled) this.end(controller);
  }

  onResponseError(_controller: Controller, error: Error): void {
    this.#clearHeadersTimer();
    if (this.#settled) return;
    if (this.#clientGone || this.res.destroyed) {
      this.finish(); // the client left: its abort is what broke the exchange
      return;
    }
    const failure = this.options.failure(error, this.#started ? 'body' : 'headers');
    if (!this.res.headersSent) {
      this.giveUp(failure); // nothing sent yet: a plain error response
      return;
    }
    this.#endWith(failure);
  }

  /**
   * The answer cannot be relayed further (unreadable, too large, incomplete): before any byte
   * reached the client the attempt ends with `failure` (answered in the client's error shape);
   * after, a stream ends with an error event, any other body is cut (its length would lie).
   */
  protected fail(controller: Controller, failure: GatewayError): void {
    if (!this.res.headersSent) this.giveUp(failure);
    else this.#endWith(failure);
    controller.abort(new Error(failure.message));
  }

  /** Ends a response that has started: an error event on a stream, a cut connection otherwise. */
  #endWith(failure: GatewayError): void {
    this.stats.error = failure;
    const event = this.sse ? this.options.streamErrorEvent(failure) : undefined;
    if (event) this.stats.bytesOut += event.length;
    this.finish();
    if (event) this.res.end(event);
    else this.res.destroy();
  }

  /** Nothing was sent to the client: the attempt ends with `reason` (answered, or retried). */
  protected giveUp(reason: GatewayError | RetryableResponse): void {
    this.#settled = true;
    this.#reject(reason);
  }

  protected finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#settled = true;
    this.options.onFinish(this.stats);
    this.#resolve();
  }

  protected writeHead(statusCode: number, headers: OutgoingHttpHeaders): void {
    this.#resolve();
    if (this.res.headersSent) return; // answered elsewhere (shutdown)
    this.res.writeHead(statusCode, headers);
    // Stream headers go out at once; when the first event follows in the same tick, with it.
    if (this.sse)
      setImmediate(() => this.stats.firstByteAt === undefined && !this.res.destroyed && this.res.flushHeaders());
  }

  protected write(bytes: Buffer, controller: Controller): void {
    // Ended elsewhere (shutdown ends open responses itself): nothing more may be written.
    if (bytes.length === 0 || this.res.destroyed || this.res.writableEnded) return;
    this.stats.firstByteAt ??= performance.now();
    this.stats.bytesOut += bytes.length;
    if (this.res.write(bytes) || controller.paused) return;
    // The client reads slower than the provider writes: hold the provider until it catches up.
    controller.pause();
    this.res.once('drain', () => controller.resume());
  }
}
