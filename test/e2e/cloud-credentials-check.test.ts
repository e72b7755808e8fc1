/**
 * `--check` and the start-up line name each cloud provider's credential source, from the bundle
 * alone (copied away from node_modules: the credential libraries it embeds must be inside it).
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MockGoogleMetadata, MockImds, MockManagedIdentity } from '../helpers/cloud-identity.ts';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-cloud-check-'));

/** Runs the bundle with only `env` (plus an empty HOME), without blocking the mocks of this process. */
function run(args: string[], env: Record<string, string>, until?: string) {
  const child = spawn(process.execPath, [join(dir, 'dist/switchyard.mjs'), ...args], {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: dir,
      AWS_EC2_METADATA_DISABLED: 'true',
      METADATA_SERVER_DETECTION: 'none',
      AZURE_TOKEN_CREDENTIALS: 'prod',
      HOST: '127.0.0.1',
      PORT: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((done) => {
    const timer = until
      ? setInterval(() => {
          if (stdout.includes(until)) child.kill('SIGTERM');
        }, 20)
      : undefined;
    child.on('exit', (status) => {
      clearInterval(timer);
      done({ status, stdout, stderr });
    });
  });
}

describe('credential sources in --check and at start-up', () => {
  let imds: MockImds;
  let metadata: MockGoogleMetadata;
  let identity: MockManagedIdentity;
  let onEveryCloud: Record<string, string>;

  beforeAll(async () => {
    mkdirSync(join(dir, 'dist'));
    for (const file of ['switchyard.mjs', 'gateway.mjs']) copyFileSync(resolve('dist', file), join(dir, 'dist', file));
    imds = await new MockImds().start();
    metadata = await new MockGoogleMetadata().start();
    identity = await new MockManagedIdentity().start();
    onEveryCloud = {
      AWS_REGION: 'eu-west-1',
      AWS_EC2_METADATA_DISABLED: 'false',
      AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.endpoint,
      VERTEX_AI_PROJECT_ID: 'my-project',
      GCE_METADATA_HOST: metadata.host,
      METADATA_SERVER_DETECTION: 'ping-only',
      AZURE_OPENAI_ENDPOINT: 'https://myorg.openai.azure.com',
      IDENTITY_ENDPOINT: identity.endpoint,
      IDENTITY_HEADER: identity.identityHeader,
    };
  });
  afterAll(async () => {
    await imds.close();
    await metadata.close();
    await identity.close();
  });

  it('--check names the source of each, never a secret, and exits 0', async () => {
    const result = await run(['--check'], onEveryCloud);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^configuration is valid$/m);
    expect(result.stdout).toMatch(/^active providers: azure-openai, bedrock, vertex-ai$/m);
    expect(result.stdout).toContain('credentials: bedrock: EC2 instance metadata (IMDSv2)\n');
    expect(result.stdout).toContain(
      'credentials: vertex-ai: Google metadata server (the attached service account on GCE, GKE, Cloud Run)\n',
    );
    expect(result.stdout).toContain('credentials: azure-openai: Entra ID managed identity\n');
    for (const secret of [...imds.issued.map((k) => k.secretAccessKey), ...metadata.issued, ...identity.issued])
      expect(result.stdout).not.toContain(secret);
  });

  it('--check fails when a chain finds nothing, with the reasons, and leaves the provider out', async () => {
    const result = await run(['--check'], { AWS_REGION: 'eu-west-1', OPENAI_API_KEY: 'sk-test-0123456789' });
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/^configuration is incomplete$/m);
    expect(result.stdout).toMatch(/^active providers: openai$/m);
    expect(result.stderr).toMatch(
      /^switchyard: bedrock: AWS Bedrock found no credentials \(.*EC2 Instance Metadata Service access disabled.*\)\. Set AWS_BEARER_TOKEN_BEDROCK/m,
    );
  });

  it('the start-up line carries the sources; a provider without credentials is logged as not active', async () => {
    const result = await run(
      [],
      { ...onEveryCloud, GCE_METADATA_HOST: '', METADATA_SERVER_DETECTION: 'none' },
      'is not active',
    );
    const lines = result.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, any>);
    const listening = lines.find((line) => line.msg === 'switchyard listening')!;
    expect(listening.providers).toEqual(['azure-openai', 'bedrock']);
    expect(listening.credentials).toEqual({
      'azure-openai': 'Entra ID managed identity',
      bedrock: 'EC2 instance metadata (IMDSv2)',
    });
    const warning = lines.find((line) => line.provider === 'vertex-ai')!;
    expect(warning.level).toBe('warn');
    expect(warning.msg).toMatch(
      /^provider vertex-ai is not active: Vertex AI found no credentials \(Could not load the default credentials/,
    );
  });
});
