/**
 * Vertex AI with Application Default Credentials: google-auth-library runs unchanged against a
 * loopback metadata server (GCE_METADATA_HOST) and a loopback Security Token Service (the
 * `token_url` of an external_account file); the mock Vertex AI sees the tokens they issued.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MockGoogleMetadata, MockGoogleSts, useCloudEnv } from '../helpers/cloud-identity.ts';
import { postJson, startGateway, type TestGateway, treatAsSecret } from '../helpers/gateway.ts';
import { textAnswer } from '../helpers/gemini-samples.ts';
import { json, MockUpstream, sleep } from '../helpers/mock-upstream.ts';

const AUDIENCE =
  '//iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/switchyard/providers/aws';

describe('Vertex AI credentials from Application Default Credentials', () => {
  const home = mkdtempSync(join(tmpdir(), 'switchyard-gcp-home-'));
  let vertex: MockUpstream;
  let gw: TestGateway | undefined;
  let restore: (() => void) | undefined;

  beforeAll(async () => {
    vertex = await new MockUpstream().start();
    vertex.handle((_req, res) => json(res, 200, textAnswer('Hello from Vertex.')));
  });
  afterAll(() => vertex.close());
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
    restore?.();
  });

  async function start(env: Record<string, string>) {
    const cloud = useCloudEnv({ VERTEX_AI_BASE_URL: vertex.url, ...env }, home);
    restore = cloud.restore;
    gw = await startGateway(cloud.env, { checkCredentials: true });
    return gw;
  }

  const ask = (g: TestGateway) =>
    postJson(`${g.url}/v1/chat/completions`, {
      model: 'vertex-ai/gemini-2.5-flash',
      messages: [{ role: 'user', content: 'Hi' }],
    });

  describe('the metadata server (GCE, GKE, Cloud Run)', () => {
    let metadata: MockGoogleMetadata;
    beforeAll(async () => {
      metadata = await new MockGoogleMetadata().start();
    });
    afterAll(() => metadata.close());
    const onGoogleCloud = () => ({ GCE_METADATA_HOST: metadata.host, METADATA_SERVER_DETECTION: 'ping-only' });

    it('with only VERTEX_AI_PROJECT_ID: the attached account token, asked for the cloud-platform scope', async () => {
      const g = await start({ VERTEX_AI_PROJECT_ID: 'my-project', ...onGoogleCloud() });
      expect(g.credentials).toEqual([
        {
          provider: 'vertex-ai',
          source: 'Google metadata server (the attached service account on GCE, GKE, Cloud Run)',
        },
      ]);
      const answer = await ask(g);
      expect(answer.status).toBe(200);
      expect(answer.json.choices[0].message.content).toBe('Hello from Vertex.');
      expect(vertex.last.url).toBe(
        '/v1/projects/my-project/locations/us-central1/publishers/google/models/gemini-2.5-flash:generateContent',
      );
      expect(vertex.last.headers.authorization).toBe(`Bearer ${metadata.issued.at(-1)}`);
      expect(decodeURIComponent(metadata.tokenRequests.at(-1)!)).toContain(
        'https://www.googleapis.com/auth/cloud-platform',
      );
    });

    it('refreshes the token before it expires, one refresh for concurrent requests', async () => {
      metadata.lifetimeS = 2;
      metadata.delayMs = 100;
      try {
        const g = await start({ VERTEX_AI_PROJECT_ID: 'my-project', ...onGoogleCloud() });
        expect((await ask(g)).status).toBe(200);
        expect(vertex.last.headers.authorization).toBe(`Bearer ${metadata.issued.at(-1)}`);
        // Two-second tokens are refreshed at half their life, before they expire.
        await sleep(1100);
        // A long-lived token from the next refresh on, so that a slow machine cannot add a second one.
        metadata.lifetimeS = 3600;
        const before = metadata.issued.length;
        const received = vertex.received.length;
        const answers = await Promise.all(Array.from({ length: 10 }, () => ask(g)));
        expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
        expect(metadata.issued.length).toBe(before + 1);
        const sent = vertex.received.slice(received).map((r) => r.headers.authorization);
        expect(sent).toEqual(Array(10).fill(`Bearer ${metadata.issued.at(-1)}`));
      } finally {
        metadata.lifetimeS = 3599;
        metadata.delayMs = 0;
      }
    });

    it('with only VERTEX_AI_LOCATION: the project comes from the credentials', async () => {
      const g = await start({ VERTEX_AI_LOCATION: 'europe-west4', ...onGoogleCloud() });
      expect(g.credentials).toEqual([
        {
          provider: 'vertex-ai',
          source:
            'Google metadata server (the attached service account on GCE, GKE, Cloud Run); project metadata-project (from the credentials)',
        },
      ]);
      expect((await ask(g)).status).toBe(200);
      expect(vertex.last.url).toBe(
        '/v1/projects/metadata-project/locations/europe-west4/publishers/google/models/gemini-2.5-flash:generateContent',
      );
    });
  });

  it('an external_account file (workload identity federation) with only VERTEX_AI_PROJECT_ID', async () => {
    const sts = await new MockGoogleSts().start(AUDIENCE);
    const subjectToken = 'eyJhbGciOiJSUzI1NiJ9.kubernetes-service-account-token.EXAMPLE';
    treatAsSecret(subjectToken);
    const tokenFile = join(home, 'federated-token');
    writeFileSync(tokenFile, subjectToken);
    const file = join(home, 'external-account.json');
    writeFileSync(
      file,
      JSON.stringify({
        type: 'external_account',
        audience: AUDIENCE,
        subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
        token_url: sts.tokenUrl,
        credential_source: { file: tokenFile },
      }),
    );
    try {
      const g = await start({ VERTEX_AI_PROJECT_ID: 'my-project', GOOGLE_APPLICATION_CREDENTIALS: file });
      expect(g.credentials).toEqual([
        {
          provider: 'vertex-ai',
          source: `external account (workload identity federation) from GOOGLE_APPLICATION_CREDENTIALS ('${file}')`,
        },
      ]);
      expect((await ask(g)).status).toBe(200);
      expect(sts.refusals).toEqual([]);
      expect(sts.subjectTokens).toEqual([subjectToken]);
      expect(vertex.last.headers.authorization).toBe('Bearer ya29.federated-token-1-EXAMPLE');
    } finally {
      await sts.close();
    }
  });

  it('an authorized_user file whose refresh fails: left out, the refresh token and client secret shown nowhere', async () => {
    const file = join(home, 'authorized-user.json');
    writeFileSync(
      file,
      JSON.stringify({
        type: 'authorized_user',
        client_id: '764086051850-6qr4p6gpi6hn506pt8ejuq83di341hur.apps.googleusercontent.com',
        client_secret: 'GOCSPX-client-secret-EXAMPLE-0123',
        refresh_token: '1//0refresh-token-EXAMPLE-abcdefghijklmnop',
      }),
    );
    // The exchange goes to Google's real endpoint: unreachable here, refused with this fake token elsewhere.
    const g = await start({ VERTEX_AI_PROJECT_ID: 'my-project', GOOGLE_APPLICATION_CREDENTIALS: file });
    const report = g.credentials[0] as { provider: string; problem: string };
    expect(report.provider).toBe('vertex-ai');
    expect(report.problem).toMatch(/^Could not obtain a Google access token: /);
    expect(report.problem).not.toMatch(/GOCSPX|1\/\/0refresh/);
    const answer = await ask(g);
    expect(answer.status).toBe(404);
    expect(answer.text).not.toMatch(/GOCSPX|1\/\/0refresh/);
  });

  it('finds nothing: Vertex AI is left out with the reason, and a request naming it is told what to set', async () => {
    const g = await start({ VERTEX_AI_PROJECT_ID: 'my-project' });
    const report = g.credentials[0] as { provider: string; problem: string };
    expect(report.provider).toBe('vertex-ai');
    expect(report.problem).toMatch(/^Vertex AI found no credentials \(Could not load the default credentials/);
    expect((await (await fetch(`${g.url}/health`)).json()).providers).not.toContain('vertex-ai');
    const answer = await ask(g);
    expect(answer.status).toBe(404);
    expect(answer.json.error.message).toContain('Set GOOGLE_APPLICATION_CREDENTIALS');
  });
});

describe("a client's own Google API key", () => {
  it('never reaches the Gemini API in place of the provider key, as a header or as ?key=', async () => {
    const gemini = await new MockUpstream().start();
    gemini.handle((_req, res) => json(res, 200, textAnswer('Hello from Gemini.')));
    const gw = await startGateway({
      GEMINI_API_KEY: 'AIzaSyProviderKey-EXAMPLE-0123456789',
      GEMINI_BASE_URL: gemini.url,
    });
    try {
      const answer = await postJson(
        `${gw.url}/v1/chat/completions?key=AIzaSyClientQueryKey-EXAMPLE`,
        { model: 'gemini/gemini-2.5-flash', messages: [{ role: 'user', content: 'Hi' }] },
        { 'x-goog-api-key': 'AIzaSyClientHeaderKey-EXAMPLE' },
      );
      expect(answer.status).toBe(200);
      expect(gemini.last.headers['x-goog-api-key']).toBe('AIzaSyProviderKey-EXAMPLE-0123456789');
      expect(gemini.last.url).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
      expect(JSON.stringify(gemini.last)).not.toMatch(/AIzaSyClient/);
    } finally {
      await gw.close();
      await gemini.close();
    }
  });
});
