/** A fresh PostgreSQL database for one benchmark run, dropped afterwards. */
import pg from 'pg';

/** Admin connection (the `test` database); override with `RISKGATE_BENCH_PG`. */
const adminUrl = (): string => process.env.RISKGATE_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface BenchDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

/** Creates `riskgate_bench_<label>_<pid>_<time>` and returns its URL. */
export async function createBenchDatabase(label: string): Promise<BenchDatabase> {
  const name = `riskgate_bench_${label}_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl() });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
