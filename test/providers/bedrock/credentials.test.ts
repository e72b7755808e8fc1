import { describe, expect, it } from 'vitest';
import { type ConfigError, loadConfig } from '../../../src/config/config.ts';
import bedrock from '../../../src/providers/bedrock/index.ts';
import { activeProviders, isActive } from '../../../src/providers/registry.ts';

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    return (error as ConfigError).problems;
  }
}

describe('Bedrock credential settings', () => {
  it.each([
    [{ AWS_REGION: 'eu-west-1' }],
    [{ AWS_BEARER_TOKEN_BEDROCK: 'ABSKexample' }],
    [{ BEDROCK_ROLE_ARN: 'arn:aws:iam::123456789012:role/bedrock' }],
    [{ AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' }],
  ])('%o activates Bedrock', (env) => {
    expect(isActive(bedrock, env)).toBe(true);
  });

  it('does not activate on AWS_PROFILE alone (a developer profile for other AWS work)', () => {
    expect(isActive(bedrock, { AWS_PROFILE: 'dev' })).toBe(false);
  });

  it('refuses a role ARN that is no IAM role, and a role with a Bedrock API key', () => {
    expect(problemsOf({ BEDROCK_ROLE_ARN: 'bedrock-role' })).toEqual([
      "BEDROCK_ROLE_ARN: must be an IAM role ARN such as arn:aws:iam::123456789012:role/bedrock (got 'bedrock-role')",
    ]);
    expect(
      problemsOf({ AWS_BEARER_TOKEN_BEDROCK: 'ABSKexample', BEDROCK_ROLE_ARN: 'arn:aws:iam::123456789012:role/b' }),
    ).toEqual([
      'BEDROCK_ROLE_ARN: a role cannot be assumed with a Bedrock API key (AWS_BEARER_TOKEN_BEDROCK); set one',
    ]);
    expect(problemsOf({ BEDROCK_ROLE_ARN: 'arn:aws-us-gov:iam::123456789012:role/path/bedrock' })).toEqual([]);
  });

  it('a Bedrock API key is a header that serialising or inspecting the provider never shows', async () => {
    const provider = activeProviders({ AWS_BEARER_TOKEN_BEDROCK: 'ABSKsecret-EXAMPLE-0123' }).get('bedrock')!;
    expect(provider.authorize).toBeUndefined();
    expect(provider.authHeaders).toEqual({ authorization: 'Bearer ABSKsecret-EXAMPLE-0123' });
    expect(JSON.stringify(provider)).not.toContain('ABSKsecret');
    expect(await provider.credentialSource!()).toBe('Bedrock API key (AWS_BEARER_TOKEN_BEDROCK)');
  });

  it('keys in the environment are described, never shown', async () => {
    const provider = activeProviders({ AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'sekrit-123' }).get(
      'bedrock',
    )!;
    const source = await provider.credentialSource!();
    expect(source).toBe('environment (AWS_ACCESS_KEY_ID)');
    expect(source).not.toContain('AKIDEXAMPLE');
  });
});
