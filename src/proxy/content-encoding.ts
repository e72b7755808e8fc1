import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';

/**
 * A whole body as its bytes before `Content-Encoding` (the gateway asks for identity, but a
 * provider may compress anyway): its usage and its translation are read from the decoded bytes.
 * Throws past `limit` decoded bytes or on a body that does not decode.
 */
export function decodedBody(body: Buffer, encoding: string | string[] | number | undefined, limit: number): Buffer {
  const name = String(encoding ?? '')
    .trim()
    .toLowerCase();
  const options = { maxOutputLength: limit };
  switch (name) {
    case '':
    case 'identity':
      return body;
    case 'gzip':
    case 'x-gzip':
      return gunzipSync(body, options);
    case 'deflate':
      return inflateSync(body, options);
    case 'br':
      return brotliDecompressSync(body, options);
    default:
      throw new Error(`unknown content-encoding '${name}'`);
  }
}
