import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { concat, eventFrame } from '../helpers/bedrock-event-stream.ts';
import { textAnswer } from '../helpers/gemini-samples.ts';
import { MockTokenEndpoint, makeServiceAccount } from '../helpers/google-token-endpoint.ts';
import { chatCompletion, json, MockUpstream, sleep } from '../helpers/mock-upstream.ts';
import { freePort, waitForOk } from '../helpers/ports.ts';

describe('packaging', () => {
  it("the file the Dockerfile's CMD runs exists after the build", () => {
    const dockerfile = readFileSync('Dockerfile', 'utf8');
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)![1]!) as string[];
    // node itself is PID 1 (signals reach it); `--` keeps Node from reading the gateway's flags.
    expect(cmd.slice(0, 2)).toEqual(['node', '--']);
    const file = cmd[2]!;
    expect(existsSync(resolve(file))).toBe(true);
    // The runtime stage copies exactly that file from the build stage, and the gateway it imports.
    expect(dockerfile).toContain(`/app/${file} ./${file}`);
    expect(dockerfile).toContain('/app/dist/gateway.mjs ./dist/gateway.mjs');
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^ENV .*HOST=0\.0\.0\.0/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n?.*\/ready/m);
  });

  it('the Docker image fills the compile cache as its user, with its flags, and the gateway starts from it', async () => {
    const dockerfile = readFileSync('Dockerfile', 'utf8');
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    const cacheDir = /^ENV NODE_COMPILE_CACHE=(\S+)$/m.exec(runtime)?.[1];
    const nodeOptions = /^ENV .*NODE_OPTIONS=(\S+)/m.exec(runtime)?.[1];
    expect(cacheDir).toBeDefined();
    expect(nodeOptions).toBe('--max-semi-space-size=8');
    // Node keys the cache by user id and V8 flags: it is filled after `USER node`, by the CMD's file.
    const fill = /^RUN (node -- dist\/switchyard\.mjs .*)$/m.exec(runtime);
    expect(fill).not.toBeNull();
    expect(runtime.indexOf('\nUSER node')).toBeLessThan(fill!.index);
    expect(runtime.indexOf('ENV NODE_COMPILE_CACHE')).toBeLessThan(fill!.index);
    // The same steps here: fill the cache as the RUN line does, then start as the CMD does.
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-image-cache-'));
    const env = { PATH: process.env.PATH, NODE_OPTIONS: nodeOptions!, NODE_COMPILE_CACHE: join(dir, 'cache') };
    try {
      const [command, ...args] = fill![1]!.split(' ');
      execFileSync(command === 'node' ? process.execPath : command!, args, { env, stdio: 'ignore' });
      const { stderr: trace } = spawnSync(process.execPath, ['--', 'dist/switchyard.mjs', '--check'], {
        env: { ...env, NODE_DEBUG_NATIVE: 'COMPILE_CACHE', DEMO: 'true' },
        encoding: 'utf8',
      });
      expect(trace).toMatch(/cache for (ESM )?file:\S+dist\/gateway\.mjs was accepted/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the bundle runs alone, with no node_modules, and proxies a request', async () => {
    const upstream = await new MockUpstream().start();
    // Vertex AI's token exchange: the one caller of undici's top-level request(), which the bundle loads on first use.
    const account = makeServiceAccount();
    const tokens = await new MockTokenEndpoint(account).start();
    upstream.handle((req, res) => {
      if (req.url.startsWith('/v1/projects/')) return json(res, 200, textAnswer('from vertex'));
      // A Converse answer for Bedrock (whose signing runs the bundled @smithy code), else OpenAI's.
      // A ConverseStream answer: AWS event-stream framing, which the bundle decodes with code it evaluates on first use.
      if (req.url.endsWith('/converse-stream')) {
        res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream' });
        return void res.end(
          concat([
            eventFrame('messageStart', { role: 'assistant' }),
            eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'streamed from bedrock' } }),
            eventFrame('contentBlockStop', { contentBlockIndex: 0 }),
            eventFrame('messageStop', { stopReason: 'end_turn' }),
            eventFrame('metadata', { usage: { inputTokens: 3, outputTokens: 3, totalTokens: 6 }, metrics: {} }),
          ]),
        );
      }
      if (req.url.startsWith('/bedrock/')) {
        return json(res, 200, {
          output: { message: { role: 'assistant', content: [{ text: 'from bedrock' }] } },
          stopReason: 'end_turn',
          usage: { inputTokens: 3, outputTokens: 2, totalTokens: 5 },
        });
      }
      json(res, 200, chatCompletion('from the bundle'));
    });
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-bundle-'));
    mkdirSync(join(dir, 'dist'));
    for (const file of ['switchyard.mjs', 'gateway.mjs']) copyFileSync(join('dist', file), join(dir, 'dist', file));
    const child = spawn(process.execPath, ['dist/switchyard.mjs'], {
      cwd: dir,
      env: {
        PATH: process.env.PATH,
        // The bundle's compile cache goes under the temporary directory: this test's own, not the shared one.
        TMPDIR: dir,
        PORT: '0',
        HOST: '127.0.0.1',
        OPENAI_API_KEY: 'k',
        OPENAI_BASE_URL: `${upstream.url}/v1`,
        AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG',
        BEDROCK_BASE_URL: `${upstream.url}/bedrock`,
        VERTEX_AI_PROJECT_ID: 'my-project',
        VERTEX_AI_SERVICE_ACCOUNT_JSON: account.json,
        VERTEX_AI_TOKEN_URL: tokens.url,
        VERTEX_AI_BASE_URL: upstream.url,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      for (let i = 0; i < 300 && !out.includes('switchyard listening'); i++) await sleep(10);
      const address = JSON.parse(out.split('\n').find((l) => l.includes('switchyard listening'))!).listen as string;
      const base = `http://127.0.0.1:${address.split(':').at(-1)}`;
      expect((await fetch(`${base}/health`)).status).toBe(200);
      // The dashboard is inside the bundle: no source tree, no build tool, no network.
      expect(await (await fetch(`${base}/ui`)).text()).toContain('<script src="/ui/app.js">');
      expect(await (await fetch(`${base}/ui/app.js`)).text()).toContain('/v1/gateway/requests');
      const response = await fetch(`${base}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o', messages: [] }),
      });
      expect((await response.json()).choices[0].message.content).toBe('from the bundle');
      // Translation runs from the bundle too: an Anthropic-format client to a SigV4-signed Bedrock.
      const translated = await fetch(`${base}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'bedrock/anthropic.claude-3-5-haiku-20241022-v1:0',
          max_tokens: 10,
          messages: [{ role: 'user', content: 'Hi' }],
        }),
      });
      expect((await translated.json()).content).toEqual([{ type: 'text', text: 'from bedrock' }]);
      expect(upstream.last.url).toBe('/bedrock/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/converse');
      expect(upstream.last.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\//);
      const streamed = await fetch(`${base}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'bedrock/anthropic.claude-3-5-haiku-20241022-v1:0',
          stream: true,
          messages: [{ role: 'user', content: 'Hi' }],
        }),
      });
      const events = await streamed.text();
      expect(events).toContain('"content":"streamed from bedrock"');
      expect(events).toContain('"finish_reason":"stop"');
      expect(events.trimEnd().endsWith('data: [DONE]')).toBe(true);
      const vertex = await fetch(`${base}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'vertex-ai/gemini-2.5-pro', messages: [{ role: 'user', content: 'Hi' }] }),
      });
      expect((await vertex.json()).choices[0].message.content).toBe('from vertex');
      expect(upstream.last.headers.authorization).toMatch(/^Bearer ya29\.test-token-\d+$/);
    } finally {
      child.kill('SIGTERM');
      await upstream.close();
      await tokens.close();
    }
  });
});

