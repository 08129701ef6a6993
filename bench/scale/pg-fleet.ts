/**
 * Bulk-loads a large fleet into PostgreSQL with `INSERT … SELECT generate_series` (no rows cross
 * the wire): risk, compliance, labels, users and last-seen times derived from a hash of the seed
 * and the row number, so a different seed gives a different fleet of the same shape.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../../packages/server/src/db/types.ts';

/** Devices per user (the user filter matches about this many devices). */
export const DEVICES_PER_USER = 5;
/** Newest last-seen time; devices were last seen within the 30 days before it. */
export const LAST_SEEN_END = '2026-11-25T12:00:00.000Z';

/** The user name of user number `n` (as the loader writes it). */
export const userName = (n: number) => `user${String(n).padStart(7, '0')}@example.com`;

const BATCH = 100_000;

/** Inserts `count` devices of `tenantId` in statements of 100,000 rows, then runs ANALYZE. */
export async function loadPgFleet(
  db: Kysely<Database>,
  options: {
    readonly tenantId: string;
    readonly count: number;
    readonly seed: number;
    readonly progress: (message: string) => void;
  },
): Promise<void> {
  const { tenantId, count } = options;
  const seed = String(options.seed);
  const users = Math.max(1, Math.floor(count / DEVICES_PER_USER));
  for (let low = 1; low <= count; low += BATCH) {
    const high = Math.min(count, low + BATCH - 1);
    await sql`
      insert into devices (tenant_id, id, platform, ownership, "user", "groups", name, model, manufacturer,
        os_version, public_key_jwk, cert_serial, cert_fingerprint, enrollment_token_id, enrolled_at,
        last_seen_at, agent_version, risk_level, compliance_state, labels, retired_at, noncompliant_since)
      select ${tenantId}, 'dev_' || substr(md5(${seed} || ':id:' || g), 1, 20),
        case when r % 5 = 0 then 'ios' else 'android' end,
        case when r % 10 < 8 then 'corporate' else 'personal' end,
        'user' || lpad((u % ${users})::text, 7, '0') || '@example.com',
        case when r % 2 = 0 then '["staff"]' else '["staff","sales"]' end,
        null, 'Pixel 9', 'Google', '16', '{}', 'serial-' || g,
        md5(${seed} || ':fp:' || g) || md5(${seed} || ':fp2:' || g), null, '2026-01-01T00:00:00.000Z',
        to_char(timestamp '2026-11-25 12:00:00' - make_interval(secs => t % 2592000), 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
        '1.0.0',
        case when r < 200 then 'high' when r < 700 then 'medium' when r < 1500 then 'low' else 'secured' end,
        case when r < 200 then 'noncompliant' when r < 450 then 'in-grace-period'
          when r < 550 then 'unknown' else 'compliant' end,
        case when r < 200 then '["MTD - High Risk"]' when r < 700 then '["MTD - Moderate Risk"]'
          when r < 1500 then '["MTD - Low Risk"]' else '[]' end,
        case when t % 100 = 0 then '2026-10-01T00:00:00.000Z' else null end,
        case when r < 200 then '2026-11-20T00:00:00.000Z' else null end
      from (
        select g,
          (hashtext(${seed} || ':r:' || g) & 2147483647) % 10000 as r,
          (hashtext(${seed} || ':u:' || g) & 2147483647) as u,
          (hashtext(${seed} || ':t:' || g) & 2147483647) as t
        from generate_series(${low}::int, ${high}::int) as g
      ) as rows
    `.execute(db);
    options.progress(
      `postgres: loaded ${high.toLocaleString('en-US')}/${count.toLocaleString('en-US')} devices`,
    );
  }
  await sql`analyze devices`.execute(db);
}
