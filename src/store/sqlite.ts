import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from './store.ts';

const SQLITE_FILE = 'switchyard.db';

/** `$1` → `?1`: node:sqlite binds positional values to numbered parameters only. */
const numbered = (sql: string) => sql.replace(/\$(\d+)/g, '?$1');

/**
 * SQLite through Node's built-in `node:sqlite` (no native build, nothing to install). WAL mode and
 * a busy timeout let several gateway processes on one host share the file.
 */
export async function openSqlite(dataDir: string): Promise<Database> {
  // Loaded on use: importing node:sqlite prints an experimental warning on Node 22.
  const { DatabaseSync } = await import('node:sqlite');
  mkdirSync(dataDir, { recursive: true });
  // The timeout comes first: switching to WAL already needs the lock another process may hold.
  const db = new DatabaseSync(join(dataDir, SQLITE_FILE), { timeout: 5000 });
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
  const statements = new Map<string, ReturnType<typeof db.prepare>>();
  const prepared = (sql: string) => {
    let statement = statements.get(sql);
    if (!statement) {
      statement = db.prepare(numbered(sql));
      // Insert statements differ only by their row count; keep the cache small anyway.
      if (statements.size > 64) statements.clear();
      statements.set(sql, statement);
    }
    return statement;
  };
  return {
    idType: 'INTEGER PRIMARY KEY',
    // SQLite allows 32 766 bound values per statement.
    insertRows: 500,
    async all(sql, params) {
      return prepared(sql).all(...params) as Record<string, unknown>[];
    },
    async run(sql, params) {
      return Number(prepared(sql).run(...params).changes);
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
