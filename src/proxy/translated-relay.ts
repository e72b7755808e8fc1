import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { type GatewayError, UpstreamMalformedError, UpstreamTooLargeError } from '../errors.ts';
import { decodedBody } from './content-encoding.ts';
import { clientResponseHeaders } from './headers.ts';
import { type Controller, Relay, type RelayOptions, type UpstreamHeaders } from './relay.ts';

/** The provider's stream in, whole client SSE events out (formats/translate.ts's StreamTranscoder). */
export interface StreamTranslation {
  push(chunk: Buffer): string;
  end(): string;
  readonly closed: boolean;
  readonly error: GatewayError | undefined;
}

export interface TranslatedRelayOptions extends RelayOptions {
  /** A whole successful answer → the client's body and headers to add; throws a GatewayError if unreadable. */
  response(body: Buffer): { body: string; headers: Record<string, string> };
  /** An error answer → the client's error body (JSON). */
  error(status: number, body: Buffer): string;
  /** Set for streamed requests. */
  stream: StreamTranslation | undefined;
}

type WholeAnswer = Pick<TranslatedRelayOptions, 'response' | 'error'>;

/**
 * Relays an answer from a provider speaking another format: a stream is rewritten event by event
 * as it arrives, a whole body (answer or error) is read (up to MAX_RESPONSE_BYTES, decompressed
 * if the provider compressed it anyway), then rewritten once.
 */
export class TranslatedRelay extends Relay {
  /** Kept apart from the options so that a stream can let them go (they hold the exchange). */
  #whole: WholeAnswer | undefined;
  #stream: StreamTranslation | undefined;
  #transcoder: StreamTranslation | undefined;
  #held: Buffer[] = [];
  #heldBytes = 0;
  #status = 0;
  #headers: OutgoingHttpHeaders = {};
  #encoding: OutgoingHttpHeaders[string];

  constructor(res: ServerResponse, { response, error, stream, ...options }: TranslatedRelayOptions) {
    super(res, options);
    this.#whole = { response, error };
    this.#stream = stream;
  }

  protected start(_controller: Controller, statusCode: number, upstreamHeaders: UpstreamHeaders): void {
    const headers = clientResponseHeaders(upstreamHeaders);
    delete headers['content-type'];
    delete headers['content-length'];
    this.#encoding = headers['content-encoding'];
    delete headers['content-encoding'];
    Object.assign(headers, this.options.extraHeaders);
    this.#status = statusCode;
    if (statusCode >= 300 || !this.#stream) {
      this.#headers = headers;
      return;
    }
    this.sse = true;
    this.#transcoder = this.#stream;
    this.#whole = undefined;
    Object.assign(headers, {
      'content-type': this.options.framing.contentType,
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
    });
    this.writeHead(statusCode, headers);
  }

  protected data(controller: Controller, chunk: Buffer): void {
    const transcoder = this.#transcoder;
    if (!transcoder) {
      this.#held.push(chunk);
      this.#heldBytes += chunk.length;
      if (this.#heldBytes > this.options.maxResponseBytes)
        this.fail(
          controller,
          new UpstreamTooLargeError(this.options.providerId, 'an answer', this.options.maxResponseBytes),
        );
      return;
    }
    if (transcoder.closed) return; // the client's stream is complete; the provider's trailing bytes are moot
    const out = transcoder.push(chunk);
    if (out) this.write(Buffer.from(out), controller);
    if (transcoder.error) {
      // The provider reported an error mid-stream: the client has its error event; stop listening.
      this.stats.error = transcoder.error;
      this.finish();
      this.res.end();
      controller.abort(new Error('stream ended by a provider error'));
    }
  }

  protected end(controller: Controller): void {
    if (this.#transcoder) {
      const out = this.#transcoder.end();
      if (out) this.write(Buffer.from(out), controller);
      this.stats.error = this.#transcoder.error;
    } else {
      let held: Buffer = Buffer.concat(this.#held, this.#heldBytes);
      this.#held = [];
      let body: string;
      let added: Record<string, string> = {};
      try {
        held = decodedBody(held, this.#encoding, this.options.maxResponseBytes);
      } catch (error) {
        this.fail(controller, new UpstreamMalformedError(this.options.providerId, (error as Error).message));
        return;
      }
      const whole = this.#whole as WholeAnswer;
      if (this.#status >= 300) body = whole.error(this.#status, held);
      else {
        try {
          ({ body, headers: added } = whole.response(held));
        } catch (error) {
          this.giveUp(error as GatewayError); // nothing sent yet: answered as an error in the client's shape
          return;
        }
      }
      const bytes = Buffer.from(body);
      this.writeHead(this.#status, {
        ...this.#headers,
        ...added,
        'content-type': 'application/json',
        'content-length': bytes.length,
      });
      this.write(bytes, controller);
    }
    this.finish();
    this.res.end();
  }
}
