import type { ServerResponse } from 'node:http';

/**
 * Keeps what a response sends, for the cache to file, and calls `onEnd` with it when the last
 * write arrives: the chunks as they were written, not copied (the relays hand each write a Buffer
 * of their own and never reuse it). A response that is not a 200 when its first byte is written,
 * or that grows past `maxBytes`, is not kept: `onEnd` is not called for it.
 */
export function captureAnswer(res: ServerResponse, maxBytes: number, onEnd: (chunks: Buffer[]) => void): void {
  let chunks: Buffer[] | undefined = [];
  let size = 0;
  const keep = (chunk: unknown) => {
    if (!chunks) return;
    if (res.statusCode !== 200) chunks = undefined;
    else if (typeof chunk === 'string' || chunk instanceof Uint8Array) {
      const bytes =
        typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
      size += bytes.length;
      if (size > maxBytes) chunks = undefined;
      else chunks.push(bytes);
    }
  };
  const write = res.write;
  const end = res.end;
  res.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
    keep(chunk);
    return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  } as ServerResponse['write'];
  res.end = function (this: ServerResponse, chunk?: unknown, ...rest: unknown[]) {
    keep(chunk);
    if (chunks) onEnd(chunks);
    chunks = undefined; // a second end() writes nothing
    return (end as (...args: unknown[]) => ServerResponse).call(this, chunk, ...rest);
  } as ServerResponse['end'];
}
