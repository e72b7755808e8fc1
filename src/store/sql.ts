import type { RequestRecord } from './record.ts';

/**
 * The SQL both stores run, written once: standard SQL that SQLite and PostgreSQL read alike
 * (window functions for percentiles, integer division for time buckets). Placeholders are `$1…`;
 * the SQLite store rewrites them to `?1…`.
 */

export const TABLE = 'switchyard_requests';

/** Column of each record field, in insert order. */
const COLUMNS = [
  ['time', 'time_ms'],
  ['requestId', 'request_id'],
  ['key', 'key_name'],
  ['user', 'user_id'],
  ['session', 'session_id'],
  ['clientFormat', 'client_format'],
  ['method', 'method'],
  ['route', 'route'],
  ['path', 'path'],
  ['provider', 'provider'],
  ['model', 'model'],
  ['selectedBy', 'selected_by'],
  ['status', 'status'],
  ['errorCode', 'error_code'],
  ['inputTokens', 'input_tokens'],
  ['cachedInputTokens', 'cached_input_tokens'],
  ['cacheWriteTokens', 'cache_write_tokens'],
  ['outputTokens', 'output_tokens'],
  ['reasoningTokens', 'reasoning_tokens'],
  ['costUsd', 'cost_usd'],
  ['latencyMs', 'latency_ms'],
  ['ttfbMs', 'ttfb_ms'],
  ['attempts', 'attempts'],
  ['bytesIn', 'bytes_in'],
  ['bytesOut', 'bytes_out'],
  ['streamed', 'streamed'],
  ['aborted', 'aborted'],
  ['gatewayHeaders', 'gateway_headers'],
  ['requestBody', 'request_body'],
  ['responseBody', 'response_body'],
] as const satisfies readonly (readonly [keyof RequestRecord, string])[];

