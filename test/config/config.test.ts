import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { environmentWithEnvFile } from '../../src/config/env-file.ts';
import { problemsOf } from '../helpers/config.ts';

describe('configuration', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 8080,
      // No gateway key: loopback only.
      host: '127.0.0.1',
      logLevel: 'info',
      defaultProvider: undefined,
      requestTimeoutMs: 600_000,
      streamIdleTimeoutMs: 120_000,
      maxBodyBytes: 20 * 1024 * 1024,
    });
    expect(config.providers.size).toBe(0);
  });

  it('reads gateway settings and active providers', () => {
    const config = loadConfig({
      PORT: '9090',
      MAX_BODY_BYTES: '1000',
      GROQ_API_KEY: 'k',
      DEFAULT_PROVIDER: 'groq',
      LOG_LEVEL: 'warn',
    });
    expect([config.port, config.maxBodyBytes, config.defaultProvider, config.logLevel]).toEqual([
      9090,
      1000,
      'groq',
      'warn',
    ]);
    expect([...config.providers.keys()]).toEqual(['groq']);
  });

  it('WORKERS: 1 by default, a count, or auto (the cores this process may use)', () => {
    expect(loadConfig({}).workers).toBe(1);
    expect(loadConfig({ WORKERS: '3' }).workers).toBe(3);
    expect(loadConfig({ WORKERS: 'auto' }).workers).toBe(availableParallelism());
    for (const value of ['0', '-1', 'lots', '1.5', '1025'])
      expect(problemsOf({ WORKERS: value })).toEqual([
        `WORKERS: must be 'auto' or a whole number between 1 and 1024 (got '${value}')`,
      ]);
  });

  it('names every invalid variable, one line each', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      LOG_LEVEL: 'loud',
      REQUEST_TIMEOUT_MS: '-5',
      OPENAI_BASE_URL: 'not a url',
      DEFAULT_PROVIDER: 'nope',
    });
    expect(problems).toHaveLength(5);
    for (const name of ['PORT', 'LOG_LEVEL', 'REQUEST_TIMEOUT_MS', 'OPENAI_BASE_URL', 'DEFAULT_PROVIDER']) {
      expect(problems.some((line) => line.startsWith(`${name}: `))).toBe(true);
    }
  });

  it('AWS Bedrock: an access key needs its secret, and pass-through (unsignable) is refused', () => {
    expect(problemsOf({ AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE' })).toEqual([
      'AWS_SECRET_ACCESS_KEY: must be set with AWS_ACCESS_KEY_ID',
    ]);
    expect(problemsOf({ AWS_REGION: 'eu-west-1', BEDROCK_AUTH_MODE: 'passthrough' })).toEqual([
      expect.stringMatching(/^BEDROCK_AUTH_MODE: 'passthrough' is not possible/),
    ]);
    expect(problemsOf({ AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI' })).toEqual([]);
  });

  it('DEFAULT_PROVIDER must be active', () => {
    expect(problemsOf({ DEFAULT_PROVIDER: 'openai' })).toEqual([
      "DEFAULT_PROVIDER: provider 'openai' is not active; set its environment variables",
    ]);
  });

  it('a .env file fills in variables, the real environment wins', () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-env-'));
    const file = join(dir, '.env');
    writeFileSync(file, 'PORT=7000\nGROQ_API_KEY="from-file"\n# comment\nHOST=127.0.0.1\n');
    const env = environmentWithEnvFile({ PORT: '7001' }, file);
    expect([env.PORT, env.GROQ_API_KEY, env.HOST]).toEqual(['7001', 'from-file', '127.0.0.1']);
    expect(environmentWithEnvFile({ A: '1' }, join(dir, 'missing.env'))).toEqual({ A: '1' });
  });

  it('start-up with an invalid variable exits 1 naming it', () => {
    const bundle = resolve('dist/switchyard.mjs');
    const cwd = mkdtempSync(join(tmpdir(), 'switchyard-start-'));
    const result = spawnSync(process.execPath, [bundle], {
      cwd,
      env: { PATH: process.env.PATH, PORT: '99999', STREAM_IDLE_TIMEOUT_MS: 'soon' },
      encoding: 'utf8',
      timeout: 10_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^ {2}PORT: must be at most 65535 \(got '99999'\)$/m);
    expect(result.stderr).toMatch(/^ {2}STREAM_IDLE_TIMEOUT_MS: must be a whole number/m);
  });

  it('start-up with an unreadable or malformed CATALOG_FILE exits 1 naming it', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'switchyard-catalog-'));
    writeFileSync(join(cwd, 'bad.json'), '{not json');
    for (const [file, reason] of [
      ['missing.json', /cannot read/],
      ['bad.json', /not valid JSON/],
    ] as const) {
      const result = spawnSync(process.execPath, [resolve('dist/switchyard.mjs')], {
        cwd,
        env: { PATH: process.env.PATH, PORT: '0', CATALOG_FILE: file },
        encoding: 'utf8',
        timeout: 10_000,
      });
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(/^ {2}CATALOG_FILE: /m);
      expect(result.stderr).toMatch(reason);
    }
  });
});

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
