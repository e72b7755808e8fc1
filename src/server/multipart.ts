/**
 * The value of one text field of a `multipart/form-data` body, or undefined. Only what the
 * gateway needs to route and price an upload (its `model`): the body itself is relayed untouched.
 */
export function multipartField(body: Buffer, contentType: string | undefined, name: string): string | undefined {
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  if (!contentType?.toLowerCase().startsWith('multipart/form-data') || !boundary) return undefined;
  const delimiter = `--${boundary[1] ?? boundary[2]}`;
  // Field headers are ASCII; latin1 maps bytes 1:1, so offsets stay byte offsets and a binary part cannot break decoding.
  const text = body.toString('latin1');
  const header = new RegExp(
    `content-disposition:\\s*form-data;\\s*name="${name}"\\r\\n(?:[^\\r\\n]+\\r\\n)*\\r\\n`,
    'i',
  );
  let at = text.indexOf(delimiter);
  while (at >= 0) {
    const next = text.indexOf(delimiter, at + delimiter.length);
    if (next < 0) break;
    const part = text.slice(at + delimiter.length, next).replace(/^\r\n/, '');
    const match = header.exec(part);
    if (match && match.index === 0) {
      const value = part.slice(match[0].length).replace(/\r\n$/, '');
      return Buffer.from(value, 'latin1').toString('utf8');
    }
    at = next;
  }
  return undefined;
}
