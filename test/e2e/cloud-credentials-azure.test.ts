/**
 * Azure OpenAI and Azure AI Foundry with Microsoft Entra ID: @azure/identity's
 * DefaultAzureCredential runs unchanged against a loopback managed identity endpoint (App Service's
 * IDENTITY_ENDPOINT / IDENTITY_HEADER), and the mock Azure sees the Bearer tokens it issued.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { MockManagedIdentity, useCloudEnv } from '../helpers/cloud-identity.ts';
import { postJson, startGateway, type TestGateway } from '../helpers/gateway.ts';
import { chatCompletion, json, MockUpstream, sleep } from '../helpers/mock-upstream.ts';

describe('Azure OpenAI and AI Foundry with Entra ID', () => {
  const home = mkdtempSync(join(tmpdir(), 'switchyard-azure-home-'));
  let azure: MockUpstream;
  let identity: MockManagedIdentity;
  let gw: TestGateway | undefined;
  let restore: (() => void) | undefined;

  beforeAll(async () => {
    azure = await new MockUpstream().start();
    azure.handle((_req, res) => json(res, 200, chatCompletion('Hello from Azure.')));
    identity = await new MockManagedIdentity().start();
  });
  afterAll(async () => {
    await azure.close();
    await identity.close();
  });
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
    restore?.();
  });

  async function start(env: Record<string, string>) {
    const cloud = useCloudEnv(env, home);
    restore = cloud.restore;
    gw = await startGateway(cloud.env, { checkCredentials: true });
    return gw;
  }
  const managedIdentity = () => ({ IDENTITY_ENDPOINT: identity.endpoint, IDENTITY_HEADER: identity.identityHeader });
  const ask = (g: TestGateway, model: string) =>
    postJson(`${g.url}/v1/chat/completions`, { model, messages: [{ role: 'user', content: 'Hi' }] });

  it('Azure OpenAI with only the endpoint: a managed identity token for Cognitive Services, as Bearer', async () => {
    const g = await start({ AZURE_OPENAI_ENDPOINT: azure.url, ...managedIdentity() });
    expect(g.credentials).toEqual([{ provider: 'azure-openai', source: 'Entra ID managed identity' }]);
    const answer = await ask(g, 'azure-openai/gpt-4o');
    expect(answer.status).toBe(200);
    expect(answer.json.choices[0].message.content).toBe('Hello from Azure.');
    expect(azure.last.url).toBe('/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21');
    expect(azure.last.headers.authorization).toBe(`Bearer ${identity.issued.at(-1)}`);
    expect(azure.last.headers['api-key']).toBeUndefined();
    expect(identity.resources.at(-1)).toBe('https://cognitiveservices.azure.com');
    expect(identity.refusals).toEqual([]);
  });

  it('Azure AI Foundry with AZURE_FOUNDRY_AUTH_MODE=entra: the same token source', async () => {
    const g = await start({
      AZURE_FOUNDRY_ENDPOINT: `${azure.url}/models`,
      AZURE_FOUNDRY_AUTH_MODE: 'entra',
      ...managedIdentity(),
    });
    expect(g.credentials).toEqual([{ provider: 'azure-foundry', source: 'Entra ID managed identity' }]);
    expect((await ask(g, 'azure-foundry/Llama-3.3-70B-Instruct')).status).toBe(200);
    expect(azure.last.url).toBe('/models/chat/completions?api-version=2024-05-01-preview');
    expect(azure.last.headers.authorization).toBe(`Bearer ${identity.issued.at(-1)}`);
  });

  it('a user-assigned identity (AZURE_CLIENT_ID): the token is refreshed before it expires, once for concurrent requests', async () => {
    identity.lifetimeS = 2;
    identity.delayMs = 100;
    // MSAL shares its managed-identity token cache across credentials: another identity starts it empty.
    const clientId = '11111111-2222-3333-4444-555555555555';
    try {
      const g = await start({ AZURE_OPENAI_ENDPOINT: azure.url, AZURE_CLIENT_ID: clientId, ...managedIdentity() });
      expect(identity.clientIds.at(-1)).toBe(clientId);
      expect((await ask(g, 'azure-openai/gpt-4o')).status).toBe(200);
      expect(azure.last.headers.authorization).toBe(`Bearer ${identity.issued.at(-1)}`);
      await sleep(1100);
      // A long-lived token from the next refresh on, so that a slow machine cannot add a second one.
      identity.lifetimeS = 3600;
      const before = identity.issued.length;
      const received = azure.received.length;
      const answers = await Promise.all(Array.from({ length: 10 }, () => ask(g, 'azure-openai/gpt-4o')));
      expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
      expect(identity.issued.length).toBe(before + 1);
      const sent = azure.received.slice(received).map((r) => r.headers.authorization);
      expect(sent).toEqual(Array(10).fill(`Bearer ${identity.issued.at(-1)}`));
    } finally {
      identity.lifetimeS = 3600;
      identity.delayMs = 0;
    }
  });

  it('an API key still wins when set: the api-key header, no identity call', async () => {
    const calls = identity.issued.length;
    const g = await start({ AZURE_OPENAI_ENDPOINT: azure.url, AZURE_OPENAI_API_KEY: 'azure-key-EXAMPLE-0123' });
    expect(g.credentials).toEqual([]);
    expect((await ask(g, 'azure-openai/gpt-4o')).status).toBe(200);
    expect(azure.last.headers['api-key']).toBe('azure-key-EXAMPLE-0123');
    expect(azure.last.headers.authorization).toBeUndefined();
    expect(identity.issued.length).toBe(calls);
  });

  it('finds no identity: left out with what each source said, a request naming it is told what to set', async () => {
    const g = await start({ AZURE_OPENAI_ENDPOINT: azure.url, AZURE_TOKEN_CREDENTIALS: 'EnvironmentCredential' });
    const report = g.credentials[0] as { provider: string; problem: string };
    expect(report.provider).toBe('azure-openai');
    expect(report.problem).toMatch(/^Azure OpenAI found no credentials \(EnvironmentCredential is unavailable/);
    const answer = await ask(g, 'azure-openai/gpt-4o');
    expect(answer.status).toBe(404);
    expect(answer.json.error.message).toContain('Set AZURE_OPENAI_API_KEY, or give the gateway an Entra identity');
  });

  it.each([
    [{ AZURE_OPENAI_AUTH_MODE: 'key' }, /^AZURE_OPENAI_API_KEY: must be set when AZURE_OPENAI_AUTH_MODE=key$/],
    [
      { AZURE_OPENAI_AUTH_MODE: 'entra', AZURE_OPENAI_API_KEY: 'k-123456' },
      /^AZURE_OPENAI_AUTH_MODE: 'entra' sends an Entra ID token/,
    ],
    [{ AZURE_OPENAI_AUTH_MODE: 'oauth' }, /^AZURE_OPENAI_AUTH_MODE: must be 'key' or 'passthrough' or 'entra'/],
  ])('start-up refuses %o', (env, problem) => {
    let error: unknown;
    try {
      loadConfig({ AZURE_OPENAI_ENDPOINT: 'https://myorg.openai.azure.com', ...env });
    } catch (e) {
      error = e;
    }
    expect((error as { problems: string[] }).problems).toEqual([expect.stringMatching(problem)]);
    expect(String((error as Error).message)).not.toContain('k-123456');
  });
});
