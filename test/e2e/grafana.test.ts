import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { postJson, startGateway } from '../helpers/gateway.ts';
import { chatCompletion, json, MockUpstream } from '../helpers/mock-upstream.ts';

interface Panel {
  title: string;
  targets: { expr: string }[];
}

describe('Grafana dashboard (deploy/grafana/switchyard.json)', () => {
  const dashboard = JSON.parse(readFileSync('deploy/grafana/switchyard.json', 'utf8')) as {
    uid: string;
    panels: Panel[];
  };

  it('queries only metrics the gateway serves at /metrics', async () => {
    const upstream = await new MockUpstream().start();
    upstream.handle((_req, res) => json(res, 200, chatCompletion('hi', 'gpt-4o')));
    const gw = await startGateway({ OPENAI_API_KEY: 'sk-openai-SECRET-graf', OPENAI_BASE_URL: `${upstream.url}/v1` });
    try {
      await postJson(`${gw.url}/v1/chat/completions`, { model: 'gpt-4o', messages: [] });
      const text = await (await fetch(`${gw.url}/metrics`)).text();
      const served = new Set([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => m[1]));
      const queried = new Set(
        dashboard.panels.flatMap((p) =>
          p.targets.flatMap((t) => [...t.expr.matchAll(/\b(switchyard_[a-z_]+)/g)].map((m) => m[1])),
        ),
      );
      expect(queried.size).toBeGreaterThanOrEqual(10);
      for (const name of queried) {
        // Histograms are queried by their _bucket series.
        expect(served.has(name) || served.has(name?.replace(/_bucket$/, ''))).toBe(true);
      }
      // Every metric the gateway serves of its own has a panel.
      for (const name of served) if (name?.startsWith('switchyard_')) expect(JSON.stringify(dashboard)).toContain(name);
    } finally {
      await gw.close();
      await upstream.close();
    }
  });

  it('every panel has a title and a query, and ids are unique', () => {
    expect(dashboard.uid).toBe('switchyard');
    for (const panel of dashboard.panels) {
      expect(panel.title).toBeTruthy();
      expect(panel.targets.length).toBeGreaterThan(0);
    }
    const ids = dashboard.panels.map((p) => (p as unknown as { id: number }).id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
