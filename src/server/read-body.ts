import type { IncomingMessage } from 'node:http';
import { GatewayError, PayloadTooLargeError } from '../errors.ts';

/**
 * Reads the whole request body, refusing it as soon as it is known to exceed `limit` bytes, or
 * when it has not all arrived within `timeoutMs` (408: a body trickled byte by byte would hold a
 * connection and its memory for as long as the client likes).
 */
export function readBody(req: IncomingMessage, limit: number, timeoutMs: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) return Promise.reject(new PayloadTooLargeError(limit));

  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => {
      req.off('data', onData);
      reject(
        new GatewayError(
          408,
          'request_timeout',
          `The request body did not arrive within ${timeoutMs} ms (CLIENT_BODY_TIMEOUT_MS).`,
          'invalid_request_error',
        ),
      );
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        clearTimeout(timer);
        req.off('data', onData);
        req.resume(); // discard the rest; the 413 is sent with `connection: close`
        reject(new PayloadTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    const onEnd = () => {
      clearTimeout(timer);
      // The request object lives as long as its answer (a stream may stay open for minutes):
      // nothing of the reading (listeners, timer, chunk list) should stay with it.
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', aborted);
      req.off('aborted', aborted);
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    };
    req.on('end', onEnd);
    // An upload the client gave up on is the client's doing, not a gateway failure.
    const aborted = () => {
      clearTimeout(timer);
      reject(new GatewayError(400, 'request_aborted', 'The client aborted the request body.', 'invalid_request_error'));
    };
    req.on('error', aborted);
    req.on('aborted', aborted);
  });
}
