import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/types.ts';

/**
 * Re-rates every open (active or ignored) threat of a type in one UPDATE, except threats whose
 * family has its own override (`exceptFamilies`, lower-cased: family overrides win), or only those
 * of `family`. `override` is the type's override; without one each threat gets back its own risk
 * before overrides (`default_risk`: the detector's instance risk, e.g. by patch age, which the
 * catalog default is not), `catalogDefault` where an old row has none. Returns rows changed.
 */
export async function setRiskOfOpenThreatsByType(
  db: Kysely<Database>,
  tenantId: string,
  params: {
    readonly typeId: string;
    readonly override: string | undefined;
    readonly catalogDefault: string;
    readonly exceptFamilies?: readonly string[];
    readonly family?: string;
  },
): Promise<number> {
  const risk =
    params.override === undefined
      ? sql<string>`coalesce(default_risk, ${params.catalogDefault})`
      : sql<string>`${params.override}`;
  let query = db
    .updateTable('threats')
    .set({ risk })
    .where('tenant_id', '=', tenantId)
    .where('type_id', '=', params.typeId)
    .where('state', '<>', 'resolved')
    .where('risk', '<>', risk);
  const except = params.exceptFamilies ?? [];
  if (except.length > 0)
    query = query.where((eb) =>
      eb.or([eb('family', 'is', null), eb(sql<string>`lower(family)`, 'not in', except)]),
    );
  if (params.family !== undefined) query = query.where(sql<string>`lower(family)`, '=', params.family);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Re-rates every open threat of a family (lower-cased) in one UPDATE; returns rows changed. */
export async function setRiskOfOpenThreatsByFamily(
  db: Kysely<Database>,
  tenantId: string,
  family: string,
  risk: string,
): Promise<number> {
  const result = await db
    .updateTable('threats')
    .set({ risk })
    .where('tenant_id', '=', tenantId)
    .where(sql<string>`lower(family)`, '=', family)
    .where('state', '<>', 'resolved')
    .where('risk', '<>', risk)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Creates or replaces a tenant override (`type_id` is a threat type id or `family:<name>`). */
export async function upsertThreatTypeOverride(
  db: Kysely<Database>,
  row: { tenant_id: string; type_id: string; risk: string; updated_at: string },
): Promise<void> {
  await db
    .insertInto('threat_type_overrides')
    .values(row)
    .onConflict((oc) =>
      oc.columns(['tenant_id', 'type_id']).doUpdateSet({ risk: row.risk, updated_at: row.updated_at }),
    )
    .execute();
}

/** Deletes a tenant override; `false` when there was none. */
export async function deleteThreatTypeOverride(
  db: Kysely<Database>,
  tenantId: string,
  typeId: string,
): Promise<boolean> {
  const result = await db
    .deleteFrom('threat_type_overrides')
    .where('tenant_id', '=', tenantId)
    .where('type_id', '=', typeId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
