/**
 * Bedrock without static keys: the AWS SDK's own credential chain runs unchanged against loopback
 * stand-ins of the EC2 instance metadata service, STS and the container credentials endpoint
 * (pointed there by AWS_EC2_METADATA_SERVICE_ENDPOINT, AWS_ENDPOINT_URL_STS and
 * AWS_CONTAINER_CREDENTIALS_FULL_URI), and the mock Bedrock checks every request's SigV4 signature
 * against the keys those endpoints issued.
 */
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type IssuedAwsKeys,
  MockContainerCredentials,
  MockImds,
  MockSsoPortal,
  MockSts,
  useCloudEnv,
} from '../helpers/cloud-identity.ts';
import { postJson, startGateway, type TestGateway, treatAsSecret } from '../helpers/gateway.ts';
import { json, MockUpstream, sleep } from '../helpers/mock-upstream.ts';
import { verifySigV4 } from '../helpers/sigv4-verifier.ts';

const REGION = 'eu-west-1';
const MODEL = 'bedrock/anthropic.claude-3-5-haiku-20241022-v1:0';
const converse = {
  output: { message: { role: 'assistant', content: [{ text: 'Hello from Bedrock.' }] } },
  stopReason: 'end_turn',
  usage: { inputTokens: 3, outputTokens: 4, totalTokens: 7 },
};

