import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * Checks an AWS Signature Version 4 the way AWS does, written independently from the signer the
 * gateway uses (straight from the SigV4 specification): rebuild the canonical request from what
 * arrived, derive the signing key from the secret, recompute the signature, compare.
 */
export interface VerifyOptions {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  region: string;
  service: string;
}

export type Verdict = { ok: true } | { ok: false; reason: string };

const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

/** RFC 3986 encoding as SigV4 wants it: everything but unreserved characters. */
const awsEncode = (text: string) =>
  encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** Every AWS service but S3 encodes the (already encoded) path segments once more. */
const canonicalPath = (rawPath: string) => rawPath.split('/').map(awsEncode).join('/');

function canonicalQuery(rawQuery: string): string {
  const pairs = new URLSearchParams(rawQuery);
  return [...pairs]
    .map(([k, v]) => [awsEncode(k), awsEncode(v)] as const)
    .sort(([a, av], [b, bv]) => (a === b ? (av < bv ? -1 : 1) : a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

const headerValue = (headers: IncomingHttpHeaders, name: string) => {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
};

export function verifySigV4(
  request: { method: string; url: string; headers: IncomingHttpHeaders; body: Buffer },
  options: VerifyOptions,
): Verdict {
  const authorization = headerValue(request.headers, 'authorization') ?? '';
  const match =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
      authorization,
    );
  if (!match) return { ok: false, reason: 'no SigV4 Authorization header' };
  const [, keyId, date, region, service, signedHeaderList, signature] = match as unknown as string[];
  if (keyId !== options.accessKeyId) return { ok: false, reason: 'unknown access key' };
  if (region !== options.region || service !== options.service)
    return { ok: false, reason: `wrong scope ${region}/${service}` };
  const amzDate = headerValue(request.headers, 'x-amz-date') ?? '';
  if (!amzDate.startsWith(date!)) return { ok: false, reason: 'x-amz-date does not match the credential scope' };
  const signedHeaders = signedHeaderList!.split(';');
  for (const required of ['host', 'x-amz-date'])
    if (!signedHeaders.includes(required)) return { ok: false, reason: `${required} is not signed` };
  const token = headerValue(request.headers, 'x-amz-security-token');
  if (options.sessionToken !== undefined) {
    if (token !== options.sessionToken) return { ok: false, reason: 'missing or wrong session token' };
    if (!signedHeaders.includes('x-amz-security-token'))
      return { ok: false, reason: 'the session token is not signed' };
  } else if (token !== undefined) return { ok: false, reason: 'unexpected session token' };

  const [rawPath = '', rawQuery = ''] = request.url.split('?', 2);
  const canonicalHeaders = signedHeaders
    .map((name) => `${name}:${(headerValue(request.headers, name) ?? '').trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  const canonicalRequest = [
    request.method,
    canonicalPath(rawPath),
    canonicalQuery(rawQuery),
    canonicalHeaders,
    signedHeaderList,
    sha256Hex(request.body),
  ].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${options.secretAccessKey}`, date!), region!), service!), 'aws4_request');
  const expected = createHmac('sha256', key).update(stringToSign).digest('hex');
  return timingSafeEqual(Buffer.from(expected), Buffer.from(signature!))
    ? { ok: true }
    : { ok: false, reason: 'signature mismatch' };
}
