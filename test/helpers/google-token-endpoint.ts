/**
 * A stand-in for Google's OAuth2 token endpoint on 127.0.0.1: it accepts only a JWT-bearer grant
 * whose assertion is signed by the test service account's key (checked with its public key) and
 * carries the expected issuer, audience, scope and lifetime, and answers with numbered tokens.
 */
import { generateKeyPairSync, type KeyObject, verify } from 'node:crypto';
import { json, MockUpstream, sleep } from './mock-upstream.ts';

export interface TestServiceAccount {
  /** The key file's JSON text. */
  json: string;
  clientEmail: string;
  privateKeyId: string;
  publicKey: KeyObject;
  privateKeyPem: string;
}

/** A fresh RSA key pair in a service-account key file, as Google's console writes one. */
export function makeServiceAccount(tokenUri = 'https://oauth2.googleapis.com/token'): TestServiceAccount {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const clientEmail = 'switchyard-test@my-project.iam.gserviceaccount.com';
  const privateKeyId = 'c5f1a2b3d4e5f60718293a4b5c6d7e8f90a1b2c3';
  const json = JSON.stringify({
    type: 'service_account',
    project_id: 'my-project',
    private_key_id: privateKeyId,
    private_key: privateKeyPem,
    client_email: clientEmail,
    client_id: '123456789012345678901',
    auth_uri: 'https://accounts.google.com/o/oauth2/auth',
    token_uri: tokenUri,
    universe_domain: 'googleapis.com',
  });
  return { json, clientEmail, privateKeyId, publicKey, privateKeyPem };
}

export interface VerifiedGrant {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
}

export class MockTokenEndpoint {
  readonly upstream = new MockUpstream();
  readonly grants: VerifiedGrant[] = [];
  /** Assertions refused, with the reason: the tests expect none. */
  readonly refusals: string[] = [];
  issued = 0;
  expiresInS = 3600;
  delayMs = 0;
  /** The next answers' status, to script failures. */
  failWith: number | undefined;

  constructor(
    readonly account: TestServiceAccount,
    readonly scope = 'https://www.googleapis.com/auth/cloud-platform',
  ) {}

  get url(): string {
    return `${this.upstream.url}/token`;
  }

  async start(): Promise<this> {
    await this.upstream.start();
    this.upstream.handle(async (req, res) => {
      if (this.delayMs) await sleep(this.delayMs);
      if (this.failWith)
        return json(res, this.failWith, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
      const refusal = this.#check(req.method, req.url, req.headers['content-type'], req.body);
      if (refusal) {
        this.refusals.push(refusal);
        return json(res, 400, { error: 'invalid_grant', error_description: refusal });
      }
      this.issued++;
      return json(res, 200, {
        access_token: `ya29.test-token-${this.issued}`,
        expires_in: this.expiresInS,
        token_type: 'Bearer',
      });
    });
    return this;
  }

  close(): Promise<void> {
    return this.upstream.close();
  }

  #check(method: string, url: string, contentType: string | undefined, body: string): string | undefined {
    if (method !== 'POST' || url !== '/token') return `unexpected ${method} ${url}`;
    if (contentType !== 'application/x-www-form-urlencoded') return `unexpected content-type ${contentType}`;
    const form = new URLSearchParams(body);
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer')
      return `unexpected grant_type ${form.get('grant_type')}`;
    const parts = (form.get('assertion') ?? '').split('.');
    if (parts.length !== 3) return 'assertion is not a compact JWS';
    const [header64, claims64, signature64] = parts as [string, string, string];
    const signedOk = verify(
      'RSA-SHA256',
      Buffer.from(`${header64}.${claims64}`),
      this.account.publicKey,
      Buffer.from(signature64, 'base64url'),
    );
    if (!signedOk) return 'Invalid JWT Signature.';
    const header = JSON.parse(Buffer.from(header64, 'base64url').toString('utf8')) as Record<string, unknown>;
    const claims = JSON.parse(Buffer.from(claims64, 'base64url').toString('utf8')) as Record<string, any>;
    if (header.alg !== 'RS256' || header.typ !== 'JWT' || header.kid !== this.account.privateKeyId)
      return `unexpected header ${JSON.stringify(header)}`;
    if (claims.iss !== this.account.clientEmail) return `unexpected iss ${claims.iss}`;
    if (claims.aud !== this.url) return `unexpected aud ${claims.aud}`;
    if (claims.scope !== this.scope) return `unexpected scope ${claims.scope}`;
    if (!Number.isInteger(claims.iat) || claims.exp - claims.iat !== 3600)
      return `unexpected lifetime iat=${claims.iat} exp=${claims.exp}`;
    this.grants.push({ header, claims });
    return undefined;
  }
}