describe('Bedrock credentials from the AWS default chain', () => {
  const home = mkdtempSync(join(tmpdir(), 'switchyard-aws-home-'));
  let bedrock: MockUpstream;
  /** Every key set the mock identity endpoints issued: the mock Bedrock accepts only these. */
  let known: IssuedAwsKeys[];
  /** For each request Bedrock received: the access key that signed it, or why it was refused. */
  let signedWith: string[];
  let gw: TestGateway | undefined;
  let restore: (() => void) | undefined;

  function verify(raw: IncomingMessage, req: { method: string; url: string; body: string }): string {
    const keyId = /Credential=([^/]+)\//.exec(String(raw.headers.authorization))?.[1];
    const keys = known.find((k) => k.accessKeyId === keyId);
    if (!keys) return `unknown key ${keyId}`;
    const verdict = verifySigV4(
      { method: req.method, url: req.url, headers: raw.headers, body: Buffer.from(req.body) },
      { ...keys, region: REGION, service: 'bedrock' },
    );
    return verdict.ok ? keys.accessKeyId : verdict.reason;
  }

  beforeAll(async () => {
    bedrock = await new MockUpstream().start();
    bedrock.handle((req, res, raw) => {
      if (req.headers.authorization?.startsWith('Bearer ')) return json(res, 200, converse);
      const verdict = verify(raw, req);
      signedWith.push(verdict);
      if (!verdict.startsWith('ASIA') && !verdict.startsWith('AKIA'))
        return json(res, 403, { message: 'The request signature we calculated does not match.' });
      return json(res, 200, converse);
    });
  });
  afterAll(() => bedrock.close());
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
    restore?.();
  });

  async function start(env: Record<string, string>, keys: IssuedAwsKeys[] = []) {
    known = keys;
    signedWith = [];
    const cloud = useCloudEnv({ AWS_REGION: REGION, BEDROCK_BASE_URL: bedrock.url, ...env }, home);
    restore = cloud.restore;
    gw = await startGateway(cloud.env, { checkCredentials: true });
    return gw;
  }

  const ask = (g: TestGateway) =>
    postJson(`${g.url}/v1/chat/completions`, { model: MODEL, messages: [{ role: 'user', content: 'Hi' }] });

  it('an EC2 instance role (IMDSv2): start-up names the source, requests are signed with its keys', async () => {
    const imds = await new MockImds().start();
    try {
      const g = await start(
        { AWS_EC2_METADATA_DISABLED: 'false', AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.endpoint },
        imds.issued,
      );
      expect(g.credentials).toEqual([{ provider: 'bedrock', source: 'EC2 instance metadata (IMDSv2)' }]);
      const answers = await Promise.all(Array.from({ length: 8 }, () => ask(g)));
      expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
      expect(answers[0]!.json.choices[0].message.content).toBe('Hello from Bedrock.');
      // The start-up check fetched the keys once; eight concurrent requests reused them.
      expect(imds.issued).toHaveLength(1);
      expect(signedWith).toEqual(Array(8).fill(imds.issued[0]!.accessKeyId));
      expect(bedrock.last.headers['x-amz-security-token']).toBe(imds.issued[0]!.sessionToken);
      expect(imds.refusals).toEqual([]);
    } finally {
      await imds.close();
    }
  });

  it('refreshes instance-role keys before they expire, one refresh for concurrent requests', async () => {
    const imds = await new MockImds().start();
    // The SDK refreshes keys that have less than five minutes left: these reach that point in 1.5 s.
    imds.lifetimeS = 301.5;
    imds.delayMs = 100;
    try {
      const g = await start(
        { AWS_EC2_METADATA_DISABLED: 'false', AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.endpoint },
        imds.issued,
      );
      expect((await ask(g)).status).toBe(200);
      expect(signedWith).toEqual([imds.issued[0]!.accessKeyId]);
      await sleep(1700);
      // Long-lived keys from the next refresh on, so that a slow machine cannot add a second one.
      imds.lifetimeS = 3600;
      const before = imds.issued.length;
      const signedBefore = signedWith.length;
      const concurrent = await Promise.all(Array.from({ length: 10 }, () => ask(g)));
      expect(concurrent.map((a) => a.status)).toEqual(Array(10).fill(200));
      for (let i = 0; i < 50 && imds.issued.length === before; i++) await sleep(20);
      await sleep(150);
      expect((await ask(g)).status).toBe(200);
      expect(imds.issued).toHaveLength(before + 1);
      // Still-valid keys sign while the refresh runs; the new ones sign from then on.
      expect(signedWith.at(-1)).toBe(imds.issued[before]!.accessKeyId);
      const bothKeys = [imds.issued[before - 1]!.accessKeyId, imds.issued[before]!.accessKeyId];
      for (const key of signedWith.slice(signedBefore, signedBefore + 10)) expect(bothKeys).toContain(key);
    } finally {
      await imds.close();
    }
  });

  it('a web identity token (EKS IRSA): AssumeRoleWithWebIdentity at STS with the token file', async () => {
    const sts = await new MockSts().start();
    const tokenFile = join(home, 'irsa-token');
    const webToken = 'eyJhbGciOiJSUzI1NiJ9.irsa-service-account-token.EXAMPLE';
    treatAsSecret(webToken);
    writeFileSync(tokenFile, webToken);
    try {
      const g = await start(
        {
          AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
          AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/switchyard-irsa',
          AWS_ENDPOINT_URL_STS: sts.endpoint,
        },
        sts.issued,
      );
      expect(g.credentials).toEqual([
        { provider: 'bedrock', source: 'web identity token (AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN)' },
      ]);
      expect((await ask(g)).status).toBe(200);
      expect(sts.calls).toEqual([
        {
          action: 'AssumeRoleWithWebIdentity',
          roleArn: 'arn:aws:iam::123456789012:role/switchyard-irsa',
          webIdentityToken: webToken,
        },
      ]);
      expect(signedWith).toEqual([sts.issued[0]!.accessKeyId]);
    } finally {
      await sts.close();
    }
  });

  it('an ECS task role or EKS Pod Identity: the container credentials endpoint with its authorization token', async () => {
    const container = await new MockContainerCredentials().start();
    try {
      const g = await start(
        {
          AWS_CONTAINER_CREDENTIALS_FULL_URI: container.uri,
          AWS_CONTAINER_AUTHORIZATION_TOKEN: container.authorization,
        },
        container.issued,
      );
      expect(g.credentials).toEqual([
        { provider: 'bedrock', source: 'container credentials endpoint (ECS task role or EKS Pod Identity)' },
      ]);
      expect((await ask(g)).status).toBe(200);
      expect(signedWith).toEqual([container.issued[0]!.accessKeyId]);
      expect(container.refusals).toEqual([]);
    } finally {
      await container.close();
    }
  });

  it('AWS_PROFILE with credential_process in ~/.aws/config: the process is run and its keys sign', async () => {
    const keys: IssuedAwsKeys = {
      accessKeyId: 'ASIAPROCESS0001EXAMPLE',
      secretAccessKey: 'process-secret-1-wJalrXUtnFEMIK7MDENG',
      sessionToken: 'process-session-1-IQoJb3JpZ2luEXAMPLE',
    };
    treatAsSecret(keys.secretAccessKey);
    treatAsSecret(keys.sessionToken);
    const runs = join(home, 'credential-process-runs');
    const script = join(home, 'credential-process.sh');
    const output = JSON.stringify({
      Version: 1,
      AccessKeyId: keys.accessKeyId,
      SecretAccessKey: keys.secretAccessKey,
      SessionToken: keys.sessionToken,
      Expiration: new Date(Date.now() + 3600_000).toISOString(),
    });
    writeFileSync(script, `#!/bin/sh\necho run >> '${runs}'\necho '${output}'\n`);
    chmodSync(script, 0o755);
    writeFileSync(runs, '');
    // A file of its own: the SDK caches what it read of a config file for the life of the process.
    const config = join(home, 'aws-config-team');
    writeFileSync(config, `[profile team]\ncredential_process = ${script}\n`);
    const g = await start({ AWS_PROFILE: 'team', AWS_CONFIG_FILE: config }, [keys]);
    expect(g.credentials).toEqual([{ provider: 'bedrock', source: "credential_process of AWS profile 'team'" }]);
    const answers = await Promise.all([ask(g), ask(g), ask(g)]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(signedWith).toEqual(Array(3).fill(keys.accessKeyId));
    // Run once, at start-up: its keys are cached until shortly before they expire.
    expect(readFileSync(runs, 'utf8')).toBe('run\n');
  });

  it('AWS_PROFILE with SSO (aws sso login): the cached token buys role credentials from the portal', async () => {
    const portal = await new MockSsoPortal('aoaAAAAAGexampleSsoAccessToken-0123456789').start();
    const startUrl = 'https://switchyard.awsapps.com/start';
    const cache = join(home, '.aws/sso/cache');
    mkdirSync(cache, { recursive: true });
    writeFileSync(
      join(cache, `${createHash('sha1').update(startUrl).digest('hex')}.json`),
      JSON.stringify({
        startUrl,
        region: REGION,
        accessToken: portal.accessToken,
        expiresAt: new Date(Date.now() + 3600_000).toISOString(),
      }),
    );
    const config = join(home, 'aws-config-sso');
    writeFileSync(
      config,
      `[profile sso]\nsso_start_url = ${startUrl}\nsso_region = ${REGION}\nsso_account_id = 123456789012\nsso_role_name = BedrockUser\n`,
    );
    try {
      const g = await start(
        { AWS_PROFILE: 'sso', AWS_CONFIG_FILE: config, AWS_ENDPOINT_URL_SSO: portal.endpoint },
        portal.issued,
      );
      expect(g.credentials).toEqual([{ provider: 'bedrock', source: "SSO of AWS profile 'sso'" }]);
      expect((await ask(g)).status).toBe(200);
      expect(portal.calls).toEqual([{ account: '123456789012', role: 'BedrockUser', tokenOk: true }]);
      expect(signedWith).toEqual([portal.issued[0]!.accessKeyId]);
    } finally {
      await portal.close();
    }
  });

  it("BEDROCK_ROLE_ARN: a role assumed with the chain's keys (the AssumeRole call signed by them), for Bedrock only", async () => {
    const sts = await new MockSts().start();
    const base = { accessKeyId: 'AKIABASEKEYEXAMPLE01', secretAccessKey: 'base/secret/EXAMPLEKEY0123456789' };
    try {
      const g = await start(
        {
          AWS_ACCESS_KEY_ID: base.accessKeyId,
          AWS_SECRET_ACCESS_KEY: base.secretAccessKey,
          BEDROCK_ROLE_ARN: 'arn:aws:iam::123456789012:role/bedrock-only',
          AWS_ENDPOINT_URL_STS: sts.endpoint,
        },
        sts.issued,
      );
      expect(g.credentials).toEqual([
        {
          provider: 'bedrock',
          source:
            'role arn:aws:iam::123456789012:role/bedrock-only (BEDROCK_ROLE_ARN), assumed with environment (AWS_ACCESS_KEY_ID)',
        },
      ]);
      expect((await ask(g)).status).toBe(200);
      expect(sts.calls.map((c) => [c.action, c.roleArn])).toEqual([
        ['AssumeRole', 'arn:aws:iam::123456789012:role/bedrock-only'],
      ]);
      const call = sts.upstream.received[0]!;
      expect(
        verifySigV4(
          { method: call.method, url: call.url, headers: call.headers, body: Buffer.from(call.body) },
          { accessKeyId: base.accessKeyId, secretAccessKey: base.secretAccessKey, region: REGION, service: 'sts' },
        ),
      ).toEqual({ ok: true });
      // Bedrock sees the role's keys, never the base ones.
      expect(signedWith).toEqual([sts.issued[0]!.accessKeyId]);
    } finally {
      await sts.close();
    }
  });

  it('a Bedrock API key (AWS_BEARER_TOKEN_BEDROCK) is sent as Authorization: Bearer, with no SigV4', async () => {
    const g = await start({ AWS_BEARER_TOKEN_BEDROCK: 'ABSKQmVkcm9ja0FQSUtleS1FWEFNUExFMTIzNDU2Nzg5' });
    expect(g.credentials).toEqual([{ provider: 'bedrock', source: 'Bedrock API key (AWS_BEARER_TOKEN_BEDROCK)' }]);
    expect((await ask(g)).status).toBe(200);
    expect(bedrock.last.headers.authorization).toBe('Bearer ABSKQmVkcm9ja0FQSUtleS1FWEFNUExFMTIzNDU2Nzg5');
    expect(bedrock.last.headers['x-amz-date']).toBeUndefined();
    expect(bedrock.last.url).toBe('/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/converse');
  });

  it('finds nothing: Bedrock is left out with the reasons, and a request naming it is told what to set', async () => {
    const g = await start({});
    expect(g.credentials).toHaveLength(1);
    const report = g.credentials[0] as { provider: string; problem: string };
    expect(report.provider).toBe('bedrock');
    expect(report.problem).toMatch(
      /^AWS Bedrock found no credentials \(.*Unable to find environment variable credentials/,
    );
    expect(report.problem).toContain('EC2 Instance Metadata Service access disabled');
    const health = await (await fetch(`${g.url}/health`)).json();
    expect(health.providers).not.toContain('bedrock');
    const answer = await ask(g);
    expect(answer.status).toBe(404);
    expect(answer.json.error.message).toMatch(/^Provider 'bedrock' is not active: AWS Bedrock found no credentials/);
    expect(answer.json.error.message).toContain('Set AWS_BEARER_TOKEN_BEDROCK');
  });
});
