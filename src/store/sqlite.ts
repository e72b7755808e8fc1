import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Database } from './store.ts';

const SQLITE_FILE = 'switchyard.db';

/**
 * `$1 … $n` → anonymous `?`s, with the values reordered to match: Node 22's node:sqlite refuses
 * numbered parameters (`?NNN`) that a statement uses out of order or more than once.
 */
function positional(sql: string): { sql: string; order: number[] } {
  const order: number[] = [];
  const text = sql.replace(/\$(\d+)/g, (_match, index: string) => {
    order.push(Number(index) - 1);
    return '?';
  });
  return { sql: text, order };
}

const BUSY_TIMEOUT_MS = 5000;

/**
 * WAL mode, which the file keeps once set. Two processes switching a new file at once (the workers
 * of WORKERS, starting together) can each hold the lock the other needs; SQLite then fails one at
 * once with "database is locked" instead of waiting its busy timeout, so it is retried here.
 */
export async function switchToWal(db: Pick<DatabaseSync, 'exec'>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let wait = 5; ; wait = Math.min(wait * 2, 200)) {
    try {
      db.exec('PRAGMA journal_mode = WAL');
      return;
    } catch (error) {
      if (!/database is locked|SQLITE_BUSY/i.test((error as Error).message) || Date.now() >= deadline) throw error;
      await sleep(wait);
    }
  }
}

/**
 * SQLite through Node's built-in `node:sqlite` (no native build, nothing to install). WAL mode and
 * a busy timeout let several gateway processes on one host share the file.
 */
export async function openSqlite(dataDir: string): Promise<Database> {
  // Loaded on use: importing node:sqlite prints an experimental warning on Node 22.
  const { DatabaseSync } = await import('node:sqlite');
  mkdirSync(dataDir, { recursive: true });
  // The timeout comes first: switching to WAL already needs the lock another process may hold.
  const db = new DatabaseSync(join(dataDir, SQLITE_FILE), { timeout: BUSY_TIMEOUT_MS });
  await switchToWal(db, BUSY_TIMEOUT_MS);
  db.exec('PRAGMA synchronous = NORMAL');
  const statements = new Map<string, { statement: ReturnType<typeof db.prepare>; order: number[] | undefined }>();
  const prepared = (sql: string, params: readonly unknown[]) => {
    let entry = statements.get(sql);
    if (!entry) {
      const converted = positional(sql);
      // Inserts number their values in order: no need to copy thousands of them into a new array.
      const inOrder = converted.order.every((index, at) => index === at) && converted.order.length === params.length;
      entry = { statement: db.prepare(converted.sql), order: inOrder ? undefined : converted.order };
      // Insert statements differ only by their row count; keep the cache small anyway.
      if (statements.size > 64) statements.clear();
      statements.set(sql, entry);
    }
    const order = entry.order;
    const values = (order ? order.map((index) => params[index]) : params) as Parameters<typeof entry.statement.run>;
    return { statement: entry.statement, values };
  };
  return {
    idType: 'INTEGER PRIMARY KEY',
    // SQLite allows 32 766 bound values per statement.
    insertRows: 500,
    async all(sql, params) {
      const { statement, values } = prepared(sql, params);
      return statement.all(...values) as Record<string, unknown>[];
    },
    async run(sql, params) {
      const { statement, values } = prepared(sql, params);
      return Number(statement.run(...values).changes);
    },
    async migrate(work) {
      db.exec('BEGIN IMMEDIATE');
      try {
        await work(async (sql) => {
          // Several statements (a migration) go through exec; a single query returns its rows.
          if (/^\s*SELECT/i.test(sql)) return db.prepare(sql).all() as Record<string, unknown>[];
          db.exec(sql);
          return [];
        });
        db.exec('COMMIT');
      } catch (error) {
        db.exec('ROLLBACK');
        throw error;
      }
    },
    async close() {
      statements.clear();
      db.close();
    },
  };
}
