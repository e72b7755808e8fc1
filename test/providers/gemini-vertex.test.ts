import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.ts';
import { activeProviders } from '../../src/providers/registry.ts';
import type { Provider } from '../../src/providers/types.ts';
import { MockTokenEndpoint, makeServiceAccount, type TestServiceAccount } from '../helpers/google-token-endpoint.ts';

const account = makeServiceAccount();
const vertex = (env: Record<string, string>): Provider =>
  activeProviders({ VERTEX_AI_PROJECT_ID: 'my-project', VERTEX_AI_SERVICE_ACCOUNT_JSON: account.json, ...env }).get(
    'vertex-ai',
  )!;

function configProblems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('gemini provider', () => {
  const gemini = activeProviders({ GEMINI_API_KEY: 'AIzaSy-test-key-123' }).get('gemini')!;

  it('sends the key in x-goog-api-key, never in the URL, and hides it', () => {
    expect(gemini.authHeaders).toEqual({ 'x-goog-api-key': 'AIzaSy-test-key-123' });
    const url = gemini.url('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse', '', 'gemini-2.5-flash');
    expect(url).toBe(
      'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
    );
    expect(JSON.stringify(gemini)).not.toContain('AIzaSy-test-key-123');
    expect(inspect(gemini, { depth: 5 })).not.toContain('AIzaSy-test-key-123');
  });

  it("joins GEMINI_BASE_URL and the format's path; the client's query string (its own API's) is not forwarded", () => {
    const custom = activeProviders({ GEMINI_API_KEY: 'k', GEMINI_BASE_URL: 'http://127.0.0.1:9999/' }).get('gemini')!;
    expect(custom.url('/v1beta/models/gemini-2.5-flash:generateContent', '?beta=true', 'gemini-2.5-flash')).toBe(
      'http://127.0.0.1:9999/v1beta/models/gemini-2.5-flash:generateContent',
    );
  });
});