/**
 * Schema versions, applied in order at start-up; a store records the last one it applied. Only
 * append: a released version never changes. `{id}` is the dialect's auto-increment key.
 */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS ${TABLE} (
    id {id},
    time_ms BIGINT NOT NULL,
    request_id TEXT NOT NULL,
    key_name TEXT,
    user_id TEXT,
    session_id TEXT,
    client_format TEXT NOT NULL,
    method TEXT NOT NULL,
    route TEXT NOT NULL,
    path TEXT NOT NULL,
    provider TEXT,
    model TEXT,
    selected_by TEXT,
    status INTEGER NOT NULL,
    error_code TEXT,
    input_tokens BIGINT,
    cached_input_tokens BIGINT,
    cache_write_tokens BIGINT,
    output_tokens BIGINT,
    reasoning_tokens BIGINT,
    cost_usd DOUBLE PRECISION,
    latency_ms DOUBLE PRECISION NOT NULL,
    ttfb_ms DOUBLE PRECISION,
    attempts TEXT NOT NULL,
    bytes_in BIGINT NOT NULL,
    bytes_out BIGINT NOT NULL,
    streamed SMALLINT NOT NULL,
    aborted SMALLINT NOT NULL,
    gateway_headers TEXT NOT NULL,
    request_body TEXT,
    response_body TEXT
  );
  CREATE INDEX IF NOT EXISTS ${TABLE}_time ON ${TABLE} (time_ms);
  CREATE INDEX IF NOT EXISTS ${TABLE}_key_time ON ${TABLE} (key_name, time_ms);
  CREATE INDEX IF NOT EXISTS ${TABLE}_user_time ON ${TABLE} (user_id, time_ms);
  CREATE INDEX IF NOT EXISTS ${TABLE}_session_time ON ${TABLE} (session_id, time_ms);
  CREATE INDEX IF NOT EXISTS ${TABLE}_request_id ON ${TABLE} (request_id);`,
  // Most requests have no user or session (and, without gateway keys, no key): indexing only the
  // rows that have one spares an index insert per row each; a query for `key_name = $1` still uses them.
  `DROP INDEX IF EXISTS ${TABLE}_key_time;
  DROP INDEX IF EXISTS ${TABLE}_user_time;
  DROP INDEX IF EXISTS ${TABLE}_session_time;
  CREATE INDEX IF NOT EXISTS ${TABLE}_key_time ON ${TABLE} (key_name, time_ms) WHERE key_name IS NOT NULL;
  CREATE INDEX IF NOT EXISTS ${TABLE}_user_time ON ${TABLE} (user_id, time_ms) WHERE user_id IS NOT NULL;
  CREATE INDEX IF NOT EXISTS ${TABLE}_session_time ON ${TABLE} (session_id, time_ms) WHERE session_id IS NOT NULL;`,
];

export const SCHEMA_TABLE = 'switchyard_schema';

const FIELDS = COLUMNS.map(([field]) => field);

/**
 * The values of `records`, row after row in COLUMNS order, as both drivers bind them: one array
 * for the whole batch (a per-row array and flatMap left 1 KB of garbage per request).
 */
export function rowValues(records: readonly RequestRecord[]): (string | number | null)[] {
  const values: (string | number | null)[] = new Array(records.length * FIELDS.length);
  let at = 0;
  for (const record of records)
    for (const field of FIELDS) {
      const value = record[field];
      values[at++] =
        typeof value === 'boolean'
          ? value
            ? 1
            : 0
          : typeof value === 'object' && value !== null
            ? JSON.stringify(value)
            : value;
    }
  return values;
}

const insertSqlOf = new Map<number, string>();

/** `INSERT … VALUES ($1…), ($n…)` for `rows` records; made once per row count (the store uses a few). */
export function insertSql(rows: number): string {
  let sql = insertSqlOf.get(rows);
  if (sql === undefined) {
    const width = COLUMNS.length;
    const tuples = Array.from(
      { length: rows },
      (_, r) => `(${COLUMNS.map((_, c) => `$${r * width + c + 1}`).join(', ')})`,
    );
    sql = `INSERT INTO ${TABLE} (${COLUMNS.map(([, column]) => column).join(', ')}) VALUES ${tuples.join(', ')}`;
    insertSqlOf.set(rows, sql);
  }
  return sql;
}

/** A stored request as the admin API returns it. */
export interface StoredRequest extends Omit<RequestRecord, 'time' | 'gatewayHeaders'> {
  id: number;
  time: string;
  gatewayHeaders: Record<string, string>;
}

/** Filters of `GET /v1/gateway/requests` and `GET /v1/gateway/usage`. Times are ms since the epoch. */
export interface RequestFilter {
  key?: string;
  user?: string;
  session?: string;
  provider?: string;
  model?: string;
  requestId?: string;
  /** An exact status, or a class: 200 … 599, or 2 for 2xx … 5 for 5xx. */
  status?: { exact: number } | { class: number };
  from?: number;
  to?: number;
}

class Params {
  readonly values: (string | number)[] = [];
  add(value: string | number): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

function where(filter: RequestFilter, params: Params): string {
  const conditions: string[] = [];
  const equal = (column: string, value: string | undefined) => {
    if (value !== undefined) conditions.push(`${column} = ${params.add(value)}`);
  };
  equal('key_name', filter.key);
  equal('user_id', filter.user);
  equal('session_id', filter.session);
  equal('provider', filter.provider);
  equal('model', filter.model);
  equal('request_id', filter.requestId);
  if (filter.status && 'exact' in filter.status) conditions.push(`status = ${params.add(filter.status.exact)}`);
  if (filter.status && 'class' in filter.status)
    conditions.push(
      `status >= ${params.add(filter.status.class * 100)} AND status < ${params.add(filter.status.class * 100 + 100)}`,
    );
  if (filter.from !== undefined) conditions.push(`time_ms >= ${params.add(filter.from)}`);
  if (filter.to !== undefined) conditions.push(`time_ms < ${params.add(filter.to)}`);
  return conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
}

export interface Query {
  sql: string;
  params: (string | number)[];
}

/** Newest first; the cursor is the (time, id) of the last row of the previous page. */
export function requestsQuery(
  filter: RequestFilter,
  limit: number,
  cursor: { time: number; id: number } | undefined,
  withBodies: boolean,
): Query {
  const params = new Params();
  let condition = where(filter, params);
  if (cursor) {
    const t = params.add(cursor.time);
    const page = `(time_ms < ${t} OR (time_ms = ${t} AND id < ${params.add(cursor.id)}))`;
    condition = condition ? `${condition} AND ${page}` : `WHERE ${page}`;
  }
  const columns = ['id', ...COLUMNS.map(([, column]) => column)].filter(
    (column) => withBodies || (column !== 'request_body' && column !== 'response_body'),
  );
  return {
    sql: `SELECT ${columns.join(', ')} FROM ${TABLE} ${condition} ORDER BY time_ms DESC, id DESC LIMIT ${params.add(limit)}`,
    params: params.values,
  };
}

const FIELD_OF_COLUMN = new Map<string, keyof RequestRecord>(COLUMNS.map(([field, column]) => [column, field]));
const JSON_COLUMNS = new Set(['attempts', 'gateway_headers']);
const TEXT_COLUMNS = new Set([
  'request_id',
  'key_name',
  'user_id',
  'session_id',
  'client_format',
  'method',
  'route',
  'path',
  'provider',
  'model',
  'selected_by',
  'error_code',
  'request_body',
  'response_body',
]);

/** A row back to the API's shape (PostgreSQL returns BIGINT as a string; SQLite returns numbers). */
export function storedRequestOf(row: Record<string, unknown>): StoredRequest {
  const out: Record<string, unknown> = { id: Number(row.id) };
  for (const [column, value] of Object.entries(row)) {
    const field = FIELD_OF_COLUMN.get(column);
    if (!field) continue;
    if (value === null || value === undefined) out[field] = null;
    else if (JSON_COLUMNS.has(column)) out[field] = JSON.parse(String(value));
    else if (TEXT_COLUMNS.has(column)) out[field] = String(value);
    else if (column === 'streamed' || column === 'aborted') out[field] = Number(value) === 1;
    else out[field] = Number(value);
  }
  out.time = new Date(Number(row.time_ms)).toISOString();
  return out as unknown as StoredRequest;
}

export type GroupBy = 'key' | 'user' | 'session' | 'model' | 'provider';
export type Interval = 'hour' | 'day';

export const GROUP_COLUMNS: Readonly<Record<GroupBy, string>> = {
  key: 'key_name',
  user: 'user_id',
  session: 'session_id',
  model: 'model',
  provider: 'provider',
};
const INTERVAL_MS: Readonly<Record<Interval, number>> = { hour: 3_600_000, day: 86_400_000 };

export interface UsageRow {
  /** Start of the hour or day (UTC), when grouped by time. */
  bucket?: string;
  /** The group's value (null: requests without one, e.g. no user given). */
  group?: string | null;
  requests: number;
  errors: number;
  errorRate: number;
  costUsd: number;
  inputTokens: number;
  cachedInputTokens: number;
  cacheWriteTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  p50LatencyMs: number;
  p95LatencyMs: number;
}

/**
 * Sums per (bucket, group), with nearest-rank p50/p95 latency: the smallest latency whose rank in
 * its group reaches p·n. An error is a response with status ≥ 400.
 */
export function usageQuery(filter: RequestFilter, groupBy: GroupBy | undefined, interval: Interval | undefined): Query {
  const params = new Params();
  const condition = where(filter, params);
  const bucket = interval ? `(time_ms / ${INTERVAL_MS[interval]}) * ${INTERVAL_MS[interval]}` : '0';
  const group = groupBy ? GROUP_COLUMNS[groupBy] : "''";
  const sql = `WITH base AS (
      SELECT ${bucket} AS bucket, ${group} AS grp, status, cost_usd, input_tokens, cached_input_tokens,
        cache_write_tokens, output_tokens, reasoning_tokens, latency_ms
      FROM ${TABLE} ${condition}
    ), ranked AS (
      SELECT base.*, ROW_NUMBER() OVER (PARTITION BY bucket, grp ORDER BY latency_ms) AS rn,
        COUNT(*) OVER (PARTITION BY bucket, grp) AS n
      FROM base
    )
    SELECT bucket, grp, COUNT(*) AS requests,
      SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END) AS errors,
      COALESCE(SUM(cost_usd), 0) AS cost_usd,
      COALESCE(SUM(input_tokens), 0) AS input_tokens,
      COALESCE(SUM(cached_input_tokens), 0) AS cached_input_tokens,
      COALESCE(SUM(cache_write_tokens), 0) AS cache_write_tokens,
      COALESCE(SUM(output_tokens), 0) AS output_tokens,
      COALESCE(SUM(reasoning_tokens), 0) AS reasoning_tokens,
      MIN(CASE WHEN rn >= 0.5 * n THEN latency_ms END) AS p50,
      MIN(CASE WHEN rn >= 0.95 * n THEN latency_ms END) AS p95
    FROM ranked GROUP BY bucket, grp ORDER BY bucket, requests DESC, grp`;
  return { sql, params: params.values };
}

export function usageRowOf(
  row: Record<string, unknown>,
  groupBy: GroupBy | undefined,
  interval: Interval | undefined,
): UsageRow {
  const requests = Number(row.requests);
  const errors = Number(row.errors);
  return {
    ...(interval ? { bucket: new Date(Number(row.bucket)).toISOString() } : {}),
    ...(groupBy ? { group: row.grp === null ? null : String(row.grp) } : {}),
    requests,
    errors,
    errorRate: requests ? errors / requests : 0,
    costUsd: Number(row.cost_usd),
    inputTokens: Number(row.input_tokens),
    cachedInputTokens: Number(row.cached_input_tokens),
    cacheWriteTokens: Number(row.cache_write_tokens),
    outputTokens: Number(row.output_tokens),
    reasoningTokens: Number(row.reasoning_tokens),
    p50LatencyMs: Number(row.p50),
    p95LatencyMs: Number(row.p95),
  };
}
