import { describe, expect, it } from 'vitest';
import { postJson, startGateway } from '../helpers/gateway.ts';
import { json, MockUpstream } from '../helpers/mock-upstream.ts';

/**
 * Every test gateway runs at LOG_LEVEL=debug; its log lines are scanned for the credentials the
 * test configured when it closes, and every response read through the helpers is scanned too.
 * These tests show the scan catches a leak, so its silence elsewhere means something.
 */
describe('the secrets scan', () => {
  it('fails a gateway whose logs contain a configured key', async () => {
    const gw = await startGateway({ OPENAI_API_KEY: 'sk-scan-provider-key' });
    gw.logs.push({ msg: 'oops', header: 'Bearer sk-scan-provider-key' });
    await expect(gw.close()).rejects.toThrow(/secret appeared in the gateway's logs/);
  });

  it('fails a response that contains a configured key', async () => {
    const upstream = await new MockUpstream().start();
    upstream.handle((req, res) => json(res, 200, { echoed: req.headers.authorization }));
    const gw = await startGateway({ OPENAI_API_KEY: 'sk-scan-echoed-key', OPENAI_BASE_URL: `${upstream.url}/v1` });
    try {
      await expect(postJson(`${gw.url}/v1/chat/completions`, { model: 'gpt-4o', messages: [] })).rejects.toThrow(
        /secret appeared in a response/,
      );
    } finally {
      await gw.close();
      await upstream.close();
    }
  });
});
