import { register as globalRegistry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { GatewayMetrics, renderMerged } from '../../src/observability/metrics.ts';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * A deliberately small parser for the Prometheus text format: one sample per line,
 * `name{label="value",...} value`, skipping `#` comments and blank lines. Enough to check what a
 * scraper would see without trusting prom-client's own objects.
 */
function parseExposition(body: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of body.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null) throw new Error(`unparseable exposition line: ${line}`);
    const [, name = '', labelText = '', value = ''] = match;
    const labels: Record<string, string> = {};
    for (const [, key = '', raw = ''] of labelText.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key] = raw.replace(/\\(.)/g, (_, escaped: string) => (escaped === 'n' ? '\n' : escaped));
    }
    samples.push({ name, labels, value: Number(value) });
  }
  return samples;
}

async function scrape(metrics: GatewayMetrics): Promise<Sample[]> {
  return parseExposition((await metrics.render()).body);
}

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}

/** The value of the sample with exactly these labels, or undefined when there is none. */
function sampleValue(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find((sample) => sample.name === name && sameLabels(sample.labels, labels))?.value;
}

function samplesNamed(samples: Sample[], name: string): Sample[] {
  return samples.filter((sample) => sample.name === name);
}

const KNOWN_MODELS = new Set(['openai/gpt-4o', 'anthropic/claude-sonnet-4', 'openai/text-embedding-3-small']);

function newMetrics(): GatewayMetrics {
  return new GatewayMetrics({ isKnownModel: (provider, model) => KNOWN_MODELS.has(`${provider}/${model}`) });
}

const CHAT = '/v1/chat/completions';