describe('vertex-ai provider: hosts and paths', () => {
  it.each([
    [{}, 'https://us-central1-aiplatform.googleapis.com'],
    [{ VERTEX_AI_LOCATION: 'europe-west4' }, 'https://europe-west4-aiplatform.googleapis.com'],
    [{ VERTEX_AI_LOCATION: 'global' }, 'https://aiplatform.googleapis.com'],
    [{ VERTEX_AI_LOCATION: 'global', VERTEX_AI_BASE_URL: 'http://127.0.0.1:8099' }, 'http://127.0.0.1:8099'],
  ])('%j → %s', (env, baseUrl) => {
    expect(vertex(env).baseUrl).toBe(baseUrl);
  });

  it.each([
    ['claude-sonnet-4-5@20250929', 'anthropic'],
    ['claude-opus-4-1', 'anthropic'],
    ['gemini-2.5-pro', 'gemini'],
    ['text-embedding-005', 'gemini'],
    [undefined, 'gemini'],
  ])('model %s speaks %s', (model, format) => {
    expect(vertex({}).wireFormatFor!(model)).toBe(format);
  });

  const place = '/v1/projects/my-project/locations/europe-west4/publishers';

  it.each([
    [
      'generateContent',
      { path: '/v1beta/models/gemini-2.5-pro:generateContent', body: { contents: [] } },
      { model: 'gemini-2.5-pro', stream: false },
      { path: `${place}/google/models/gemini-2.5-pro:generateContent`, body: { contents: [] } },
    ],
    [
      'streamGenerateContent',
      { path: '/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse', body: { contents: [] } },
      { model: 'gemini-2.5-pro', stream: true },
      { path: `${place}/google/models/gemini-2.5-pro:streamGenerateContent?alt=sse`, body: { contents: [] } },
    ],
    [
      'embeddings → :predict',
      {
        path: '/v1beta/models/text-embedding-005:batchEmbedContents',
        body: {
          requests: [
            {
              model: 'models/text-embedding-005',
              content: { parts: [{ text: 'banana bread' }] },
              taskType: 'RETRIEVAL_DOCUMENT',
              outputDimensionality: 256,
            },
            {
              model: 'models/text-embedding-005',
              content: { parts: [{ text: 'banana muffins' }] },
              taskType: 'RETRIEVAL_DOCUMENT',
              outputDimensionality: 256,
            },
          ],
        },
      },
      { model: 'text-embedding-005', stream: false },
      {
        path: `${place}/google/models/text-embedding-005:predict`,
        body: {
          instances: [
            { content: 'banana bread', task_type: 'RETRIEVAL_DOCUMENT' },
            { content: 'banana muffins', task_type: 'RETRIEVAL_DOCUMENT' },
          ],
          parameters: { outputDimensionality: 256 },
        },
      },
    ],
    [
      'Claude → :rawPredict, model in the URL, anthropic_version in the body',
      {
        path: '/messages',
        body: { model: 'claude-sonnet-4-5@20250929', max_tokens: 256, messages: [{ role: 'user', content: 'Hi' }] },
      },
      { model: 'claude-sonnet-4-5@20250929', stream: false },
      {
        path: `${place}/anthropic/models/claude-sonnet-4-5@20250929:rawPredict`,
        body: { anthropic_version: 'vertex-2023-10-16', max_tokens: 256, messages: [{ role: 'user', content: 'Hi' }] },
      },
    ],
    [
      'Claude streamed → :streamRawPredict',
      { path: '/messages', body: { model: 'claude-sonnet-4-5', max_tokens: 256, stream: true, messages: [] } },
      { model: 'claude-sonnet-4-5', stream: true },
      {
        path: `${place}/anthropic/models/claude-sonnet-4-5:streamRawPredict`,
        body: { anthropic_version: 'vertex-2023-10-16', max_tokens: 256, stream: true, messages: [] },
      },
    ],
    [
      'Claude token counting → count-tokens:rawPredict, model kept in the body',
      { path: '/messages/count_tokens', body: { model: 'claude-sonnet-4-5', messages: [] } },
      { model: 'claude-sonnet-4-5', stream: false },
      {
        path: `${place}/anthropic/models/count-tokens:rawPredict`,
        body: { anthropic_version: 'vertex-2023-10-16', model: 'claude-sonnet-4-5', messages: [] },
      },
    ],
  ])('%s', (_title, request, target, expected) => {
    const provider = vertex({ VERTEX_AI_LOCATION: 'europe-west4' });
    const adapted = provider.adaptRequest!(request, target);
    expect(adapted).toEqual(expected);
    expect(provider.url(adapted.path, '?beta=true', target.model)).toBe(
      `https://europe-west4-aiplatform.googleapis.com${expected.path}`,
    );
  });

  it('uses the target model for Claude even when the body names another', () => {
    const adapted = vertex({}).adaptRequest!(
      { path: '/messages', body: { model: 'smart', messages: [] } },
      { model: 'claude-haiku-4-5@20251001', stream: false },
    );
    expect(adapted.path).toBe(
      '/v1/projects/my-project/locations/us-central1/publishers/anthropic/models/claude-haiku-4-5@20251001:rawPredict',
    );
  });
});

