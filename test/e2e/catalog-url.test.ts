import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '../helpers/gateway.ts';
import { json, MockUpstream } from '../helpers/mock-upstream.ts';

describe('CATALOG_URL', () => {
  let source: MockUpstream;
  beforeAll(async () => {
    source = await new MockUpstream().start();
    source.handle((req, res) => {
      if (req.url === '/prices.json') {
        return json(res, 200, {
          'gpt-9': {
            litellm_provider: 'openai',
            mode: 'chat',
            input_cost_per_token: 0.00001,
            output_cost_per_token: 0.00003,
          },
        });
      }
      json(res, 500, { error: 'down' });
    });
  });
  afterAll(() => source.close());

  it('replaces the built-in catalog with a fresh copy fetched at start-up', async () => {
    const gw = await startGateway({ OPENAI_API_KEY: 'k', CATALOG_URL: `${source.url}/prices.json` });
    try {
      const models = (await (await fetch(`${gw.url}/v1/models`)).json()).data;
      expect(models.map((m: { id: string }) => m.id)).toEqual(['openai/gpt-9']);
    } finally {
      await gw.close();
    }
  });

  it('falls back to the built-in catalog with a warning when the URL fails', async () => {
    const gw = await startGateway({ OPENAI_API_KEY: 'k', CATALOG_URL: `${source.url}/broken.json` });
    try {
      const models = (await (await fetch(`${gw.url}/v1/models`)).json()).data;
      expect(models.length).toBeGreaterThan(100);
      expect(gw.logs.some((l) => l.level === 'warn' && String(l.msg).includes('CATALOG_URL'))).toBe(true);
    } finally {
      await gw.close();
    }
  });
});