describe('GatewayMetrics', () => {
  it('counts finished requests by route, provider, model and status', async () => {
    const metrics = newMetrics();
    const request = { route: CHAT, provider: 'openai', model: 'gpt-4o', ttfbMs: undefined, streamed: false };
    metrics.requestFinished({ ...request, status: 200, durationMs: 30 });
    metrics.requestFinished({ ...request, status: 200, durationMs: 1500 });
    metrics.requestFinished({ ...request, status: 502, durationMs: 10 });

    const samples = await scrape(metrics);
    const labels = { route: CHAT, provider: 'openai', model: 'gpt-4o' };
    expect(sampleValue(samples, 'switchyard_requests_total', { ...labels, status: '200' })).toBe(2);
    expect(sampleValue(samples, 'switchyard_requests_total', { ...labels, status: '502' })).toBe(1);
    expect(samplesNamed(samples, 'switchyard_requests_total')).toHaveLength(2);
  });

  it('observes request durations in seconds, in the right cumulative buckets', async () => {
    const metrics = newMetrics();
    const request = {
      route: CHAT,
      provider: 'openai',
      model: 'gpt-4o',
      status: 200,
      ttfbMs: undefined,
      streamed: false,
    };
    metrics.requestFinished({ ...request, durationMs: 30 });
    metrics.requestFinished({ ...request, durationMs: 1500 });

    const samples = await scrape(metrics);
    const labels = { route: CHAT, provider: 'openai' };
    const bucket = (le: string) =>
      sampleValue(samples, 'switchyard_request_duration_seconds_bucket', { ...labels, le });
    expect(sampleValue(samples, 'switchyard_request_duration_seconds_count', labels)).toBe(2);
    expect(sampleValue(samples, 'switchyard_request_duration_seconds_sum', labels)).toBeCloseTo(1.53, 9);
    expect(bucket('0.005')).toBe(0);
    expect(bucket('0.025')).toBe(0);
    expect(bucket('0.05')).toBe(1); // 30 ms
    expect(bucket('1')).toBe(1);
    expect(bucket('2.5')).toBe(2); // 1.5 s
    expect(bucket('600')).toBe(2);
    expect(bucket('+Inf')).toBe(2);
    // Durations of several minutes still land in a finite bucket.
    const les = samplesNamed(samples, 'switchyard_request_duration_seconds_bucket').map((s) => s.labels.le);
    expect(les[0]).toBe('0.005');
    expect(les).toContain('300');
  });

  it('observes time to first byte only when there was one, labelled by streamed', async () => {
    const metrics = newMetrics();
    const request = { route: CHAT, provider: 'anthropic', model: 'claude-sonnet-4', status: 200, durationMs: 4000 };
    metrics.requestFinished({ ...request, ttfbMs: 0.8, streamed: true });
    metrics.requestFinished({ ...request, ttfbMs: 700, streamed: true });
    metrics.requestFinished({ ...request, ttfbMs: 2500, streamed: false });
    metrics.requestFinished({ ...request, ttfbMs: undefined, streamed: false });

    const samples = await scrape(metrics);
    const streamed = { route: CHAT, provider: 'anthropic', streamed: 'true' };
    const unstreamed = { ...streamed, streamed: 'false' };
    const bucket = (labels: Record<string, string>, le: string) =>
      sampleValue(samples, 'switchyard_time_to_first_byte_seconds_bucket', { ...labels, le });
    expect(sampleValue(samples, 'switchyard_time_to_first_byte_seconds_count', streamed)).toBe(2);
    expect(sampleValue(samples, 'switchyard_time_to_first_byte_seconds_sum', streamed)).toBeCloseTo(0.7008, 9);
    expect(bucket(streamed, '0.001')).toBe(1); // 0.8 ms
    expect(bucket(streamed, '0.5')).toBe(1);
    expect(bucket(streamed, '1')).toBe(2); // 700 ms
    expect(sampleValue(samples, 'switchyard_time_to_first_byte_seconds_count', unstreamed)).toBe(1);
    expect(bucket(unstreamed, '2')).toBe(0);
    expect(bucket(unstreamed, '3')).toBe(1); // 2.5 s
    expect(bucket(unstreamed, '60')).toBe(1);
    // All four requests have a duration; only three had a first byte.
    expect(
      sampleValue(samples, 'switchyard_request_duration_seconds_count', { route: CHAT, provider: 'anthropic' }),
    ).toBe(4);
  });

  it('labels models the catalog does not know as "other", and missing provider or model as "none"', async () => {
    const metrics = newMetrics();
    const base = { route: CHAT, status: 200, durationMs: 5, ttfbMs: undefined, streamed: false };
    metrics.requestFinished({ ...base, provider: 'openai', model: 'my-secret-finetune-12345' });
    metrics.requestFinished({ ...base, provider: 'openai', model: 'claude-sonnet-4' }); // known, but not for openai
    metrics.requestFinished({ ...base, status: 404, provider: undefined, model: 'gpt-4o' });
    metrics.requestFinished({ ...base, status: 400, provider: undefined, model: undefined });
    metrics.tokens({
      provider: 'openai',
      model: 'whatever',
      input: 3,
      cachedInput: 0,
      cacheWrite: 0,
      output: 0,
      reasoning: 0,
    });
    metrics.cost({ provider: 'openai', model: 'whatever', usd: 0.25 });

    const samples = await scrape(metrics);
    expect(
      sampleValue(samples, 'switchyard_requests_total', {
        route: CHAT,
        provider: 'openai',
        model: 'other',
        status: '200',
      }),
    ).toBe(2);
    expect(
      sampleValue(samples, 'switchyard_requests_total', {
        route: CHAT,
        provider: 'none',
        model: 'other',
        status: '404',
      }),
    ).toBe(1);
    expect(
      sampleValue(samples, 'switchyard_requests_total', {
        route: CHAT,
        provider: 'none',
        model: 'none',
        status: '400',
      }),
    ).toBe(1);
    expect(sampleValue(samples, 'switchyard_request_duration_seconds_count', { route: CHAT, provider: 'none' })).toBe(
      2,
    );
    expect(sampleValue(samples, 'switchyard_tokens_total', { provider: 'openai', model: 'other', type: 'input' })).toBe(
      3,
    );
    expect(sampleValue(samples, 'switchyard_cost_usd_total', { provider: 'openai', model: 'other' })).toBe(0.25);
    const body = (await metrics.render()).body;
    expect(body).not.toContain('my-secret-finetune');
    expect(body).not.toContain('whatever');
  });

  it('counts tokens by type and emits no series for zero counts', async () => {
    const metrics = newMetrics();
    const usage = {
      provider: 'anthropic',
      model: 'claude-sonnet-4',
      input: 100,
      cachedInput: 40,
      cacheWrite: 0,
      output: 20,
      reasoning: 0,
    };
    metrics.tokens(usage);
    metrics.tokens({ ...usage, input: 50, cachedInput: 0 });

    const samples = await scrape(metrics);
    const tokens = samplesNamed(samples, 'switchyard_tokens_total');
    const byType = Object.fromEntries(tokens.map((s) => [s.labels.type, s.value]));
    expect(byType).toStrictEqual({ input: 150, cached_input: 40, output: 40 });
    for (const sample of tokens)
      expect(sample.labels).toMatchObject({ provider: 'anthropic', model: 'claude-sonnet-4' });
  });

  it('adds up cost and skips zero cost', async () => {
    const metrics = newMetrics();
    metrics.cost({ provider: 'openai', model: 'gpt-4o', usd: 0.0125 });
    metrics.cost({ provider: 'openai', model: 'gpt-4o', usd: 0.0075 });
    metrics.cost({ provider: 'anthropic', model: 'claude-sonnet-4', usd: 0 });

    const samples = await scrape(metrics);
    expect(sampleValue(samples, 'switchyard_cost_usd_total', { provider: 'openai', model: 'gpt-4o' })).toBeCloseTo(
      0.02,
      12,
    );
    expect(samplesNamed(samples, 'switchyard_cost_usd_total')).toHaveLength(1);
  });

  it('counts upstream errors, fallbacks and rate limiting', async () => {
    const metrics = newMetrics();
    metrics.upstreamError({ provider: 'openai', kind: 'timeout' });
    metrics.upstreamError({ provider: 'openai', kind: 'timeout' });
    metrics.upstreamError({ provider: 'anthropic', kind: 'http_429' });
    metrics.fallback({ from: 'openai', to: 'anthropic' });
    metrics.rateLimited({ limit: 'tokens' });
    metrics.rateLimited({ limit: 'tokens' });
    metrics.rateLimited({ limit: 'budget' });

    const samples = await scrape(metrics);
    expect(sampleValue(samples, 'switchyard_upstream_errors_total', { provider: 'openai', kind: 'timeout' })).toBe(2);
    expect(sampleValue(samples, 'switchyard_upstream_errors_total', { provider: 'anthropic', kind: 'http_429' })).toBe(
      1,
    );
    expect(sampleValue(samples, 'switchyard_fallbacks_total', { from: 'openai', to: 'anthropic' })).toBe(1);
    expect(sampleValue(samples, 'switchyard_rate_limited_total', { limit: 'tokens' })).toBe(2);
    expect(sampleValue(samples, 'switchyard_rate_limited_total', { limit: 'budget' })).toBe(1);
    // Every limit's series exists from the start, so rate() works before the first refusal.
    expect(sampleValue(samples, 'switchyard_rate_limited_total', { limit: 'requests' })).toBe(0);
  });

  it('raises and lowers the in-flight gauge, and a second done call changes nothing', async () => {
    const metrics = newMetrics();
    const inFlight = async () => sampleValue(await scrape(metrics), 'switchyard_requests_in_flight');
    expect(await inFlight()).toBe(0);
    const firstDone = metrics.requestStarted();
    const secondDone = metrics.requestStarted();
    expect(await inFlight()).toBe(2);
    firstDone();
    firstDone();
    expect(await inFlight()).toBe(1);
    secondDone();
    secondDone();
    expect(await inFlight()).toBe(0);
  });

  it('raises and lowers the open-streams gauge, and a second close call changes nothing', async () => {
    const metrics = newMetrics();
    const openStreams = async () => sampleValue(await scrape(metrics), 'switchyard_open_streams');
    expect(await openStreams()).toBe(0);
    const closed = metrics.streamOpened();
    expect(await openStreams()).toBe(1);
    closed();
    closed();
    expect(await openStreams()).toBe(0);
    expect(sampleValue(await scrape(metrics), 'switchyard_requests_in_flight')).toBe(0);
  });

  it('keeps separate state per instance and stays out of the global registry', async () => {
    const first = newMetrics();
    const second = newMetrics();
    first.requestFinished({
      route: '/health',
      provider: undefined,
      model: undefined,
      status: 200,
      durationMs: 1,
      ttfbMs: 1,
      streamed: false,
    });
    first.requestStarted();

    const secondSamples = await scrape(second);
    expect(samplesNamed(secondSamples, 'switchyard_requests_total')).toHaveLength(0);
    expect(sampleValue(secondSamples, 'switchyard_requests_in_flight')).toBe(0);
    expect(sampleValue(await scrape(first), 'switchyard_requests_in_flight')).toBe(1);
    expect(globalRegistry.getSingleMetric('switchyard_requests_total')).toBeUndefined();
  });

  it('renders the Prometheus text format, process metrics included', async () => {
    const metrics = newMetrics();
    const { contentType, body } = await metrics.render();
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(body).toContain('# TYPE switchyard_requests_total counter');
    expect(body).toContain('# TYPE switchyard_request_duration_seconds histogram');
    expect(body).toContain('# TYPE switchyard_open_streams gauge');
    const samples = parseExposition(body);
    expect(sampleValue(samples, 'process_cpu_user_seconds_total')).toBeGreaterThanOrEqual(0); // present; may round to 0 this early
    expect(sampleValue(samples, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
  });

  it('skips invalid durations instead of throwing into the request path', async () => {
    const metrics = newMetrics();
    const request = { route: CHAT, provider: 'openai', model: 'gpt-4o', status: 200, streamed: false };
    expect(() => metrics.requestFinished({ ...request, durationMs: Number.NaN, ttfbMs: -1 })).not.toThrow();
    expect(() =>
      metrics.tokens({
        provider: 'openai',
        model: 'gpt-4o',
        input: Number.NaN,
        cachedInput: -5,
        cacheWrite: 0,
        output: 1,
        reasoning: 0,
      }),
    ).not.toThrow();

    const samples = await scrape(metrics);
    expect(
      sampleValue(samples, 'switchyard_requests_total', {
        route: CHAT,
        provider: 'openai',
        model: 'gpt-4o',
        status: '200',
      }),
    ).toBe(1);
    expect(samplesNamed(samples, 'switchyard_request_duration_seconds_count')).toHaveLength(0);
    expect(samplesNamed(samples, 'switchyard_time_to_first_byte_seconds_count')).toHaveLength(0);
    expect(samplesNamed(samples, 'switchyard_tokens_total').map((s) => s.labels.type)).toStrictEqual(['output']);
  });
});

describe('renderMerged (WORKERS: one scrape for every worker)', () => {
  it('sums counters, each histogram series on its own labels, and gauges; says how many workers answered', async () => {
    const [one, two] = [newMetrics(), newMetrics()];
    const chat = { route: CHAT, provider: 'openai', model: 'gpt-4o', ttfbMs: 2, streamed: false };
    one.requestFinished({ ...chat, status: 200, durationMs: 30 });
    one.requestFinished({ ...chat, status: 200, durationMs: 30 });
    two.requestFinished({ ...chat, status: 200, durationMs: 2000 });
    // Same buckets, other shared labels: must stay a series of its own.
    two.requestFinished({ ...chat, provider: 'anthropic', model: 'claude-sonnet-4', status: 500, durationMs: 30 });
    one.tokens({
      provider: 'openai',
      model: 'gpt-4o',
      input: 10,
      cachedInput: 0,
      cacheWrite: 0,
      output: 5,
      reasoning: 0,
    });
    two.tokens({
      provider: 'openai',
      model: 'gpt-4o',
      input: 7,
      cachedInput: 0,
      cacheWrite: 0,
      output: 1,
      reasoning: 0,
    });
    const held = [one.requestStarted(), two.requestStarted(), two.requestStarted()];
    one.upstreamError({ provider: 'openai', kind: 'timeout' });
    two.upstreamError({ provider: 'openai', kind: 'timeout' });

    // Through JSON, as they cross the IPC channel.
    const snapshots = JSON.parse(JSON.stringify([await one.snapshot(), await two.snapshot()]));
    const samples = parseExposition((await renderMerged(snapshots)).body);
    const openai = { route: CHAT, provider: 'openai' };
    expect(sampleValue(samples, 'switchyard_requests_total', { ...openai, model: 'gpt-4o', status: '200' })).toBe(3);
    expect(sampleValue(samples, 'switchyard_request_duration_seconds_count', openai)).toBe(3);
    expect(sampleValue(samples, 'switchyard_request_duration_seconds_sum', openai)).toBeCloseTo(2.06);
    expect(sampleValue(samples, 'switchyard_request_duration_seconds_bucket', { ...openai, le: '0.05' })).toBe(2);
    expect(sampleValue(samples, 'switchyard_request_duration_seconds_bucket', { ...openai, le: '+Inf' })).toBe(3);
    const anthropic = { route: CHAT, provider: 'anthropic' };
    expect(sampleValue(samples, 'switchyard_request_duration_seconds_bucket', { ...anthropic, le: '0.05' })).toBe(1);
    expect(sampleValue(samples, 'switchyard_request_duration_seconds_count', anthropic)).toBe(1);
    expect(
      sampleValue(samples, 'switchyard_tokens_total', { provider: 'openai', model: 'gpt-4o', type: 'input' }),
    ).toBe(17);
    expect(sampleValue(samples, 'switchyard_requests_in_flight')).toBe(3);
    expect(sampleValue(samples, 'switchyard_upstream_errors_total', { provider: 'openai', kind: 'timeout' })).toBe(2);
    expect(sampleValue(samples, 'switchyard_workers')).toBe(2);
    // Process metrics by their own rule: CPU summed, start time left out (it differs per worker).
    expect(samplesNamed(samples, 'process_start_time_seconds')).toEqual([]);
    expect(samplesNamed(samples, 'process_cpu_seconds_total')).toHaveLength(1);
    for (const release of held) release();
  });
});
