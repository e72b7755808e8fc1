import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startGateway, type TestGateway, waitForLog } from '../helpers/gateway.ts';
import { startGatewayProcess } from '../helpers/gateway-process.ts';
import { chatCompletion, json, MockUpstream, sleep } from '../helpers/mock-upstream.ts';
import { anthropicMessage } from '../helpers/native-mocks.ts';

const chat = (model: string) => ({ model, max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] });
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const POLICIES = [
  {
    name: 'ci',
    key: 'sk-gw-ci-key-0001',
    rpm: 2,
    budget_usd_monthly: 5,
    models: ['openai/gpt-4o-mini', 'anthropic/claude-*'],
    metadata: { team: 'platform', cost_center: 42 },
  },
  // The file need not hold the key: its SHA-256 is enough.
  { name: 'hashed', key_sha256: sha256('sk-gw-hashed-key-0001') },
  { name: 'old', key: 'sk-gw-old-key-0001', expires_at: '2020-01-01T00:00:00Z' },
  { name: 'openai-only', key: 'sk-gw-openai-only-0001', providers: ['openai'] },
];

/** Limits count in one-minute windows: start a counting test early enough in one to finish in it. */
async function awayFromMinuteEnd(): Promise<void> {
  const second = new Date().getUTCSeconds();
  if (second >= 55) await sleep((61 - second) * 1000);
}

describe('per-key policies from GATEWAY_API_KEYS_FILE', () => {
  let upstream: MockUpstream;
  let gw: TestGateway;
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-keys-'));
  const file = join(dir, 'keys.json');

  beforeAll(async () => {
    upstream = await new MockUpstream().start();
    upstream.handle((req, res) => {
      if (req.url.startsWith('/v1/messages'))
        return json(res, 200, {
          ...anthropicMessage('hi', 'claude-sonnet-4-5'),
          usage: { input_tokens: 3, output_tokens: 1 },
        });
      json(res, 200, chatCompletion('ok', req.json?.model));
    });
    writeFileSync(file, JSON.stringify(POLICIES));
    gw = await startGateway({
      GATEWAY_API_KEYS_FILE: file,
      RATE_LIMIT_RPM: '100',
      OPENAI_API_KEY: 'sk-openai-policies',
      OPENAI_BASE_URL: `${upstream.url}/v1`,
      ANTHROPIC_API_KEY: 'sk-ant-policies',
      ANTHROPIC_BASE_URL: upstream.url,
    });
  });
  afterAll(async () => {
    await gw.close();
    await upstream.close();
  });

  it('allows only the models the key lists: anything else is 403 model_not_allowed, in the client’s shape', async () => {
    const ci = bearer('sk-gw-ci-key-0001');
    const refused = await postJson(`${gw.url}/v1/chat/completions`, chat('gpt-4o'), ci);
    expect(refused.status).toBe(403);
    expect(refused.json.error).toMatchObject({ code: 'model_not_allowed', param: 'model' });
    expect(refused.json.error.message).toContain("'ci'");
    expect(upstream.received.some((r) => r.json?.model === 'gpt-4o')).toBe(false);

    const anthropic = new Anthropic({ baseURL: gw.url, apiKey: 'sk-gw-ci-key-0001', maxRetries: 0 });
    const error = await anthropic.messages.create(chat('gpt-4o') as never).catch((e) => e);
    expect(error).toBeInstanceOf(Anthropic.PermissionDeniedError);
    const allowed = await anthropic.messages.create(chat('claude-sonnet-4-5') as never);
    expect(allowed.content).toEqual([{ type: 'text', text: 'hi' }]);
  });

  it('applies the key’s own rpm over the global one, names it, and copies its metadata into the log', async () => {
    await awayFromMinuteEnd();
    const gwRpm = await startGateway({
      GATEWAY_API_KEYS_FILE: file,
      RATE_LIMIT_RPM: '100',
      OPENAI_API_KEY: 'sk-openai-policies',
      OPENAI_BASE_URL: `${upstream.url}/v1`,
    });
    try {
      const ci = bearer('sk-gw-ci-key-0001');
      const statuses = [];
      for (let i = 0; i < 3; i++)
        statuses.push(await postJson(`${gwRpm.url}/v1/chat/completions`, chat('gpt-4o-mini'), ci));
      expect(statuses.map((s) => s.status)).toEqual([200, 200, 429]);
      expect(statuses[0]!.headers.get('x-ratelimit-limit-requests')).toBe('2');
      expect(statuses[2]!.json.error.message).toContain("rpm of key 'ci' (GATEWAY_API_KEYS_FILE)");
      // Another key in the file has no rpm of its own: the global 100 applies.
      const hashed = await postJson(
        `${gwRpm.url}/v1/chat/completions`,
        chat('gpt-4o'),
        bearer('sk-gw-hashed-key-0001'),
      );
      expect(hashed.status).toBe(200);
      expect(hashed.headers.get('x-ratelimit-limit-requests')).toBe('100');
      const line = await waitForLog(gwRpm, (l) => l.msg === 'request' && l.subject === 'ci');
      expect(line.keyMetadata).toEqual({ team: 'platform', cost_center: '42' });
    } finally {
      await gwRpm.close();
    }
  });

  it('refuses an expired key with 401 key_expired', async () => {
    const answer = await postJson(`${gw.url}/v1/chat/completions`, chat('gpt-4o'), bearer('sk-gw-old-key-0001'));
    expect(answer.status).toBe(401);
    expect(answer.json.error).toMatchObject({ code: 'key_expired', type: 'authentication_error' });
  });

  it('restricts providers: a key limited to openai cannot reach anthropic', async () => {
    const key = bearer('sk-gw-openai-only-0001');
    const refused = await postJson(`${gw.url}/v1/chat/completions`, chat('claude-sonnet-4-5'), key);
    expect(refused.status).toBe(403);
    expect((await postJson(`${gw.url}/v1/chat/completions`, chat('gpt-4o'), key)).status).toBe(200);
  });

  it('GET /v1/gateway/keys/self tells the key its policy and what remains of its limits', async () => {
    const response = await fetch(`${gw.url}/v1/gateway/keys/self`, { headers: bearer('sk-gw-ci-key-0001') });
    expect(response.status).toBe(200);
    const self = await response.json();
    expect(self).toMatchObject({
      name: 'ci',
      models: ['openai/gpt-4o-mini', 'anthropic/claude-*'],
      providers: null,
      metadata: { team: 'platform', cost_center: '42' },
    });
    const kinds = Object.fromEntries(self.limits.map((l: { kind: string }) => [l.kind, l]));
    expect(kinds.requests).toMatchObject({ limit: 2 });
    expect(kinds['monthly-budget']).toMatchObject({ limit: 5 });
    expect(kinds['monthly-budget'].remaining).toBeLessThan(5); // the Claude call above was priced
    expect(kinds['monthly-budget'].remaining).toBeGreaterThan(4.99);
    expect(JSON.stringify(self)).not.toContain('sk-gw-ci-key-0001');
    const anonymous = await fetch(`${gw.url}/v1/gateway/keys/self`);
    expect(anonymous.status).toBe(401);
  });

  it('re-reads the file on change; a bad file keeps the previous keys and logs why', async () => {
    const next = [...POLICIES, { name: 'added', key: 'sk-gw-added-key-0001' }];
    // Written elsewhere and renamed in place, as editors and secret mounts do.
    writeFileSync(`${file}.tmp`, JSON.stringify(next));
    renameSync(`${file}.tmp`, file);
    await waitForLog(gw, (l) => l.msg === 'gateway keys reloaded' && l.keys === next.length, 3000);
    const added = await postJson(`${gw.url}/v1/chat/completions`, chat('gpt-4o'), bearer('sk-gw-added-key-0001'));
    expect(added.status).toBe(200);

    writeFileSync(file, '[{"name": "broken", ');
    const warning = await waitForLog(gw, (l) => String(l.msg).startsWith('GATEWAY_API_KEYS_FILE is invalid'), 3000);
    expect(warning.reason).toBe('not valid JSON');
    expect(
      (await postJson(`${gw.url}/v1/chat/completions`, chat('gpt-4o'), bearer('sk-gw-added-key-0001'))).status,
    ).toBe(200);

    writeFileSync(file, JSON.stringify([{ name: 'bad', key: 'sk-gw-bad-key-0001', rpm: 0 }]));
    const invalid = await waitForLog(gw, (l) => String(l.reason ?? '').includes("'rpm'"), 3000);
    expect(invalid.reason).toBe("key 'bad': 'rpm' must be a positive integer (got 0)");
    expect((await postJson(`${gw.url}/v1/chat/completions`, chat('gpt-4o'), bearer('sk-gw-bad-key-0001'))).status).toBe(
      401,
    );
  });

  it('stops start-up on an invalid file, naming the variable and the entry', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify([{ name: 'x', key: 'k1', key_sha256: sha256('k1') }]));
    await expect(startGateway({ GATEWAY_API_KEYS_FILE: bad, OPENAI_API_KEY: 'sk-x' })).rejects.toThrow(
      "GATEWAY_API_KEYS_FILE: key 'x': needs exactly one of 'key' or 'key_sha256'",
    );
  });
});

