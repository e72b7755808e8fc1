import { InvalidRequestError } from '../errors.ts';
import type { GroupBy, Interval, RequestFilter } from '../store/sql.ts';
import { GROUP_COLUMNS } from '../store/sql.ts';

/** Query-string parsing of the admin API: every bad value is a 400 naming its parameter. */

function time(query: URLSearchParams, name: string): number | undefined {
  const value = query.get(name);
  if (value === null || value === '') return undefined;
  // Milliseconds since the epoch, or any date Date.parse reads (ISO 8601).
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms))
    throw new InvalidRequestError(
      'invalid_parameter',
      `'${name}' must be an ISO 8601 time or milliseconds since the epoch.`,
      name,
    );
  return ms;
}

function status(value: string | null): RequestFilter['status'] {
  if (value === null || value === '') return undefined;
  if (/^[1-5]\d\d$/.test(value)) return { exact: Number(value) };
  if (/^[1-5]xx$/i.test(value)) return { class: Number(value[0]) };
  throw new InvalidRequestError(
    'invalid_parameter',
    "'status' must be a status like 200 or a class like 5xx.",
    'status',
  );
}

export function filterOf(query: URLSearchParams): RequestFilter {
  const text = (name: string) => query.get(name) || undefined;
  const filter: RequestFilter = {
    key: text('key'),
    user: text('user'),
    session: text('session'),
    provider: text('provider'),
    model: text('model'),
    requestId: text('request_id'),
    status: status(query.get('status')),
    from: time(query, 'from'),
    to: time(query, 'to'),
  };
  if (filter.from !== undefined && filter.to !== undefined && filter.from >= filter.to)
    throw new InvalidRequestError('invalid_parameter', "'from' must be before 'to'.", 'from');
  return filter;
}

export function limitOf(query: URLSearchParams, fallback: number, max: number): number {
  const value = query.get('limit');
  if (value === null || value === '') return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max)
    throw new InvalidRequestError('invalid_parameter', `'limit' must be a whole number from 1 to ${max}.`, 'limit');
  return Number(value);
}

export function groupByOf(query: URLSearchParams): GroupBy | undefined {
  const value = query.get('group_by');
  if (value === null || value === '') return undefined;
  if (!(value in GROUP_COLUMNS))
    throw new InvalidRequestError(
      'invalid_parameter',
      `'group_by' must be one of ${Object.keys(GROUP_COLUMNS).join(', ')}.`,
      'group_by',
    );
  return value as GroupBy;
}

export function intervalOf(query: URLSearchParams): Interval | undefined {
  const value = query.get('interval');
  if (value === null || value === '') return undefined;
  if (value !== 'hour' && value !== 'day')
    throw new InvalidRequestError('invalid_parameter', "'interval' must be 'hour' or 'day'.", 'interval');
  return value;
}
