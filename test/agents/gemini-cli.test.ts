/**
 * Gemini CLI (`@google/gemini-cli`, pinned in scripts/install-agents.sh) through the gateway's
 * Gemini client format, against scripted mock providers of each wire format
 * (test/helpers/scripted-providers.ts): a plain prompt, and a shell-tool round trip. Offline:
 * GOOGLE_GEMINI_BASE_URL points at the gateway, the gateway key is its GEMINI_API_KEY, telemetry
 * and update checks are off. `npm run test:agents`; the CLI comes from AGENTS_DIR.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import {
  FILE_CONTENT,
  FINAL_ANSWER,
  PLAIN_ANSWER,
  type ScriptedFormat,
  type ScriptedProvider,
  startScriptedProvider,
  writeFilePrompt,
} from '../helpers/scripted-providers.ts';

const AGENTS_DIR = process.env.AGENTS_DIR ?? join(homedir(), '.cache', 'switchyard-agents');
const GEMINI = join(AGENTS_DIR, 'node_modules', '.bin', 'gemini');
const GATEWAY_KEY = 'sy-gemini-cli-client-key';

/** The model each provider format is reached through (routed by its provider prefix, in the URL path). */
const MODELS: Record<ScriptedFormat, string> = {
  openai: 'openai/gpt-4.1',
  anthropic: 'anthropic/claude-sonnet-4-5',
  gemini: 'gemini/gemini-2.5-pro',
};

function runGemini(prompt: string, model: string, gateway: string, home: string, cwd: string, timeoutMs = 90_000) {
  mkdirSync(join(home, '.gemini'), { recursive: true });
  writeFileSync(
    join(home, '.gemini', 'settings.json'),
    JSON.stringify({
      security: { auth: { selectedType: 'gemini-api-key' } },
      privacy: { usageStatisticsEnabled: false },
      telemetry: { enabled: false },
      general: { disableAutoUpdate: true, disableUpdateNag: true },
      // The router and the next-speaker check would ask other (Gemini) models on the side.
      model: { skipNextSpeakerCheck: true },
    }),
  );
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(GEMINI, ['-p', prompt, '--yolo', '-m', model, '--output-format', 'text'], {
      cwd,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        TERM: 'dumb',
        NO_COLOR: '1',
        CI: '1',
        HOME: home,
        GEMINI_API_KEY: GATEWAY_KEY,
        GOOGLE_GEMINI_BASE_URL: gateway,
        GEMINI_CLI_TRUST_WORKSPACE: 'true',
        GEMINI_CLI_NO_RELAUNCH: 'true',
        npm_config_registry: 'http://127.0.0.1:9/',
        npm_config_offline: 'true',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe.skipIf(!existsSync(GEMINI))('Gemini CLI through the gateway (scripts/install-agents.sh)', () => {
  const providers = {} as Record<ScriptedFormat, ScriptedProvider>;
  let gw: TestGateway;
  let scratch: string;

  beforeAll(async () => {
    for (const format of Object.keys(MODELS) as ScriptedFormat[])
      providers[format] = await startScriptedProvider(format);
    gw = await startGateway({
      GATEWAY_API_KEYS: GATEWAY_KEY,
      OPENAI_API_KEY: 'sk-openai-SECRET-gemini-cli',
      OPENAI_BASE_URL: `${providers.openai.url}/v1`,
      ANTHROPIC_API_KEY: 'sk-ant-SECRET-gemini-cli',
      ANTHROPIC_BASE_URL: `${providers.anthropic.url}/v1`,
      GEMINI_API_KEY: 'gemini-SECRET-gemini-cli',
      GEMINI_BASE_URL: providers.gemini.url,
    });
    scratch = mkdtempSync(join(tmpdir(), 'switchyard-gemini-cli-'));
  });
  afterAll(async () => {
    await gw?.close();
    for (const provider of Object.values(providers)) await provider?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  const run = async (prompt: string, format: ScriptedFormat) => {
    const home = mkdtempSync(join(scratch, 'home-'));
    const cwd = mkdtempSync(join(scratch, 'work-'));
    const result = await runGemini(prompt, MODELS[format], gw.url, home, cwd);
    if (process.env.AGENT_DEBUG) console.log(result.stderr.slice(0, 4000));
    return { ...result, cwd };
  };

  for (const format of Object.keys(MODELS) as ScriptedFormat[]) {
    it(`a plain prompt to a ${format}-format provider`, async () => {
      const before = providers[format].received.length;
      const result = await run('Say hello.', format);
      expect(result.stdout, result.stderr).toContain(PLAIN_ANSWER);
      expect(result.code, result.stderr).toBe(0);
      expect(providers[format].received.length).toBeGreaterThan(before);
    });

    it(`a shell tool round trip with a ${format}-format provider`, async () => {
      const calls = providers[format].toolCalls.length;
      const cwd = mkdtempSync(join(scratch, 'target-'));
      const target = join(cwd, 'proof.txt');
      const result = await run(writeFilePrompt(target), format);
      expect(providers[format].toolCalls.length, result.stderr).toBe(calls + 1);
      expect(providers[format].toolCalls.at(-1)?.name).toBe('run_shell_command');
      expect(existsSync(target), result.stderr).toBe(true);
      expect(readFileSync(target, 'utf8')).toBe(FILE_CONTENT);
      expect(result.stdout, result.stderr).toContain(FINAL_ANSWER);
      expect(result.code, result.stderr).toBe(0);
    });
  }
});