describe('a YAML key file in the built gateway, reloaded on SIGHUP', () => {
  let child: ChildProcess | undefined;
  afterAll(() => child?.kill('SIGKILL'));

  it('serves the YAML keys, and takes a new file on SIGHUP', async () => {
    const upstream = await new MockUpstream().start();
    upstream.handle((req, res) => json(res, 200, chatCompletion('ok', req.json?.model)));
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-yaml-'));
    const file = join(dir, 'keys.yaml');
    writeFileSync(file, '- name: first\n  key: sk-gw-yaml-first-01\n  models: ["openai/*"]\n');
    const started = await startGatewayProcess({
      GATEWAY_API_KEYS_FILE: file,
      OPENAI_API_KEY: 'sk-openai-yaml',
      OPENAI_BASE_URL: `${upstream.url}/v1`,
    });
    child = started.child;
    const { url } = started;
    try {
      expect((await postJson(`${url}/v1/chat/completions`, chat('gpt-4o'), bearer('sk-gw-yaml-first-01'))).status).toBe(
        200,
      );
      writeFileSync(file, '- name: second\n  key: sk-gw-yaml-second-1\n');
      child.kill('SIGHUP');
      const deadline = Date.now() + 3000;
      while (!started.output().includes('"trigger":"SIGHUP"') && Date.now() < deadline) await sleep(20);
      expect(started.output()).toContain('"trigger":"SIGHUP"');
      expect((await postJson(`${url}/v1/chat/completions`, chat('gpt-4o'), bearer('sk-gw-yaml-second-1'))).status).toBe(
        200,
      );
      expect((await postJson(`${url}/v1/chat/completions`, chat('gpt-4o'), bearer('sk-gw-yaml-first-01'))).status).toBe(
        401,
      );
      expect(child.exitCode).toBeNull(); // SIGHUP reloads; it does not stop the gateway
      expect(started.output()).not.toContain('sk-gw-yaml');
    } finally {
      child.kill('SIGKILL');
      await upstream.close();
    }
  });
});
