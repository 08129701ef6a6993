import { type Kysely, sql } from 'kysely';

/**
 * `threats.default_risk`: the risk the detection had before the tenant's overrides (the detector's
 * instance risk, e.g. by patch age, or the catalog default), so that removing an override gives an
 * open threat back the risk a fresh assessment gives it (the catalog default is wrong for
 * instance-rated threats: a 400-day-old patch is high, not the type's medium). Rows written
 * before get it where no override covers them (their stored risk is then that risk); the others
 * get it from their next report and fall back to the catalog default until then.
 */
export async function upThreatDefaultRisk(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('threats').addColumn('default_risk', 'text').execute();
  await sql`
    update threats set default_risk = risk
    where not exists (
      select 1 from threat_type_overrides o
      where o.tenant_id = threats.tenant_id
        and (o.type_id = threats.type_id or o.type_id = 'family:' || lower(threats.family))
    )
  `.execute(db);
}

export async function downThreatDefaultRisk(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('threats').dropColumn('default_risk').execute();
}
