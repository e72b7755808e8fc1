import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, renderedDom, screenshot } from '../helpers/chromium.ts';
import { postJson, startGateway, type TestGateway } from '../helpers/gateway.ts';
import { chatCompletion, json, MockUpstream } from '../helpers/mock-upstream.ts';

/** Where a failing run leaves its screenshot (CI keeps the folder). */
const ARTIFACTS = resolve('artifacts');

describe.runIf(CHROMIUM)('dashboard in headless Chromium', () => {
  let upstream: MockUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    upstream = await new MockUpstream().start();
    upstream.handle((req, res) => json(res, 200, chatCompletion('hi', req.json.model)));
    // No ADMIN_API_KEYS: a loopback-bound gateway serves the admin API to local clients.
    gw = await startGateway({ OPENAI_API_KEY: 'sk-openai-SECRET-ui', OPENAI_BASE_URL: `${upstream.url}/v1` });
  });
  afterAll(async () => {
    await gw.close();
    await upstream.close();
  });

  it('shows a request that was just made, with its totals and configuration', { timeout: 90_000 }, async () => {
    const answer = await postJson(
      `${gw.url}/v1/chat/completions`,
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] },
      { 'x-gateway-user': 'dashboard-user' },
    );
    expect(answer.status).toBe(200);
    const requestId = answer.headers.get('x-request-id') as string;
    // The page's first refresh runs at load: the request must already be in the store by then (<1 s).
    await new Promise((r) => setTimeout(r, 400));
    const dom = await renderedDom(`${gw.url}/ui`);
    try {
      expect(dom).toContain(`data-request-id="${requestId}"`);
      expect(dom).toContain('dashboard-user');
      expect(dom).toMatch(/<b>1<\/b><span>requests<\/span>/);
      expect(dom).toContain('gpt-4o');
      expect(dom).toContain('"store": "sqlite"'); // the configuration panel
      expect(dom).not.toContain('sk-openai-SECRET-ui');
      expect(dom).not.toContain('id="notice">'); // the error banner stays hidden
    } catch (error) {
      mkdirSync(ARTIFACTS, { recursive: true });
      const file = join(ARTIFACTS, 'dashboard-failure.png');
      await screenshot(`${gw.url}/ui`, file);
      throw new Error(`${(error as Error).message}\nscreenshot of the dashboard: ${file}`);
    }
  });

  it('is served from the gateway itself: page, script and style, no outside URL', async () => {
    const page = await (await fetch(`${gw.url}/ui`)).text();
    expect(page).toContain('<script src="/ui/app.js">');
    const script = await fetch(`${gw.url}/ui/app.js`);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const code = await script.text();
    expect(code).toContain('/v1/gateway/requests');
    expect(`${page}${code}`).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
    expect((await fetch(`${gw.url}/ui/style.css`)).status).toBe(200);
    expect((await fetch(`${gw.url}/ui/nothing.js`)).status).toBe(404);
  });
});
