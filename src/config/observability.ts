import * as z from 'zod';
import { GatewayKeys } from '../limits/gateway-keys.ts';
import { flag, isOn, optional } from './schema.ts';

/** Settings of the request log store, the admin API and OpenTelemetry tracing. */
export interface ObservabilityConfig {
  readonly requestLog: {
    /** DATA_DIR: where the SQLite file lives when no DATABASE_URL is set. */
    readonly dataDir: string;
    readonly databaseUrl: string | undefined;
    readonly retentionDays: number;
    /** LOG_PAYLOADS: keep request and response bodies (scrubbed of keys). */
    readonly payloads: boolean;
  };
  /** ADMIN_API_KEYS: who may read the admin API and the dashboard's data; undefined when unset. */
  readonly adminKeys: GatewayKeys | undefined;
  /** Set when an OTLP endpoint is. */
  readonly tracing: TracingConfig | undefined;
}

export type Sampler =
  | { kind: 'always_on' | 'always_off' | 'parentbased_always_on' | 'parentbased_always_off' }
  | { kind: 'traceidratio' | 'parentbased_traceidratio'; ratio: number };

export interface TracingConfig {
  /** The full URL spans are POSTed to (…/v1/traces). */
  readonly url: string;
  readonly protocol: 'http/protobuf' | 'http/json';
  readonly headers: Readonly<Record<string, string>>;
  readonly serviceName: string;
  readonly sampler: Sampler;
  /** OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: record prompts and completions on spans. */
  readonly captureContent: boolean;
}

const url = (protocols: RegExp, message: string) =>
  z.string().refine((value) => URL.canParse(value) && protocols.test(new URL(value).protocol), { message });

export const observabilitySchema = {
  DATA_DIR: optional(z.string()),
  DATABASE_URL: optional(url(/^postgres(ql)?:$/, 'must be a postgres:// or postgresql:// URL')),
  LOG_RETENTION_DAYS: optional(
    z
      .string()
      .regex(/^\d+$/, { message: 'must be a whole number of days, at least 1' })
      .transform(Number)
      .pipe(z.number().min(1, { message: 'must be at least 1' })),
  ),
  LOG_PAYLOADS: flag,
  ADMIN_API_KEYS: optional(z.string()),
  OTEL_EXPORTER_OTLP_ENDPOINT: optional(url(/^https?:$/, 'must be an http:// or https:// URL')),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: optional(url(/^https?:$/, 'must be an http:// or https:// URL')),
  OTEL_EXPORTER_OTLP_PROTOCOL: optional(
    z.enum(['http/protobuf', 'http/json'], { message: "must be 'http/protobuf' or 'http/json' (gRPC is not offered)" }),
  ),
  OTEL_EXPORTER_OTLP_HEADERS: optional(z.string()),
  OTEL_SERVICE_NAME: optional(z.string()),
  OTEL_TRACES_SAMPLER: optional(
    z.enum([
      'always_on',
      'always_off',
      'traceidratio',
      'parentbased_always_on',
      'parentbased_always_off',
      'parentbased_traceidratio',
    ]),
  ),
  OTEL_TRACES_SAMPLER_ARG: optional(
    z
      .string()
      .regex(/^(0(\.\d+)?|1(\.0+)?)$/, { message: 'must be a ratio between 0 and 1' })
      .transform(Number),
  ),
  OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: flag,
};

export const OBSERVABILITY_SECRETS = ['DATABASE_URL', 'ADMIN_API_KEYS', 'OTEL_EXPORTER_OTLP_HEADERS'];

type Settings = { [K in keyof typeof observabilitySchema]?: z.infer<(typeof observabilitySchema)[K]> };

export function readObservability(settings: Settings, problems: string[]): ObservabilityConfig {
  let adminKeys: GatewayKeys | undefined;
  if (settings.ADMIN_API_KEYS !== undefined) {
    adminKeys = GatewayKeys.parse(settings.ADMIN_API_KEYS);
    if (adminKeys.size === 0) problems.push('ADMIN_API_KEYS: holds no key');
  }
  return {
    requestLog: {
      dataDir: settings.DATA_DIR ?? './data',
      databaseUrl: settings.DATABASE_URL,
      retentionDays: settings.LOG_RETENTION_DAYS ?? 30,
      payloads: isOn(settings.LOG_PAYLOADS),
    },
    adminKeys,
    tracing: readTracing(settings, problems),
  };
}

function readTracing(settings: Settings, problems: string[]): TracingConfig | undefined {
  const base = settings.OTEL_EXPORTER_OTLP_ENDPOINT;
  const traces = settings.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (!base && !traces) return undefined;
  // The signal-specific variable is the whole URL; the general one is a base the path is added to.
  const url = traces ?? `${(base as string).replace(/\/+$/, '')}/v1/traces`;
  const headers: Record<string, string> = {};
  for (const pair of (settings.OTEL_EXPORTER_OTLP_HEADERS ?? '').split(',')) {
    if (!pair.trim()) continue;
    const equals = pair.indexOf('=');
    if (equals <= 0) {
      problems.push("OTEL_EXPORTER_OTLP_HEADERS: must be 'name=value' pairs separated by commas");
      break;
    }
    try {
      headers[decodeURIComponent(pair.slice(0, equals).trim())] = decodeURIComponent(pair.slice(equals + 1).trim());
    } catch {
      problems.push('OTEL_EXPORTER_OTLP_HEADERS: a name or value is not valid percent-encoding');
      break;
    }
  }
  const kind = settings.OTEL_TRACES_SAMPLER ?? 'parentbased_always_on';
  const sampler: Sampler =
    kind === 'traceidratio' || kind === 'parentbased_traceidratio'
      ? { kind, ratio: settings.OTEL_TRACES_SAMPLER_ARG ?? 1 }
      : { kind };
  return {
    url,
    protocol: settings.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf',
    headers,
    serviceName: settings.OTEL_SERVICE_NAME ?? 'switchyard',
    sampler,
    captureContent: isOn(settings.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT),
  };
}
