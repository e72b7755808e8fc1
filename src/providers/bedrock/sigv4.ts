/**
 * AWS Signature Version 4 for Bedrock requests, computed by `@smithy/signature-v4` (the AWS SDK's
 * own signer) with `@aws-crypto/sha256-js`. The signature covers the method, the path as sent
 * (percent-encoded model id included), the query, the body's SHA-256 and the signed headers:
 * `host`, `content-type` when present, `x-amz-date` and, with temporary credentials,
 * `x-amz-security-token`. Other headers the proxy adds later stay unsigned, so they cannot break it.
 */

/**
 * The signer and its hash, evaluated on the first signature: a gateway without Bedrock never pays
 * for them (about 25 ms of every start-up in cpu-prof when they were imported statically).
 */
let signing: Promise<[typeof import('@aws-crypto/sha256-js'), typeof import('@smithy/signature-v4')]> | undefined;

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface SignableRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: Buffer | undefined;
}

/** Bedrock's signing name: the endpoint is `bedrock-runtime`, the service in the scope is `bedrock`. */
const SIGNING_SERVICE = 'bedrock';

function queryOf(url: URL): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const [key, value] of url.searchParams) {
    const existing = query[key];
    query[key] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return query;
}

function contentTypeOf(headers: Record<string, string>): string | undefined {
  const entry = Object.entries(headers).find(([name]) => name.toLowerCase() === 'content-type');
  return entry?.[1];
}

/** Signs with the clock as it is, or with `signingDate` (tests recompute a signature for a known date). */
export async function signRequest(
  request: SignableRequest,
  credentials: AwsCredentials,
  region: string,
  signingDate?: Date,
): Promise<Record<string, string>> {
  signing ??= Promise.all([import('@aws-crypto/sha256-js'), import('@smithy/signature-v4')]);
  const [{ Sha256 }, { SignatureV4 }] = await signing;
  const url = new URL(request.url);
  const signer = new SignatureV4({
    service: SIGNING_SERVICE,
    region,
    credentials,
    sha256: Sha256,
    applyChecksum: false,
  });
  const contentType = contentTypeOf(request.headers);
  const signed = await signer.sign(
    {
      method: request.method.toUpperCase(),
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query: queryOf(url),
      headers: { host: url.host, ...(contentType !== undefined ? { 'content-type': contentType } : {}) },
      body: request.body,
    },
    signingDate ? { signingDate } : {},
  );
  const out: Record<string, string> = {};
  for (const name of ['authorization', 'x-amz-date', 'x-amz-security-token']) {
    const value = signed.headers[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}
