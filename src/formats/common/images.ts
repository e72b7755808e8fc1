/** Images between formats: data URLs, remote URLs and inline base64. */
import { InvalidRequestError, UnsupportedParameterError } from '../../errors.ts';
import type { FilePart, ImageSource } from '../ir.ts';
import type { Json } from './json.ts';

/** `data:image/png;base64,AAAA` → its media type and base64 data; undefined for other URLs. */
function parseDataUrl(url: string): { mediaType: string; data: string } | undefined {
  const match = /^data:([^;,]+)(;[^,]*)?,(.*)$/s.exec(url);
  if (!match) return undefined;
  if (!(match[2] ?? '').split(';').includes('base64')) {
    throw new InvalidRequestError('invalid_data_url', 'Data URLs must be base64-encoded (data:<type>;base64,<data>).');
  }
  return { mediaType: match[1] as string, data: match[3] as string };
}

export function imageSourceOfUrl(url: string): ImageSource {
  const inline = parseDataUrl(url);
  return inline ? { kind: 'base64', ...inline } : { kind: 'url', url };
}

export const dataUrl = (mediaType: string, data: string) => `data:${mediaType};base64,${data}`;

/** An image as a URL a provider can fetch or decode: remote URLs as they are, bytes as a data URL. */
export const imageAsUrl = (source: ImageSource): string =>
  source.kind === 'url' ? source.url : dataUrl(source.mediaType, source.data);

/** An image as inline base64, when it is (or is given as a data URL); undefined for remote URLs. */
export function inlineImage(source: ImageSource): { mediaType: string; data: string } | undefined {
  const inline = source.kind === 'base64' ? source : parseDataUrl(source.url);
  return inline ? { mediaType: inline.mediaType.toLowerCase(), data: inline.data } : undefined;
}

/**
 * A document given inline as `file_data` (a base64 data URL) with an optional `filename`, as the
 * OpenAI formats send it; anything else (file ids, URLs) is refused as `param` with `detail`.
 */
export function inlineFilePart(fields: Json, param: string, target: string, detail: string): FilePart {
  const inline = typeof fields.file_data === 'string' ? parseDataUrl(fields.file_data) : undefined;
  if (!inline) throw new UnsupportedParameterError(param, target, detail);
  return { type: 'file', ...inline, ...(typeof fields.filename === 'string' ? { filename: fields.filename } : {}) };
}
