import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { activeProviders } from '../../../src/providers/registry.ts';
import type { Env, Provider } from '../../../src/providers/types.ts';
import { rawRequest } from '../../helpers/gateway.ts';
import { json, MockUpstream } from '../../helpers/mock-upstream.ts';
import { type VerifyOptions, verifySigV4 } from '../../helpers/sigv4-verifier.ts';

const ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const SESSION_TOKEN = 'IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN';

/** A mock Bedrock that serves only requests whose signature it can recompute from the secret. */
function verifyingBedrock(options: VerifyOptions): MockUpstream {
  return new MockUpstream().handle((req, res, raw) => {
    const verdict = verifySigV4(
      { method: req.method, url: req.url, headers: raw.headers, body: Buffer.from(req.body) },
      options,
    );
    if (verdict.ok)
      json(res, 200, {
        output: { message: { role: 'assistant', content: [{ text: 'signed ok' }] } },
        stopReason: 'end_turn',
      });
    else
      json(res, 403, {
        message: `The request signature we calculated does not match the signature you provided (${verdict.reason}).`,
      });
  });
}

function bedrockProvider(env: Env): Provider {
  const provider = activeProviders(env).get('bedrock');
  if (!provider?.authorize) throw new Error('bedrock is not active or cannot sign');
  return provider;
}

/** Signs like the proxy will: the final URL, the headers it sends, the exact body bytes. */
async function signedCall(
  provider: Provider,
  path: string,
  body: string,
  tamper: { body?: string; path?: string } = {},
) {
  const url = provider.url(path, '', undefined);
  const headers = { 'content-type': 'application/json' };
  const signature = await provider.authorize!({ method: 'POST', url, headers, body: Buffer.from(body) });
  const sentPath = tamper.path ?? new URL(url).pathname;
  return {
    signature,
    response: await rawRequest(new URL(url).origin, {
      method: 'POST',
      path: sentPath,
      headers: { ...headers, ...signature },
      body: tamper.body ?? body,
    }),
  };
}

const PATH = '/model/us.anthropic.claude-3-5-haiku-20241022-v1%3A0/converse';
const BODY = JSON.stringify({ messages: [{ role: 'user', content: [{ text: 'Hello' }] }] });

describe('Bedrock SigV4 signing', () => {
  const withoutToken = verifyingBedrock({
    accessKeyId: ACCESS_KEY_ID,
    secretAccessKey: SECRET,
    region: 'us-east-1',
    service: 'bedrock',
  });
  const withToken = verifyingBedrock({
    accessKeyId: ACCESS_KEY_ID,
    secretAccessKey: SECRET,
    sessionToken: SESSION_TOKEN,
    region: 'eu-west-1',
    service: 'bedrock',
  });

  beforeAll(async () => {
    await withoutToken.start();
    await withToken.start();
  });
  afterAll(async () => {
    await withoutToken.close();
    await withToken.close();
  });

  it('signs with long-term keys (region us-east-1 by default) so that the mock verifies the signature', async () => {
    const provider = bedrockProvider({
      AWS_ACCESS_KEY_ID: ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: SECRET,
      BEDROCK_BASE_URL: withoutToken.url,
    });
    const { signature, response } = await signedCall(provider, PATH, BODY);
    expect(response.status).toBe(200);
    expect(Object.keys(signature).sort()).toEqual(['authorization', 'x-amz-date']);
    expect(signature.authorization).toMatch(
      new RegExp(
        `^AWS4-HMAC-SHA256 Credential=${ACCESS_KEY_ID}/\\d{8}/us-east-1/bedrock/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=[0-9a-f]{64}$`,
      ),
    );
  });

  it('signs with temporary credentials: the session token is sent and signed', async () => {
    const provider = bedrockProvider({
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: SECRET,
      AWS_SESSION_TOKEN: SESSION_TOKEN,
      BEDROCK_BASE_URL: withToken.url,
    });
    const { signature, response } = await signedCall(provider, PATH, BODY);
    expect(response.status).toBe(200);
    expect(signature['x-amz-security-token']).toBe(SESSION_TOKEN);
    expect(signature.authorization).toContain('SignedHeaders=content-type;host;x-amz-date;x-amz-security-token');
  });

  it('signs query strings too', async () => {
    const provider = bedrockProvider({
      AWS_ACCESS_KEY_ID: ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: SECRET,
      BEDROCK_BASE_URL: withoutToken.url,
    });
    const url = `${provider.url(PATH, '', undefined)}?b=2&a=x%20y`;
    const signature = await provider.authorize!({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(BODY),
    });
    const response = await rawRequest(withoutToken.url, {
      method: 'POST',
      path: `${PATH}?b=2&a=x%20y`,
      headers: { 'content-type': 'application/json', ...signature },
      body: BODY,
    });
    expect(response.status).toBe(200);
  });

  it.each([
    ['a changed body', { body: BODY.replace('Hello', 'Hellp') }],
    ['another model in the path', { path: PATH.replace('haiku', 'sonnet') }],
  ])('is rejected by the mock for %s', async (_name, tamper) => {
    const provider = bedrockProvider({
      AWS_ACCESS_KEY_ID: ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: SECRET,
      BEDROCK_BASE_URL: withoutToken.url,
    });
    const { response } = await signedCall(provider, PATH, BODY, tamper);
    expect(response.status).toBe(403);
    expect(response.text).toContain('signature mismatch');
  });

  it('is rejected by the mock when signed with the wrong secret or without the expected session token', async () => {
    const wrongSecret = bedrockProvider({
      AWS_ACCESS_KEY_ID: ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: `${SECRET}x`,
      BEDROCK_BASE_URL: withoutToken.url,
    });
    expect((await signedCall(wrongSecret, PATH, BODY)).response.status).toBe(403);
    const noToken = bedrockProvider({
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: SECRET,
      BEDROCK_BASE_URL: withToken.url,
    });
    expect((await signedCall(noToken, PATH, BODY)).response.text).toContain('missing or wrong session token');
  });

  it("fails clearly, naming what to set, when only AWS_REGION is set and AWS's chain finds nothing", async () => {
    const empty = mkdtempSync(join(tmpdir(), 'switchyard-no-aws-'));
    vi.stubEnv('HOME', empty);
    vi.stubEnv('AWS_CONFIG_FILE', join(empty, 'config'));
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', join(empty, 'credentials'));
    vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
    onTestFinished(() => void vi.unstubAllEnvs());
    const provider = bedrockProvider({ AWS_REGION: 'us-west-2' });
    await expect(
      provider.authorize!({
        method: 'POST',
        url: provider.url(PATH, '', undefined),
        headers: {},
        body: Buffer.from(BODY),
      }),
    ).rejects.toMatchObject({
      status: 502,
      code: 'upstream_auth_failed',
      message: expect.stringMatching(
        /^AWS Bedrock found no credentials \(.*EC2 Instance Metadata Service access disabled.*\)\. Set AWS_BEARER_TOKEN_BEDROCK/,
      ),
    });
  });

  it('keeps the secret and the session token out of serialisation and inspection', () => {
    const provider = bedrockProvider({
      AWS_ACCESS_KEY_ID: ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: SECRET,
      AWS_SESSION_TOKEN: SESSION_TOKEN,
    });
    for (const text of [JSON.stringify(provider), inspect(provider, { depth: 5, showHidden: true })]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(SESSION_TOKEN);
    }
  });
});
