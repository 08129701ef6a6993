import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type Db, type DialectName, openDatabase } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrations.ts';

/** Every dialect storage and route tests run on. */
export const DIALECTS = ['sqlite', 'postgres'] as const satisfies readonly DialectName[];

/** Where test databases are created; override with `RISKGATE_TEST_PG_URL`. */
export function postgresAdminUrl(): string {
  return process.env.RISKGATE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function withAdminClient<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: postgresAdminUrl(), connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

let probe: Promise<string | undefined> | undefined;

/** `undefined` when PostgreSQL answers, else why not. Probed once per test file. */
export function probePostgres(): Promise<string | undefined> {
  probe ??= withAdminClient(async (client) => {
    await client.query('select 1');
    return undefined;
  }).catch((error: unknown) => (error instanceof Error ? error.message : String(error)));
  return probe;
}

/**
 * Whether to skip a dialect's tests: only PostgreSQL, only when unreachable, and never under
 * `CI=true` (there, `createTestDb` throws in `beforeAll` so the tests fail loudly).
 */
export async function shouldSkipDialect(dialect: DialectName): Promise<boolean> {
  if (dialect !== 'postgres' || process.env.CI === 'true') return false;
  const reason = await probePostgres();
  if (reason === undefined) return false;
  console.warn(`SKIPPING postgres tests: PostgreSQL at ${postgresAdminUrl()} is unreachable (${reason})`);
  return true;
}

/** A migrated test database and how to throw it away. */
export interface TestDb {
  readonly db: Db;
  destroy(): Promise<void>;
}

/** A migrated SQLite temp file, or a fresh PostgreSQL database `rg_test_<random>` (dropped by `destroy`). */
export async function createTestDb(dialect: DialectName): Promise<TestDb> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'riskgate-test-'));
    const db = openDatabase({ dialect: 'sqlite', path: join(dir, 'riskgate.db') });
    await migrateToLatest(db.db);
    return {
      db,
      async destroy() {
        await db.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const reason = await probePostgres();
  if (reason !== undefined) {
    throw new Error(
      `PostgreSQL is required for the postgres tests but ${postgresAdminUrl()} is unreachable: ${reason}` +
        ' (start PostgreSQL or set RISKGATE_TEST_PG_URL)',
    );
  }
  const name = `rg_test_${randomBytes(6).toString('hex')}`;
  await withAdminClient((client) => client.query(`create database ${name}`));
  const db = openDatabase({ dialect: 'postgres', url: withDatabase(postgresAdminUrl(), name), poolSize: 5 });
  await migrateToLatest(db.db);
  return {
    db,
    async destroy() {
      await db.close();
      await withAdminClient((client) => client.query(`drop database if exists ${name} with (force)`));
    },
  };
}
