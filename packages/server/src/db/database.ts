import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { FifoSqliteDialect } from './sqlite-driver.ts';
import type { Database } from './types.ts';

export type DialectName = 'sqlite' | 'postgres';

/** An open database: the Kysely handle, which dialect it speaks, and how to close it. */
export interface Db {
  readonly db: Kysely<Database>;
  readonly dialect: DialectName;
  close(): Promise<void>;
}

/** Where to connect: a PostgreSQL URL or a SQLite file path. */
export type DbTarget =
  | { readonly dialect: 'postgres'; readonly url: string; readonly poolSize?: number }
  | { readonly dialect: 'sqlite'; readonly path: string };

/** Opens a database. SQLite runs in WAL mode with a busy timeout; PostgreSQL uses a pool. */
export function openDatabase(target: DbTarget): Db {
  if (target.dialect === 'postgres') {
    const pool = new pg.Pool({ connectionString: target.url, max: target.poolSize ?? 10 });
    // An idle client whose connection the server ends (restart, failover, DROP DATABASE) emits
    // 'error' on the pool; unhandled, that would crash the process. The pool replaces the client.
    pool.on('error', (error) => {
      process.emitWarning(`PostgreSQL idle connection lost: ${error.message}`);
    });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, dialect: 'postgres', close: () => db.destroy() };
  }
  mkdirSync(dirname(target.path), { recursive: true });
  const database = new SqliteDatabase(target.path);
  database.pragma('journal_mode = WAL');
  database.pragma('busy_timeout = 5000');
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  // SQLite plans without statistics unless ANALYZE ran; then it picks the (tenant_id, risk_level)
  // index for per-device reads and scans a whole tenant per page (see BENCHMARKS.md, rerate).
  // 0x10002 is SQLite's advice for opening a connection: analyse what needs it, with a bounded cost.
  database.pragma('optimize = 0x10002');
  const db = new Kysely<Database>({
    dialect: new FifoSqliteDialect({ database: withStatementCache(database) }),
  });
  return { db, dialect: 'sqlite', close: () => db.destroy() };
}

/** How many prepared statements a SQLite connection keeps; queries are built from a few hundred shapes. */
const STATEMENT_CACHE_SIZE = 1000;

/**
 * Kysely prepares every query anew; preparing costs as much as running a small query. This keeps
 * prepared statements by SQL text (least recently used evicted), which is safe because Kysely runs
 * one statement at a time on the single SQLite connection and never streams here.
 */
function withStatementCache(database: SqliteDatabase.Database): {
  prepare(sql: string): SqliteDatabase.Statement;
  close(): void;
} {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    prepare(sqlText) {
      let statement = cache.get(sqlText);
      if (statement === undefined) {
        statement = database.prepare(sqlText);
        if (cache.size >= STATEMENT_CACHE_SIZE) {
          const oldest = cache.keys().next();
          if (oldest.done !== true) cache.delete(oldest.value);
        }
      } else {
        cache.delete(sqlText);
      }
      cache.set(sqlText, statement);
      return statement;
    },
    close: () => database.close(),
  };
}

/** Cheap liveness query for `/readyz`. */
export async function pingDatabase(db: Kysely<Database>): Promise<void> {
  await sql`select 1`.execute(db);
}
