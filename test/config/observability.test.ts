import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.ts';

const problemsOf = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('observability configuration', () => {
  it('has defaults: SQLite in ./data, 30 days, no payloads, no tracing', () => {
    const config = loadConfig({});
    expect(config.requestLog).toEqual({
      dataDir: './data',
      databaseUrl: undefined,
      retentionDays: 30,
      payloads: false,
    });
    expect(config.adminKeys).toBeUndefined();
    expect(config.tracing).toBeUndefined();
  });

  it('builds the traces URL from the endpoint, or takes the traces endpoint as it is', () => {
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).tracing).toMatchObject({
      url: 'http://collector:4318/v1/traces',
      protocol: 'http/protobuf',
      serviceName: 'switchyard',
      sampler: { kind: 'parentbased_always_on' },
      captureContent: false,
    });
    const tracing = loadConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example/ingest',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-token=a%20b, team=ops',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
    }).tracing;
    expect(tracing).toMatchObject({
      url: 'https://traces.example/ingest',
      headers: { 'x-token': 'a b', team: 'ops' },
      sampler: { kind: 'parentbased_traceidratio', ratio: 0.25 },
    });
  });

  it('names each bad variable, and never echoes a secret one', () => {
    const problems = problemsOf({
      DATABASE_URL: 'mysql://root:hunter2-secret@db/x',
      LOG_RETENTION_DAYS: '0',
      LOG_PAYLOADS: 'yes',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'ftp://x',
      OTEL_TRACES_SAMPLER_ARG: '2',
    });
    const text = problems.join('\n');
    for (const name of [
      'DATABASE_URL: must be a postgres://',
      'LOG_RETENTION_DAYS: must be at least 1',
      'LOG_PAYLOADS:',
      'OTEL_EXPORTER_OTLP_PROTOCOL:',
      'OTEL_EXPORTER_OTLP_ENDPOINT: must be an http://',
      'OTEL_TRACES_SAMPLER_ARG: must be a ratio',
    ])
      expect(text).toContain(name);
    expect(text).toContain('gRPC is not offered');
    expect(text).not.toContain('hunter2-secret');
    expect(problemsOf({ ADMIN_API_KEYS: ',' })).toEqual(['ADMIN_API_KEYS: holds no key']);
    expect(problemsOf({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c', OTEL_EXPORTER_OTLP_HEADERS: 'novalue' })).toEqual([
      "OTEL_EXPORTER_OTLP_HEADERS: must be 'name=value' pairs separated by commas",
    ]);
  });
});
