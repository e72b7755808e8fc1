/**
 * Runs every example of the README against the demo provider: the commands that start the gateway
 * (with PORT set so they do not need 8080), the curl commands, and the SDK snippets with the
 * variables the README's client table gives. A block nobody can run here fails the test.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, waitForOk } from '../helpers/ports.ts';

const run = promisify(execFile);
const README = readFileSync('README.md', 'utf8');
const blocks = [...README.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({
  lang: m[1] as string,
  code: m[2] as string,
}));

/** Shell commands, one per line, continuations joined and comments removed. */
const commandsOf = (code: string) =>
  code
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter(Boolean);

/** The README's ways to start the gateway, as this checkout runs them. */
const LAUNCHERS: [RegExp, string][] = [
  [/^npx switchyard-gateway\b/, resolve('dist/switchyard.mjs')],
  [/^node -- dist\/switchyard\.mjs\b/, `${process.execPath} -- dist/switchyard.mjs`],
];
/** Commands CI itself runs: installing and the suite. */
const CI_STEPS = [/^npm ci$/, /^npm test$/];

const isLaunch = (command: string) => LAUNCHERS.some(([pattern]) => pattern.test(command));
const asRunHere = (command: string) => LAUNCHERS.reduce((c, [pattern, local]) => c.replace(pattern, local), command);

const children: ChildProcess[] = [];
async function launch(command: string): Promise<string> {
  const port = await freePort();
  const child = spawn('bash', ['-c', `exec ${asRunHere(command)}`], {
    env: { PATH: process.env.PATH, PORT: String(port), LOG_FORMAT: 'json' },
    stdio: 'ignore',
  });
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  if (await waitForOk(`${url}/ready`)) return url;
  throw new Error(`'${command}' did not start a ready gateway`);
}

let gateway = '';
beforeAll(async () => {
  const first = blocks.flatMap((b) => (b.lang === 'sh' ? commandsOf(b.code) : [])).find(isLaunch);
  gateway = await launch(first as string);
});
afterAll(() => {
  for (const child of children) child.kill('SIGTERM');
});

describe('README examples, against the demo provider', () => {
  it('has examples, each of a kind this test runs', () => {
    expect(blocks.length).toBeGreaterThan(4);
    for (const block of blocks) expect(['sh', 'js']).toContain(block.lang);
  });

  const shell = blocks.filter((b) => b.lang === 'sh').flatMap((b) => commandsOf(b.code));
  it.each(shell)('%s', async (line) => {
    const steps = line.split(/\s*&&\s*/).filter((step) => !CI_STEPS.some((ci) => ci.test(step)));
    for (const step of steps) {
      if (isLaunch(step)) {
        // Its own gateway: started the README's way, ready, and answering the demo.
        const url = await launch(step);
        const res = await fetch(`${url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'demo', messages: [{ role: 'user', content: 'hi' }] }),
        });
        expect(res.headers.get('x-gateway-demo')).toBe('true');
        continue;
      }
      const { stdout } = await run('bash', [
        '-euo',
        'pipefail',
        '-c',
        step.replaceAll('http://localhost:8080', gateway),
      ]);
      expect(stdout).not.toMatch(/"error"/);
      expect(stdout.length).toBeGreaterThan(0);
    }
  });

  const scripts = blocks.filter((b) => b.lang === 'js').map((b) => b.code);
  it.each(scripts)('node: %s', async (code) => {
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', code], {
      env: {
        PATH: process.env.PATH,
        // The client table's settings.
        OPENAI_BASE_URL: `${gateway}/v1`,
        OPENAI_API_KEY: 'any',
        ANTHROPIC_BASE_URL: gateway,
        ANTHROPIC_API_KEY: 'any',
      },
    });
    expect(stdout).toContain('Switchyard demo provider');
  });
});
