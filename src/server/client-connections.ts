import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Config } from '../config/config.ts';
import { GatewayError } from '../errors.ts';
import { CLIENT_FORMATS } from '../formats/index.ts';

/**
 * Client-side limits on the server's connections, so that clients that send nothing, trickle
 * their headers, or break HTTP cannot hold descriptors or get empty answers:
 * - a connection that has not sent a whole request head within CLIENT_HEADERS_TIMEOUT_MS is
 *   closed (Node's own headersTimeout only applies once a request has begun; one shared timer,
 *   `IdleSockets`, watches those that have not sent their first request);
 * - idle keep-alive connections close after CLIENT_IDLE_TIMEOUT_MS;
 * - Node's own rejections (malformed request, headers too large, timeout) get an error body in
 *   the OpenAI error shape (the path, hence the client's format, is unknown by then).
 * A client may half-close after sending its request and still get its answer. A FIN alone cannot
 * tell such a client from one that hung up (whose upstream call must be cancelled), so while the
 * answer has not begun the gateway probes with `102 Processing` interim responses (which HTTP/1.1
 * clients must skip): a client that is gone answers the first with a reset, and a later write
 * then fails, which closes the response like any hang-up. A FIN once the answer has begun is a
 * hang-up (half-closing clients do so right after their request), and cancels at once.
 */
export function applyClientLimits(server: Server, config: Config): void {
  server.headersTimeout = config.clientHeadersTimeoutMs;
  // Past this the whole request (head and body) must be in; the body has its own timer (read-body.ts).
  server.requestTimeout = config.clientHeadersTimeoutMs + config.clientBodyTimeoutMs;
  server.keepAliveTimeout = config.clientIdleTimeoutMs;
  (server as Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
  const unanswered = new IdleSockets(Math.min(1000, Math.ceil(config.clientHeadersTimeoutMs / 4)));
  // Per connection, not per request: listeners and timers set on every request showed in profiles.
  server.on('connection', (socket: Socket) => {
    // Silent before its first request: closed. Between requests Node's own keep-alive timer
    // (keepAliveTimeout) takes over, which Node also clears while a request is in flight.
    unanswered.watch(socket, config.clientHeadersTimeoutMs);
    socket.on('end', onClientEnd);
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    unanswered.release(req.socket);
    // The FIN came before the request was handed over (sent in one go with it).
    if (req.socket.readableEnded) probeHalfClosed(req, res);
  });
  server.once('close', () => unanswered.close());
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (error.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const code = status === 431 ? 'headers_too_large' : status === 408 ? 'request_timeout' : 'malformed_request';
    const message =
      status === 431
        ? 'The request headers are too large.'
        : status === 408
          ? 'The request did not arrive in time (CLIENT_HEADERS_TIMEOUT_MS).'
          : 'The request is not valid HTTP/1.1.';
    const body = CLIENT_FORMATS.openai.errorBody(new GatewayError(status, code, message, 'invalid_request_error'));
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\ncontent-type: application/json\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
}

/** Node's own record of the response a connection is answering. */
type SocketState = Socket & { _httpMessage?: ServerResponse | null };

/** The FIN of a client with a request in flight: a half-close to probe, or a hang-up. */
function onClientEnd(this: SocketState): void {
  const res = this._httpMessage;
  if (res && !res.writableEnded) probeHalfClosed(res.req, res);
}

/**
 * Connections that have not sent their first request, closed after `timeoutMs` without a byte
 * from the client (as `socket.setTimeout` would), checked by one shared timer every `intervalMs`
 * (so a connection closes up to that late) rather than a timer per socket: a socket's timer
 * object, bound callback and timeout listener would otherwise stay with every open stream.
 */
class IdleSockets {
  readonly #watched = new Map<Socket, { timeoutMs: number; deadline: number; bytesRead: number }>();
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;

  constructor(intervalMs: number) {
    this.#intervalMs = intervalMs;
  }

  watch(socket: Socket, timeoutMs: number): void {
    this.#watched.set(socket, { timeoutMs, deadline: performance.now() + timeoutMs, bytesRead: socket.bytesRead });
    if (!this.#timer) {
      this.#timer = setInterval(() => this.#sweep(), this.#intervalMs);
      this.#timer.unref();
    }
  }

  release(socket: Socket): void {
    this.#watched.delete(socket);
  }

  close(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#watched.clear();
  }

  #sweep(): void {
    const now = performance.now();
    for (const [socket, watch] of this.#watched) {
      if (socket.destroyed) this.#watched.delete(socket);
      else if (socket.bytesRead !== watch.bytesRead) {
        // Bytes came (a request head under way, which Node's headersTimeout then bounds): not silent.
        watch.bytesRead = socket.bytesRead;
        watch.deadline = now + watch.timeoutMs;
      } else if (now >= watch.deadline) {
        this.#watched.delete(socket);
        socket.destroy();
      }
    }
    if (this.#watched.size === 0) this.close();
  }
}

/** Delays (ms after the FIN) of the probes: later ones catch a reset that takes a long round trip. */
const PROBES_MS = [0, 20, 200, 2000];

function probeHalfClosed(req: IncomingMessage, res: ServerResponse): void {
  // A client half-closes right after its request; a FIN once the answer is under way is a hang-up.
  if (res.headersSent) return void res.destroy();
  if (req.httpVersion === '1.0') return; // no interim responses to HTTP/1.0 clients (RFC 9110 §15.2)
  for (const delay of PROBES_MS) {
    const timer = setTimeout(() => {
      if (!res.headersSent && !res.destroyed) res.writeProcessing();
    }, delay);
    res.once('close', () => clearTimeout(timer));
  }
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
};
