import type { Database } from './store.ts';

/** Any number: a lock id of the gateway's own, so replicas starting together migrate one at a time. */
const MIGRATION_LOCK = 0x5717c4;

/**
 * PostgreSQL through `pg`, loaded only when DATABASE_URL is set. A small pool: writes come in
 * batches and admin queries are rare, so a few connections serve a busy replica.
 */
export async function openPostgres(url: string): Promise<Database> {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: url, max: 4, connectionTimeoutMillis: 5_000 });
  // An idle connection dropped by the server is replaced on the next query; without a listener
  // the pool's 'error' event would end the process.
  pool.on('error', () => {});
  return {
    idType: 'BIGSERIAL PRIMARY KEY',
    // PostgreSQL allows 65 535 bound values per statement.
    insertRows: 1000,
    async all(sql, params) {
      return (await pool.query(sql, params as unknown[])).rows;
    },
    async run(sql, params) {
      return (await pool.query(sql, params as unknown[])).rowCount ?? 0;
    },
    async migrate(work) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
        await work(async (sql) => {
          const result = await client.query(sql);
          // A multi-statement text answers with one result per statement.
          return Array.isArray(result) ? [] : result.rows;
        });
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
