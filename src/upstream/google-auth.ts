/**
 * Google OAuth2 access tokens for a service account, on node:crypto alone (RFC 7523 JWT bearer
 * grant, as Google's "Using OAuth 2.0 for server to server applications" describes): sign a JWT
 * with the account's private key (RS256) and exchange it at the token endpoint (the key's
 * `token_uri`, which Google's own library does not let one move; tests point it at a mock).
 * Kept in a RefreshingCache.
 */
import { createPrivateKey, createSign, type KeyObject } from 'node:crypto';
import { request } from 'undici';
import { GatewayError } from '../errors.ts';
import type { Expiring } from './refreshing-cache.ts';

export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** Google's longest assertion lifetime. */
const ASSERTION_LIFETIME_S = 3600;
const TOKEN_REQUEST_TIMEOUT_MS = 10_000;

/** The parts of a service-account key file the token exchange needs. Never log or serialise it. */
export interface ServiceAccountKey {
  clientEmail: string;
  privateKey: KeyObject;
  privateKeyId: string | undefined;
  /** The account's own token endpoint (`token_uri`), when the file names one. */
  tokenUri: string | undefined;
  /** The project the account belongs to (`project_id`), when the file names one. */
  projectId: string | undefined;
}

/** A key file that is not a usable service-account key; the message never quotes the file. */
export class InvalidServiceAccountKeyError extends Error {}

/** Reads a service-account key file's JSON (as `gcloud iam service-accounts keys create` writes it). */
export function parseServiceAccountKey(text: string): ServiceAccountKey {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new InvalidServiceAccountKeyError('not valid JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new InvalidServiceAccountKeyError('not a JSON object');
  const key = json as Record<string, unknown>;
  if (key.type !== undefined && key.type !== 'service_account') {
    throw new InvalidServiceAccountKeyError(
      `a '${String(key.type)}' credential, not a service-account key (type 'service_account')`,
    );
  }
  if (typeof key.client_email !== 'string' || !key.client_email)
    throw new InvalidServiceAccountKeyError("no 'client_email'");
  if (typeof key.private_key !== 'string' || !key.private_key)
    throw new InvalidServiceAccountKeyError("no 'private_key'");
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(key.private_key);
  } catch {
    throw new InvalidServiceAccountKeyError("its 'private_key' is not a PEM private key");
  }
  if (privateKey.asymmetricKeyType !== 'rsa')
    throw new InvalidServiceAccountKeyError("its 'private_key' is not an RSA key");
  return {
    clientEmail: key.client_email,
    privateKey,
    privateKeyId: typeof key.private_key_id === 'string' ? key.private_key_id : undefined,
    tokenUri: typeof key.token_uri === 'string' && key.token_uri ? key.token_uri : undefined,
    projectId: typeof key.project_id === 'string' && key.project_id ? key.project_id : undefined,
  };
}

/** A compact JWS (RS256) of `claims`. */
function signJwt(claims: Record<string, unknown>, privateKey: KeyObject, keyId?: string): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const header = { alg: 'RS256', typ: 'JWT', ...(keyId ? { kid: keyId } : {}) };
  const signingInput = `${encode(header)}.${encode(claims)}`;
  const signature = createSign('RSA-SHA256').update(signingInput).sign(privateKey).toString('base64url');
  return `${signingInput}.${signature}`;
}

/** The assertion a service account presents at `audience` (the token endpoint) for `scope`. */
function serviceAccountAssertion(key: ServiceAccountKey, audience: string, scope: string, nowMs: number): string {
  const iat = Math.floor(nowMs / 1000);
  return signJwt(
    { iss: key.clientEmail, scope, aud: audience, iat, exp: iat + ASSERTION_LIFETIME_S },
    key.privateKey,
    key.privateKeyId,
  );
}

/** An access token and when it expires; kept by a RefreshingCache. */
export type AccessToken = Expiring<string>;

/** Getting an access token failed: a 502, its message safe to show (no assertion, no token). */
export class GoogleAuthError extends GatewayError {
  constructor(detail: string) {
    super(502, 'upstream_auth_failed', `Could not obtain a Google access token: ${detail}.`, 'upstream_error');
  }
}

/** One exchange of a signed assertion for an access token at `tokenUrl`. */
export function serviceAccountTokenFetcher(
  key: ServiceAccountKey,
  options: { tokenUrl: string; scope?: string; now?: () => number },
): () => Promise<AccessToken> {
  const now = options.now ?? Date.now;
  const scope = options.scope ?? CLOUD_PLATFORM_SCOPE;
  return async () => {
    const issuedAt = now();
    const form = new URLSearchParams({
      grant_type: JWT_BEARER_GRANT,
      assertion: serviceAccountAssertion(key, options.tokenUrl, scope, issuedAt),
    });
    let status: number;
    let text: string;
    try {
      const response = await request(options.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
        headersTimeout: TOKEN_REQUEST_TIMEOUT_MS,
        bodyTimeout: TOKEN_REQUEST_TIMEOUT_MS,
      });
      status = response.statusCode;
      text = await response.body.text();
    } catch (error) {
      throw new GoogleAuthError(
        `the token endpoint could not be reached (${(error as NodeJS.ErrnoException).code ?? (error as Error).name})`,
      );
    }
    return accessTokenOf(status, text, issuedAt);
  };
}

/** The token endpoint's answer: `{access_token, expires_in, token_type}`, or `{error, error_description}`. */
function accessTokenOf(status: number, text: string, issuedAt: number): AccessToken {
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null) body = parsed as Record<string, unknown>;
  } catch {
    // Reported below without the body, which is not Google's JSON.
  }
  if (status !== 200) {
    const reason = [body.error, body.error_description].filter((part) => typeof part === 'string').join(': ');
    throw new GoogleAuthError(`the token endpoint answered ${status}${reason ? ` (${reason})` : ''}`);
  }
  if (typeof body.access_token !== 'string' || !body.access_token)
    throw new GoogleAuthError('the token endpoint answered without an access_token');
  const lifetimeS = Number(body.expires_in);
  return {
    value: body.access_token,
    expiresAt: issuedAt + (Number.isFinite(lifetimeS) && lifetimeS > 0 ? lifetimeS : ASSERTION_LIFETIME_S) * 1000,
  };
}
