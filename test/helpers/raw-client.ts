import { connect, type Socket } from 'node:net';

/** What a raw-socket client saw: the bytes the gateway sent, and whether/when it closed the connection. */
export interface RawExchange {
  text: string;
  closed: boolean;
  /** ms from connecting until the gateway closed the connection (undefined if it did not in time). */
  closedAfterMs: number | undefined;
}

/**
 * A client on a bare TCP socket: sends `parts` (strings, or pauses in ms between them) and collects
 * what comes back until the gateway closes the connection or `timeoutMs` passes. For the cases an
 * HTTP client library refuses to produce: smuggling, silence, trickled headers, half-close.
 */
export function rawExchange(
  port: number,
  parts: readonly (string | Buffer | number)[],
  options: { timeoutMs: number; halfClose?: boolean },
): Promise<RawExchange> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket: Socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let closedAfterMs: number | undefined;
    const timer = setTimeout(() => finish(false), options.timeoutMs);
    const finish = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ text: Buffer.concat(chunks).toString('utf8'), closed, closedAfterMs });
    };
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      closedAfterMs = performance.now() - started;
      finish(true);
    });
    socket.once('connect', async () => {
      try {
        for (const part of parts) {
          if (typeof part === 'number') await new Promise((r) => setTimeout(r, part));
          else if (!socket.destroyed) socket.write(part);
        }
        if (options.halfClose) socket.end();
      } catch (error) {
        reject(error);
      }
    });
  });
}
