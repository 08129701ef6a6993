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
  | {
      readonly dialect: 'postgres';
      readonly url: string;
      readonly poolSize?: number;
      /** Called when a pooled connection fails (default: a process warning). Never throws. */
      readonly onConnectionError?: (error: Error) => void;
    }
  | { readonly dialect: 'sqlite'; readonly path: string };

/** Opens a database. SQLite runs in WAL mode with a busy timeout; PostgreSQL uses a pool. */
export function openDatabase(target: DbTarget): Db {
  if (target.dialect === 'postgres') {
    const pool = new pg.Pool({
      connectionString: target.url,
      max: target.poolSize ?? 10,
      // Without it, a request waits forever for a connection to a server that does not answer.
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    });
    guardPool(pool, target.onConnectionError ?? warnConnectionLost);
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

/** How long to wait for a new PostgreSQL connection before the request fails (503, retryable). */
export const CONNECT_TIMEOUT_MS = 5_000;

function warnConnectionLost(error: Error): void {
  process.emitWarning(`PostgreSQL connection lost: ${error.message}`);
}

/**
 * Keeps a pool's connection failures from killing the process. A connection the server ends
 * (restart, failover, `pg_terminate_backend`) emits 'error' on its client: on the pool while the
 * client is idle, on the client itself while a request holds it (between two statements of a
 * transaction). An 'error' event without a listener is thrown, and crashes the process; so every
 * client gets a listener when it connects. The pool drops the broken client (it is no longer
 * queryable) and opens a new one for the next request; the failed request gets the error.
 */
export function guardPool(pool: pg.Pool, onError: (error: Error) => void): void {
  pool.on('error', onError);
  pool.on('connect', (client) => {
    client.on('error', onError);
  });
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
