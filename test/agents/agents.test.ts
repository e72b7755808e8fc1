/**
 * Real coding agents from npm (pinned in scripts/install-agents.sh) run non-interactively through
 * the gateway against scripted mock providers of each wire format (test/helpers/scripted-providers.ts):
 * a plain prompt, and a tool round trip (the model calls the agent's shell tool to write a file,
 * then answers once it sees the result). opencode and Qwen Code run once per OpenAI API they speak
 * (Chat Completions, Responses); each case checks the gateway answered on the agent's own endpoint.
 * Offline: every agent is pointed at the gateway, with
 * telemetry and auto-update off. `npm run test:agents`; the CLIs come from AGENTS_DIR.
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
const bin = (name: string) => join(AGENTS_DIR, 'node_modules', '.bin', name);
const GATEWAY_KEY = 'sy-agents-client-key';

/** The model each provider format is reached through (routed by its provider prefix). */
const MODELS: Record<ScriptedFormat, string> = {
  openai: 'openai/gpt-4.1',
  anthropic: 'anthropic/claude-sonnet-4-5',
  gemini: 'gemini/gemini-2.5-pro',
};

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs an agent CLI in `cwd` with a clean environment (no inherited keys or proxies) and a deadline. */
function runAgent(command: string, args: string[], env: Record<string, string>, cwd: string, timeoutMs = 90_000) {
  return new Promise<Run>((resolve) => {
    const child = spawn(command, args, {
      cwd,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        TERM: 'dumb',
        NO_COLOR: '1',
        CI: '1',
        // Offline: a CLI that reaches for the npm registry at run time fails at once instead.
        npm_config_registry: 'http://127.0.0.1:9/',
        npm_config_offline: 'true',
        ...env,
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

interface Agent {
  name: string;
  /** The CLI, its arguments and environment for one prompt against `model` at the gateway. */
  invocation(
    prompt: string,
    model: string,
    gateway: string,
    home: string,
  ): { args: string[]; env: Record<string, string> };
  binary: string;
  /** The gateway endpoint the agent speaks, checked in the gateway's log lines. */
  api: '/v1/messages' | '/v1/responses' | '/v1/chat/completions' | '/v1beta/models/';
  /** Cases left out, with the reason. */
  skip?: (format: ScriptedFormat, kind: 'prompt' | 'tool') => string | undefined;
}

/** opencode with an OpenAI provider package: `@ai-sdk/openai-compatible` (Chat Completions) or `@ai-sdk/openai` (Responses API). */
const opencode =
  (npm: string): Agent['invocation'] =>
  (prompt, model, gateway, home) => ({
    args: ['run', ...(process.env.AGENT_DEBUG ? ['--print-logs'] : []), '-m', `switchyard/${model}`, prompt],
    env: {
      HOME: home,
      // Holds the plugin SDK opencode would otherwise install from npm on start (install-agents.sh).
      XDG_CONFIG_HOME: join(AGENTS_DIR, 'opencode-config'),
      XDG_DATA_HOME: join(home, '.local', 'share'),
      XDG_CACHE_HOME: join(home, '.cache'),
      XDG_STATE_HOME: join(home, '.local', 'state'),
      OPENCODE_CONFIG_CONTENT: JSON.stringify({
        $schema: 'https://opencode.ai/config.json',
        autoupdate: false,
        share: 'disabled',
        permission: { bash: 'allow', edit: 'allow' },
        provider: {
          switchyard: {
            npm,
            name: 'Switchyard',
            options: { baseURL: `${gateway}/v1`, apiKey: GATEWAY_KEY },
            models: { [model]: { name: model, tool_call: true } },
          },
        },
      }),
      OPENCODE_DISABLE_AUTOUPDATE: '1',
      OPENCODE_FAST_BOOT: '1',
      OPENCODE_EXPERIMENTAL_DISABLE_FILEWATCHER: '1',
      OPENCODE_DISABLE_MODELS_FETCH: '1',
      OPENCODE_DISABLE_SHARE: '1',
      OPENCODE_DISABLE_LSP_DOWNLOAD: '1',
      OPENCODE_DISABLE_DEFAULT_PLUGINS: '1',
    },
  });

/** Qwen Code with an auth type: `openai` (Chat Completions) or `openai-responses`. */
const qwen =
  (authType: string): Agent['invocation'] =>
  (prompt, model, gateway, home) => ({
    args: ['-p', prompt, '--yolo', '--auth-type', authType, '-m', model],
    env: {
      HOME: home,
      OPENAI_BASE_URL: `${gateway}/v1`,
      OPENAI_API_KEY: GATEWAY_KEY,
      OPENAI_MODEL: model,
    },
  });

/** The same CLI's plain prompt runs in its other entry; the round trip ends in a plain answer too (CI time). */
const roundTripOnly: Agent['skip'] = (_format, kind) =>
  kind === 'prompt' ? 'its plain prompt runs in the entry above' : undefined;

const AGENTS: Agent[] = [
  {
    name: 'Claude Code',
    binary: 'claude',
    api: '/v1/messages',
    invocation: (prompt, model, gateway, home) => ({
      args: ['-p', prompt, '--output-format', 'text', '--dangerously-skip-permissions', '--allowedTools', 'Bash'],
      env: {
        HOME: home,
        CLAUDE_CONFIG_DIR: join(home, '.claude'),
        ANTHROPIC_BASE_URL: gateway,
        ANTHROPIC_API_KEY: GATEWAY_KEY,
        ANTHROPIC_MODEL: model,
        ANTHROPIC_DEFAULT_HAIKU_MODEL: model,
        ANTHROPIC_DEFAULT_SONNET_MODEL: model,
        ANTHROPIC_DEFAULT_OPUS_MODEL: model,
        CLAUDE_CODE_SUBAGENT_MODEL: model,
        // Root in a container: Claude Code refuses --dangerously-skip-permissions as root elsewhere.
        IS_SANDBOX: '1',
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
        DISABLE_AUTOUPDATER: '1',
        DISABLE_TELEMETRY: '1',
        DISABLE_ERROR_REPORTING: '1',
      },
    }),
  },
  {
    name: 'Codex CLI',
    binary: 'codex',
    api: '/v1/responses',
    invocation: (prompt, model, gateway, home) => ({
      args: [
        'exec',
        '--skip-git-repo-check',
        '--dangerously-bypass-approvals-and-sandbox',
        '-m',
        model,
        '-c',
        'model_provider="switchyard"',
        '-c',
        `model_providers.switchyard={ name = "Switchyard", base_url = "${gateway}/v1", env_key = "SWITCHYARD_KEY", wire_api = "responses" }`,
        // Web search runs only at OpenAI: a translated request with it is refused by name (400).
        '-c',
        'web_search="disabled"',
        '-c',
        'analytics.enabled=false',
        '-c',
        'check_for_update_on_startup=false',
        prompt,
      ],
      env: { HOME: home, CODEX_HOME: join(home, '.codex'), SWITCHYARD_KEY: GATEWAY_KEY },
    }),
  },
  {
    name: 'opencode',
    binary: 'opencode',
    api: '/v1/chat/completions',
    invocation: opencode('@ai-sdk/openai-compatible'),
  },
  {
    name: 'opencode (Responses API)',
    binary: 'opencode',
    api: '/v1/responses',
    skip: roundTripOnly,
    invocation: opencode('@ai-sdk/openai'),
  },
  {
    name: 'Gemini CLI',
    binary: 'gemini',
    api: '/v1beta/models/',
    // Through the Gemini client format: the model (with its provider prefix) goes in the URL path.
    invocation: (prompt, model, gateway, home) => ({
      args: ['-p', prompt, '--yolo', '-m', model, '--output-format', 'text'],
      env: {
        HOME: home,
        GEMINI_API_KEY: GATEWAY_KEY,
        GOOGLE_GEMINI_BASE_URL: gateway,
        GEMINI_CLI_TRUST_WORKSPACE: 'true',
        GEMINI_CLI_NO_RELAUNCH: 'true',
      },
    }),
  },
  { name: 'Qwen Code', binary: 'qwen', api: '/v1/chat/completions', invocation: qwen('openai') },
  {
    name: 'Qwen Code (Responses API)',
    binary: 'qwen',
    api: '/v1/responses',
    skip: roundTripOnly,
    invocation: qwen('openai-responses'),
  },
];

/** Per-agent settings files that keep each CLI quiet and offline. */
function prepareHome(agent: Agent, home: string): void {
  if (agent.name === 'Gemini CLI') {
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
  }
  if (agent.name === 'Codex CLI') mkdirSync(join(home, '.codex'), { recursive: true });
  if (agent.name.startsWith('Qwen Code')) {
    mkdirSync(join(home, '.qwen'), { recursive: true });
    writeFileSync(
      join(home, '.qwen', 'settings.json'),
      JSON.stringify({ usageStatisticsEnabled: false, telemetry: { enabled: false }, checkForUpdates: false }),
    );
  }
}

const missing = AGENTS.filter((agent) => !existsSync(bin(agent.binary))).map((agent) => agent.name);

describe('coding agents through the gateway (scripts/install-agents.sh)', () => {
  // This suite is asked for by name: agents not installed are a failure, never a silent skip.
  it('every agent CLI is installed', () => {
    expect(missing, `run scripts/install-agents.sh (AGENTS_DIR=${AGENTS_DIR})`).toEqual([]);
  });

  const providers = {} as Record<ScriptedFormat, ScriptedProvider>;
  let gw: TestGateway;
  let scratch: string;

  beforeAll(async () => {
    for (const format of Object.keys(MODELS) as ScriptedFormat[])
      providers[format] = await startScriptedProvider(format);
    gw = await startGateway({
      GATEWAY_API_KEYS: GATEWAY_KEY,
      OPENAI_API_KEY: 'sk-openai-SECRET-agents',
      OPENAI_BASE_URL: `${providers.openai.url}/v1`,
      ANTHROPIC_API_KEY: 'sk-ant-SECRET-agents',
      ANTHROPIC_BASE_URL: `${providers.anthropic.url}/v1`,
      GEMINI_API_KEY: 'gemini-SECRET-agents',
      GEMINI_BASE_URL: providers.gemini.url,
    });
    scratch = mkdtempSync(join(tmpdir(), 'switchyard-agents-'));
  });
  afterAll(async () => {
    await gw?.close();
    for (const provider of Object.values(providers)) await provider?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  for (const agent of AGENTS) {
    describe(agent.name, () => {
      for (const format of Object.keys(MODELS) as ScriptedFormat[]) {
        const run = async (prompt: string) => {
          const home = mkdtempSync(join(scratch, 'home-'));
          const cwd = mkdtempSync(join(scratch, 'work-'));
          prepareHome(agent, home);
          const { args, env } = agent.invocation(prompt, MODELS[format], gw.url, home);
          const result = await runAgent(bin(agent.binary), args, env, cwd);
          // AGENT_DEBUG=1 shows what the agent printed on stderr.
          if (process.env.AGENT_DEBUG) console.log(result.stderr);
          return { ...result, cwd };
        };
        /** Whether the gateway answered the agent on its own endpoint, from the provider of this format, since `from`. */
        const answeredOnItsApi = (from: number) =>
          gw.logs
            .slice(from)
            .some((line) => String(line.path).startsWith(agent.api) && line.provider === format && line.status === 200);

        const skipPrompt = agent.skip?.(format, 'prompt');
        it.skipIf(Boolean(skipPrompt))(
          `a plain prompt to a ${format}-format provider${skipPrompt ? ` (${skipPrompt})` : ''}`,
          async () => {
            const before = providers[format].received.length;
            const logs = gw.logs.length;
            const result = await run('Say hello.');
            expect(result.stdout + result.stderr, result.stderr).toContain(PLAIN_ANSWER);
            expect(result.code, result.stderr).toBe(0);
            expect(providers[format].received.length).toBeGreaterThan(before);
            expect(answeredOnItsApi(logs), `no 200 on ${agent.api} from ${format}`).toBe(true);
          },
        );

        const skipTool = agent.skip?.(format, 'tool');
        it.skipIf(Boolean(skipTool))(
          `a shell tool round trip with a ${format}-format provider${skipTool ? ` (${skipTool})` : ''}`,
          async () => {
            const target = join(mkdtempSync(join(scratch, 'out-')), 'proof.txt');
            const calls = providers[format].toolCalls.length;
            const logs = gw.logs.length;
            const result = await run(writeFilePrompt(target));
            expect(providers[format].toolCalls.length, result.stderr).toBeGreaterThan(calls);
            expect(existsSync(target), `${result.stdout}\n${result.stderr}`).toBe(true);
            expect(readFileSync(target, 'utf8')).toBe(FILE_CONTENT);
            expect(result.stdout + result.stderr, result.stderr).toContain(FINAL_ANSWER);
            expect(result.code, result.stderr).toBe(0);
            expect(answeredOnItsApi(logs), `no 200 on ${agent.api} from ${format}`).toBe(true);
          },
        );
      }
    });
  }
});
