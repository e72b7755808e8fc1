import { describe, expect, it } from 'vitest';
import { banner, startupFacts } from '../../src/cli/banner.ts';
import { loadConfig } from '../../src/config/config.ts';

describe('start-up banner', () => {
  it('says what to call and how the gateway is set up, never a Redis password', () => {
    const config = loadConfig({
      OPENAI_API_KEY: 'sk-banner-test-key',
      GATEWAY_API_KEYS: 'ops:sk-gw-banner-key',
      REDIS_URL: 'redis://:sk-redis-banner-pw@cache.internal:6380/2',
      RATE_LIMIT_TPM: '100000',
      BUDGET_USD_DAILY: '5',
      ROUTING_STRATEGY: 'least-latency',
    });
    const facts = startupFacts(config, 8080);
    expect(facts).toMatchObject({
      url: 'http://localhost:8080',
      listen: '0.0.0.0:8080',
      providers: ['openai'],
      routing: 'least-latency',
      limits: '100000 tokens/min, $5/day per key',
      redis: 'redis://cache.internal:6380/2',
      keysRequired: true,
      demo: false,
    });
    const text = banner(facts, '1.2.3', ['a warning']);
    expect(text).toMatch(/^Switchyard 1\.2\.3\n {2}URL {8}http:\/\/localhost:8080\/v1/);
    expect(text).toContain('  keys       required (GATEWAY_API_KEYS)');
    expect(text).toContain('  warning: a warning');
    for (const secret of ['sk-banner-test-key', 'sk-gw-banner-key', 'sk-redis-banner-pw'])
      expect(text + JSON.stringify(facts)).not.toContain(secret);
    expect(text).not.toContain('workers');
  });

  it('with WORKERS, says how many processes serve the port', () => {
    const facts = startupFacts(loadConfig({ DEMO: 'true', WORKERS: '4' }), 8080);
    expect(facts.workers).toBe(4);
    expect(banner(facts, '1.2.3', [])).toContain('  workers    4 processes share the port\n');
  });
});