/** Starts `command` on a free loopback port, proxies one chat completion through it, then stops it. */
async function serveOneCompletion(
  command: string,
  args: string[],
  env: Record<string, string>,
  cwd: string,
): Promise<string> {
  const upstream = await new MockUpstream().start();
  upstream.handle((_req, res) => json(res, 200, chatCompletion('through the artifact')));
  const port = await freePort();
  const child = spawn(command, args, {
    cwd,
    env: { ...env, PORT: String(port), HOST: '127.0.0.1', OPENAI_API_KEY: 'k', OPENAI_BASE_URL: `${upstream.url}/v1` },
    stdio: 'ignore',
  });
  try {
    const base = `http://127.0.0.1:${port}`;
    let healthy = false;
    for (let i = 0; i < 500 && !healthy; i++) {
      healthy = await fetch(`${base}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (!healthy) await sleep(10);
    }
    expect(healthy).toBe(true);
    const response = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o', messages: [] }),
    });
    return (await response.json()).choices[0].message.content as string;
  } finally {
    child.kill('SIGTERM');
    await upstream.close();
  }
}

describe('release artifacts', () => {
  it('the bundle ships the license of every npm package it carries', () => {
    const licenses = readFileSync('dist/THIRD_PARTY_LICENSES', 'utf8');
    const bundled = [...licenses.matchAll(/^(\S+)@\d[^ ]* \(([^)]+)\)$/gm)].map((m) => m[1]);
    for (const name of [
      'undici',
      'zod',
      'pino',
      'eventsource-parser',
      'prom-client',
      '@smithy/signature-v4',
      '@smithy/eventstream-codec',
      '@aws-crypto/sha256-js',
      // Embedded compressed, compiled on first use (scripts/esbuild-options.mjs), listed all the same.
      '@aws-sdk/credential-providers',
      'google-auth-library',
      '@azure/identity',
    ]) {
      expect(bundled).toContain(name);
    }
    // Each entry carries its license text, not just its name.
    expect(licenses).toContain('Permission is hereby granted, free of charge');
    expect(licenses).toContain('Apache License');
    expect(bundled).not.toContain('vitest');
  });

  it('the packed npm tarball installs into an empty folder and runs through its bin', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-pack-'));
    const packed = execFileSync('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', dir], {
      encoding: 'utf8',
    })
      .trim()
      .split('\n')
      .at(-1)!;
    const tarball = join(dir, packed);
    const listing = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' });
    expect(listing).toContain('package/dist/switchyard.mjs');
    expect(listing).toContain('package/dist/gateway.mjs');
    expect(listing).toContain('package/dist/THIRD_PARTY_LICENSES');
    expect(listing).not.toMatch(/package\/(src|test|conformance|bench)\//);
    const app = join(dir, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), '{"name":"app","private":true}');
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--offline', tarball], { cwd: app, stdio: 'ignore' });
    const bin = join(app, 'node_modules/.bin/switchyard');
    expect(execFileSync(bin, ['--version'], { encoding: 'utf8', env: { ...process.env, TMPDIR: dir } }).trim()).toBe(
      JSON.parse(readFileSync('package.json', 'utf8')).version,
    );
    expect(await serveOneCompletion(bin, [], { PATH: process.env.PATH ?? '', TMPDIR: dir }, app)).toBe(
      'through the artifact',
    );
    // What the README's first command does: `npx <package name> --demo`, no key anywhere.
    const name = JSON.parse(readFileSync('package.json', 'utf8')).name as string;
    const port = await freePort();
    const npx = spawn('npx', ['--offline', name, '--demo'], {
      cwd: app,
      env: { PATH: process.env.PATH ?? '', HOME: dir, TMPDIR: dir, PORT: String(port), LOG_FORMAT: 'json' },
      stdio: 'ignore',
      // Its own process group: npx does not pass SIGTERM on to the gateway, the group gets it.
      detached: true,
    });
    try {
      const base = `http://127.0.0.1:${port}`;
      await waitForOk(`${base}/health`, 1000);
      const demo = await fetch(`${base}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'demo', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(demo.headers.get('x-gateway-demo')).toBe('true');
      expect((await demo.json()).choices[0].message.content).toContain('demo provider');
    } finally {
      process.kill(-npx.pid!, 'SIGTERM');
    }
  }, 60_000);

  it('the single executable runs alone, with no node on PATH', async () => {
    execFileSync(process.execPath, ['scripts/build-binary.mjs'], { stdio: 'ignore' });
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-sea-'));
    copyFileSync('dist/switchyard', join(dir, 'switchyard'));
    chmodSync(join(dir, 'switchyard'), 0o755);
    expect(await serveOneCompletion(join(dir, 'switchyard'), [], { PATH: '/nonexistent' }, dir)).toBe(
      'through the artifact',
    );
    // WORKERS: node:cluster forks the executable itself, which gets the primary's arguments.
    const workers = { PATH: '/nonexistent', WORKERS: '2' };
    expect(await serveOneCompletion(join(dir, 'switchyard'), ['--host', '127.0.0.1'], workers, dir)).toBe(
      'through the artifact',
    );
  }, 120_000);
});
