import { type Config, sqlitePathOf } from '../config.ts';
import { type Db, openDatabase } from '../db/database.ts';
import { migrateToLatest } from '../db/migrations.ts';

/**
 * Opens the configured database (PostgreSQL when `DATABASE_URL` is set, else SQLite) and migrates
 * it. `onConnectionError` hears lost PostgreSQL connections (the server logs them).
 */
export async function openConfiguredDatabase(
  config: Config,
  onConnectionError?: (error: Error) => void,
): Promise<Db> {
  const db =
    config.databaseUrl !== undefined
      ? openDatabase({
          dialect: 'postgres',
          url: config.databaseUrl,
          ...(onConnectionError === undefined ? {} : { onConnectionError }),
        })
      : openDatabase({ dialect: 'sqlite', path: sqlitePathOf(config) });
  try {
    await migrateToLatest(db.db);
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}

/** Where the database is, for messages (never prints a password). */
export function describeDatabase(config: Config): string {
  if (config.databaseUrl === undefined) return `SQLite ${sqlitePathOf(config)}`;
  const url = new URL(config.databaseUrl);
  return `PostgreSQL ${url.hostname}:${url.port || '5432'}${url.pathname}`;
}
