import type { RequestRecord } from './record.ts';
import {
  type GroupBy,
  type Interval,
  insertSql,
  MIGRATIONS,
  type RequestFilter,
  requestsQuery,
  rowValues,
  SCHEMA_TABLE,
  type StoredRequest,
  storedRequestOf,
  TABLE,
  type UsageRow,
  usageQuery,
  usageRowOf,
} from './sql.ts';

type Value = string | number | null;

/** The little a store needs of a database driver; one adapter per driver (sqlite.ts, postgres.ts). */
export interface Database {
  /** SQL type of the auto-increment primary key. */
  readonly idType: string;
  /** Rows are inserted this many at a time (the drivers' limits on bound values differ). */
  readonly insertRows: number;
  all(sql: string, params: readonly Value[]): Promise<Record<string, unknown>[]>;
  run(sql: string, params: readonly Value[]): Promise<number>;
  /** Runs `work` in one transaction, holding a lock other replicas' migrations wait on. */
  migrate(work: (query: (sql: string) => Promise<Record<string, unknown>[]>) => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

export interface RequestsPage {
  data: StoredRequest[];
  nextCursor: string | null;
}

const encodeCursor = (row: StoredRequest) => Buffer.from(`${Date.parse(row.time)}.${row.id}`).toString('base64url');

function decodeCursor(cursor: string): { time: number; id: number } | undefined {
  const match = /^(\d+)\.(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString());
  return match ? { time: Number(match[1]), id: Number(match[2]) } : undefined;
}

/** Where finished requests are kept and queried: the same SQL over SQLite or PostgreSQL. */
export class RequestStore {
  constructor(
    readonly kind: 'sqlite' | 'postgres',
    readonly db: Database,
  ) {}

  /** Creates the schema or brings it up to the latest version. */
  async migrate(): Promise<void> {
    await this.db.migrate(async (query) => {
      await query(`CREATE TABLE IF NOT EXISTS ${SCHEMA_TABLE} (version INTEGER NOT NULL)`);
      const rows = await query(`SELECT MAX(version) AS version FROM ${SCHEMA_TABLE}`);
      const current = Number(rows[0]?.version ?? 0);
      for (let version = current + 1; version <= MIGRATIONS.length; version++) {
        await query((MIGRATIONS[version - 1] as string).replaceAll('{id}', this.db.idType));
        await query(`INSERT INTO ${SCHEMA_TABLE} (version) VALUES (${version})`);
      }
    });
  }

  async insert(records: readonly RequestRecord[]): Promise<void> {
    // Chunks of power-of-two sizes: a batch of any size is written by at most ~10 distinct
    // statements, which the database keeps prepared (any size would prepare one per batch).
    for (let start = 0; start < records.length; ) {
      const size = largestPowerOfTwo(Math.min(this.db.insertRows, records.length - start));
      const chunk = size === records.length ? records : records.slice(start, start + size);
      await this.db.run(insertSql(chunk.length), rowValues(chunk));
      start += size;
    }
  }

  async requests(filter: RequestFilter, limit: number, cursor?: string, withBodies = false): Promise<RequestsPage> {
    const position = cursor === undefined ? undefined : decodeCursor(cursor);
    const { sql, params } = requestsQuery(filter, limit + 1, position, withBodies);
    const rows = (await this.db.all(sql, params)).map(storedRequestOf);
    const more = rows.length > limit;
    const data = more ? rows.slice(0, limit) : rows;
    return { data, nextCursor: more ? encodeCursor(data.at(-1) as StoredRequest) : null };
  }

  async usage(filter: RequestFilter, groupBy?: GroupBy, interval?: Interval): Promise<UsageRow[]> {
    const { sql, params } = usageQuery(filter, groupBy, interval);
    return (await this.db.all(sql, params)).map((row) => usageRowOf(row, groupBy, interval));
  }

  /** Deletes requests older than `time` (ms since the epoch); returns how many. */
  deleteBefore(time: number): Promise<number> {
    return this.db.run(`DELETE FROM ${TABLE} WHERE time_ms < $1`, [time]);
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

const largestPowerOfTwo = (n: number) => 2 ** Math.floor(Math.log2(n));
