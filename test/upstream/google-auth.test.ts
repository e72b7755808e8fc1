import { inspect } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  GoogleAuthError,
  parseServiceAccountKey,
  type ServiceAccountKey,
  serviceAccountTokenFetcher,
} from '../../src/upstream/google-auth.ts';
import { RefreshingCache } from '../../src/upstream/refreshing-cache.ts';
import { MockTokenEndpoint, makeServiceAccount, type TestServiceAccount } from '../helpers/google-token-endpoint.ts';

/** A clock the test moves by hand. */
function manualClock(start = Date.UTC(2026, 0, 15, 12, 0, 0)) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

describe('service-account key files', () => {
  const account = makeServiceAccount();

  it('reads client_email, the private key, its id and token_uri', () => {
    const key = parseServiceAccountKey(account.json);
    expect(key.clientEmail).toBe(account.clientEmail);
    expect(key.privateKeyId).toBe(account.privateKeyId);
    expect(key.tokenUri).toBe('https://oauth2.googleapis.com/token');
    expect(key.privateKey.asymmetricKeyType).toBe('rsa');
  });

  it.each([
    ['not JSON', '{"type": "service_account",', 'not valid JSON'],
    [
      'a user credential',
      JSON.stringify({ type: 'authorized_user', client_id: 'x', refresh_token: 'y' }),
      "'authorized_user'",
    ],
    ['no client_email', JSON.stringify({ type: 'service_account', private_key: 'k' }), 'client_email'],
    [
      'a broken key',
      JSON.stringify({
        type: 'service_account',
        client_email: 'a@b',
        private_key: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n',
      }),
      'not a PEM private key',
    ],
  ])('refuses %s, without quoting it', (_title, text, reason) => {
    let message = '';
    try {
      parseServiceAccountKey(text);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain(reason);
    expect(message).not.toContain('refresh_token');
    expect(message).not.toContain('AAAA');
  });

  it('never shows the private key when inspected or serialised', () => {
    const key = parseServiceAccountKey(account.json);
    const pemBody = account.privateKeyPem.split('\n')[1]!;
    expect(inspect(key, { depth: 5 })).not.toContain(pemBody);
    expect(JSON.stringify(key)).not.toContain(pemBody);
  });
});

describe('access tokens from a mock token endpoint', () => {
  let account: TestServiceAccount;
  let endpoint: MockTokenEndpoint;
  let key: ServiceAccountKey;

  beforeAll(async () => {
    account = makeServiceAccount();
    key = parseServiceAccountKey(account.json);
    endpoint = await new MockTokenEndpoint(account).start();
  });
  afterAll(() => endpoint.close());
  beforeEach(() => {
    endpoint.grants.length = 0;
    endpoint.refusals.length = 0;
    endpoint.issued = 0;
    endpoint.expiresInS = 3600;
    endpoint.delayMs = 0;
    endpoint.failWith = undefined;
  });

  const cache = (clock: { now: () => number }) =>
    new RefreshingCache(serviceAccountTokenFetcher(key, { tokenUrl: endpoint.url, now: clock.now }), clock.now);

  it('signs an RS256 assertion the account public key verifies, for the endpoint, the cloud-platform scope and one hour', async () => {
    const clock = manualClock();
    expect(await cache(clock).get()).toBe('ya29.test-token-1');
    expect(endpoint.refusals).toEqual([]);
    expect(endpoint.grants).toHaveLength(1);
    const iat = clock.now() / 1000;
    expect(endpoint.grants[0]!.claims).toEqual({
      iss: account.clientEmail,
      scope: 'https://www.googleapis.com/auth/cloud-platform',
      aud: endpoint.url,
      iat,
      exp: iat + 3600,
    });
  });

  it('reuses the token while it is fresh', async () => {
    const clock = manualClock();
    const tokens = cache(clock);
    expect(await tokens.get()).toBe('ya29.test-token-1');
    clock.advance(50 * 60_000);
    expect(await tokens.get()).toBe('ya29.test-token-1');
    expect(endpoint.issued).toBe(1);
  });

  it('refreshes five minutes before expiry, with a new assertion', async () => {
    const clock = manualClock();
    const start = clock.now() / 1000;
    const tokens = cache(clock);
    await tokens.get();
    clock.advance(55 * 60_000 - 1);
    expect(await tokens.get()).toBe('ya29.test-token-1');
    clock.advance(1);
    expect(await tokens.get()).toBe('ya29.test-token-2');
    expect(endpoint.grants.map((g) => g.claims.iat)).toEqual([start, start + 55 * 60]);
    clock.advance(1000);
    expect(await tokens.get()).toBe('ya29.test-token-2');
    expect(endpoint.issued).toBe(2);
  });

  it('refreshes short-lived tokens at half their life', async () => {
    endpoint.expiresInS = 60;
    const clock = manualClock();
    const tokens = cache(clock);
    await tokens.get();
    clock.advance(29_000);
    expect(await tokens.get()).toBe('ya29.test-token-1');
    clock.advance(2_000);
    expect(await tokens.get()).toBe('ya29.test-token-2');
  });

  it('many concurrent first requests share one token request', async () => {
    endpoint.delayMs = 50;
    const tokens = cache(manualClock());
    const results = await Promise.all(Array.from({ length: 50 }, () => tokens.get()));
    expect(new Set(results)).toEqual(new Set(['ya29.test-token-1']));
    expect(endpoint.issued).toBe(1);
  });

  it('many concurrent requests near expiry share one refresh', async () => {
    const clock = manualClock();
    const tokens = cache(clock);
    await tokens.get();
    clock.advance(58 * 60_000);
    endpoint.delayMs = 50;
    const results = await Promise.all(Array.from({ length: 50 }, () => tokens.get()));
    expect(new Set(results)).toEqual(new Set(['ya29.test-token-2']));
    expect(endpoint.issued).toBe(2);
  });

  it('keeps serving the still-valid token when an early refresh fails, and fails once it has expired', async () => {
    const clock = manualClock();
    const tokens = cache(clock);
    await tokens.get();
    endpoint.failWith = 400;
    clock.advance(57 * 60_000);
    expect(await tokens.get()).toBe('ya29.test-token-1');
    clock.advance(4 * 60_000);
    const error = await tokens.get().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GoogleAuthError);
    expect(error).toMatchObject({ status: 502, code: 'upstream_auth_failed' });
    expect((error as Error).message).toContain('400 (invalid_grant: Invalid JWT Signature.)');
    // The next call tries again.
    endpoint.failWith = undefined;
    expect(await tokens.get()).toBe('ya29.test-token-2');
  });

  it('reports an unreachable endpoint as a 502 that names no secret', async () => {
    const closed = new MockTokenEndpoint(account);
    await closed.start();
    const url = closed.url;
    await closed.close();
    const tokens = new RefreshingCache(serviceAccountTokenFetcher(key, { tokenUrl: url }));
    const error = await tokens.get().catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 502, code: 'upstream_auth_failed' });
    expect((error as Error).message).toContain('could not be reached');
  });
});
