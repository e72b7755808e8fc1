import type { ServerResponse } from 'node:http';

/**
 * Keeps a copy of what is written to a response, up to `maxBytes` (traces read the answer's id
 * and finish reasons from it; LOG_PAYLOADS stores it). `bytes()` is the copy so far; `onEnd` runs
 * when the response's last write arrives.
 */
export function teeResponse(res: ServerResponse, maxBytes: number, onEnd?: (bytes: () => Buffer) => void) {
  const chunks: Buffer[] = [];
  let size = 0;
  const keep = (chunk: unknown) => {
    if (size >= maxBytes || (typeof chunk !== 'string' && !(chunk instanceof Uint8Array))) return;
    // A Buffer is kept as it is: the relays hand each write one of its own and never reuse it.
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    chunks.push(bytes);
    size += bytes.length;
  };
  const bytes = () => (chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
  const write = res.write;
  const end = res.end;
  res.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
    keep(chunk);
    return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  } as ServerResponse['write'];
  res.end = function (this: ServerResponse, chunk?: unknown, ...rest: unknown[]) {
    keep(chunk);
    onEnd?.(bytes);
    return (end as (...args: unknown[]) => ServerResponse).call(this, chunk, ...rest);
  } as ServerResponse['end'];
  return {
    bytes,
    get size() {
      return size;
    },
  };
}