describe('vertex-ai provider: access tokens', () => {
  let endpoint: MockTokenEndpoint;
  let dir: string;

  beforeAll(async () => {
    endpoint = await new MockTokenEndpoint(account).start();
    dir = mkdtempSync(join(tmpdir(), 'switchyard-vertex-'));
  });
  afterAll(async () => {
    await endpoint.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('authorizes with a Bearer token minted from VERTEX_AI_SERVICE_ACCOUNT_JSON at VERTEX_AI_TOKEN_URL, reused across requests', async () => {
    const provider = vertex({ VERTEX_AI_TOKEN_URL: endpoint.url });
    const before = endpoint.issued;
    const request = { method: 'POST', url: 'https://x', headers: {}, body: undefined };
    const first = await provider.authorize!(request);
    const second = await provider.authorize!(request);
    expect(first).toEqual({ authorization: `Bearer ya29.test-token-${before + 1}` });
    expect(second).toEqual(first);
    expect(endpoint.issued).toBe(before + 1);
    expect(endpoint.refusals).toEqual([]);
  });

  it('reads the key file named by GOOGLE_APPLICATION_CREDENTIALS', async () => {
    const file = join(dir, 'key.json');
    writeFileSync(file, account.json);
    const provider = activeProviders({
      VERTEX_AI_PROJECT_ID: 'p',
      GOOGLE_APPLICATION_CREDENTIALS: file,
      VERTEX_AI_TOKEN_URL: endpoint.url,
    }).get('vertex-ai')!;
    expect(
      (await provider.authorize!({ method: 'POST', url: 'https://x', headers: {}, body: undefined })).authorization,
    ).toMatch(/^Bearer ya29\.test-token-\d+$/);
    expect(endpoint.refusals).toEqual([]);
  });

  it('never shows the key when the provider is logged or serialised', () => {
    const provider = vertex({ VERTEX_AI_TOKEN_URL: endpoint.url });
    const pemBody = account.privateKeyPem.split('\n')[1]!;
    expect(JSON.stringify(provider)).not.toContain(pemBody);
    expect(inspect(provider, { depth: 8 })).not.toContain(pemBody);
  });
});

describe('vertex-ai start-up validation', () => {
  let dir: string;
  let other: TestServiceAccount;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'switchyard-vertex-config-'));
    other = makeServiceAccount();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts a readable key file or inline key', () => {
    const file = join(dir, 'ok.json');
    writeFileSync(file, other.json);
    expect(configProblems({ VERTEX_AI_PROJECT_ID: 'p', GOOGLE_APPLICATION_CREDENTIALS: file })).toEqual([]);
    expect(
      configProblems({
        VERTEX_AI_PROJECT_ID: 'p',
        VERTEX_AI_SERVICE_ACCOUNT_JSON: other.json,
        VERTEX_AI_LOCATION: 'global',
      }),
    ).toEqual([]);
  });

  it.each([
    [
      'invalid inline JSON',
      () => ({ VERTEX_AI_SERVICE_ACCOUNT_JSON: '{"private_key": "-----BEGIN' }),
      /^VERTEX_AI_SERVICE_ACCOUNT_JSON: not a usable service-account key: not valid JSON$/,
    ],
    [
      'an unreadable file',
      () => ({ GOOGLE_APPLICATION_CREDENTIALS: join(dir, 'missing.json') }),
      /^GOOGLE_APPLICATION_CREDENTIALS: cannot read '.*missing\.json' \(ENOENT\)$/,
    ],
    [
      'a file holding a credential type Google has no Vertex use for',
      () => {
        const file = join(dir, 'odd.json');
        writeFileSync(file, JSON.stringify({ type: 'api_key', client_secret: 'shh-secret' }));
        return { GOOGLE_APPLICATION_CREDENTIALS: file };
      },
      /^GOOGLE_APPLICATION_CREDENTIALS \('.*odd\.json'\): a 'api_key' credential, which Vertex AI cannot use/,
    ],
    [
      'a credentials file that is not JSON',
      () => {
        const file = join(dir, 'broken.json');
        writeFileSync(file, '{"type": "authorized_user", "refresh_token": "1//refresh"');
        return { GOOGLE_APPLICATION_CREDENTIALS: file };
      },
      /^GOOGLE_APPLICATION_CREDENTIALS \('.*broken\.json'\): not valid JSON$/,
    ],
    [
      'a location that is no region',
      () => ({ VERTEX_AI_SERVICE_ACCOUNT_JSON: other.json, VERTEX_AI_LOCATION: 'evil.com/x' }),
      /^VERTEX_AI_LOCATION: /,
    ],
  ])('fails on %s, naming the variable and quoting no secret', (_title, env, problem) => {
    const problems = configProblems({ VERTEX_AI_PROJECT_ID: 'p', ...env() });
    expect(problems).toEqual([expect.stringMatching(problem)]);
    expect(problems.join()).not.toMatch(/shh-secret|1\/\/refresh|BEGIN/);
  });

  it.each(['authorized_user', 'external_account', 'impersonated_service_account'])(
    "leaves a %s file to Google's library (Application Default Credentials)",
    (type) => {
      const file = join(dir, `${type}.json`);
      writeFileSync(file, JSON.stringify({ type, refresh_token: '1//refresh' }));
      expect(configProblems({ VERTEX_AI_PROJECT_ID: 'p', GOOGLE_APPLICATION_CREDENTIALS: file })).toEqual([]);
    },
  );

  it('needs no credentials variable: the ADC chain (gcloud file, metadata server) is asked at start-up', () => {
    expect(configProblems({ VERTEX_AI_PROJECT_ID: 'p' })).toEqual([]);
  });

  it('needs no key in pass-through mode', () => {
    expect(configProblems({ VERTEX_AI_PROJECT_ID: 'p', VERTEX_AI_AUTH_MODE: 'passthrough' })).toEqual([]);
  });

  it('checks nothing while Vertex AI is inactive', () => {
    expect(configProblems({ GOOGLE_APPLICATION_CREDENTIALS: join(dir, 'missing.json') })).toEqual([]);
  });
});
