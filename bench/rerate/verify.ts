/**
 * Checks for the re-rate benchmark: that every affected device's stored risk and its entry in the
 * decision cache show the expected level, and the floor (plain set-based SQL, rolled back).
 */
import { type Kysely, sql } from 'kysely';
import type { DecisionCache } from '../../packages/server/src/access/decision-cache.ts';
import type { Database } from '../../packages/server/src/db/types.ts';
import { nowNs } from '../lib/stats.ts';

/** Devices whose stored level or cached level differs from the expected one. */
export interface Mismatch {
  readonly db: number;
  readonly cache: number;
}

/** Compares the database and the decision cache with `expected` (device id → level). */
export async function checkLevels(
  db: Kysely<Database>,
  cache: DecisionCache,
  expected: ReadonlyMap<string, string>,
): Promise<Mismatch> {
  const ids = [...expected.keys()];
  let dbWrong = 0;
  let cacheWrong = 0;
  for (let start = 0; start < ids.length; start += 500) {
    const chunk = ids.slice(start, start + 500);
    const rows = await db
      .selectFrom('devices')
      .select(['id', 'risk_level'])
      .where('id', 'in', chunk)
      .execute();
    const stored = new Map(rows.map((row) => [row.id, row.risk_level] as const));
    for (const id of chunk) {
      const want = expected.get(id);
      if (stored.get(id) !== want) dbWrong++;
      // A device missing from the cache would be loaded from the database on its next decision, so
      // only a cached entry with another level is a stale decision.
      const cached = cache.peek(id);
      if (cached !== undefined && cached.riskLevel !== want) cacheWrong++;
    }
  }
  return { db: dbWrong, cache: cacheWrong };
}

class Rollback extends Error {}

/** Wall time and this process's CPU time (user + system) of one measured step, in ms. */
export interface Timing {
  readonly ms: number;
  readonly cpuMs: number;
}

/** Runs `work` in a transaction, times it, and rolls it back: the database is left as it was. */
export async function timeRolledBack(
  db: Kysely<Database>,
  work: (trx: Kysely<Database>) => Promise<void>,
): Promise<Timing> {
  let timing: Timing = { ms: Number.NaN, cpuMs: Number.NaN };
  try {
    await db.transaction().execute(async (trx) => {
      const cpu = process.cpuUsage();
      const start = nowNs();
      await work(trx);
      const used = process.cpuUsage(cpu);
      timing = { ms: (nowNs() - start) / 1e6, cpuMs: (used.user + used.system) / 1000 };
      throw new Rollback();
    });
  } catch (error) {
    if (!(error instanceof Rollback)) throw error;
  }
  return timing;
}

/** Floor of a reclassification: one UPDATE of the type's open threats and one of their devices' level. */
export function reclassifyFloor(tenantId: string, typeId: string, risk: string) {
  return async (trx: Kysely<Database>) => {
    await sql`update threats set risk = ${risk} where tenant_id = ${tenantId} and type_id = ${typeId} and state <> 'resolved'`.execute(
      trx,
    );
    await sql`update devices set risk_level = ${risk} where tenant_id = ${tenantId} and id in (select device_id from threats where tenant_id = ${tenantId} and type_id = ${typeId} and state = 'active')`.execute(
      trx,
    );
  };
}

/** Floor of an intel import: one UPDATE of the devices whose stored snapshot text holds the app id. */
export function intelFloor(tenantId: string, pkg: string) {
  return async (trx: Kysely<Database>) => {
    await sql`update devices set risk_level = 'high' where tenant_id = ${tenantId} and id in (select device_id from snapshots where tenant_id = ${tenantId} and snapshot like ${`%"${pkg}"%`})`.execute(
      trx,
    );
  };
}
