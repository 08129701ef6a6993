import type { Kysely, Selectable } from 'kysely';
import type { AccessPoliciesTable, Database, ResourcesTable } from '../db/types.ts';

export type ResourceRow = Selectable<ResourcesTable>;
export type AccessPolicyRow = Selectable<AccessPoliciesTable>;

/** The tenant's resources, by id. */
export function listResources(db: Kysely<Database>, tenantId: string): Promise<ResourceRow[]> {
  return db.selectFrom('resources').selectAll().where('tenant_id', '=', tenantId).orderBy('id').execute();
}

/** One resource of the tenant, or `undefined`. */
export function findResource(
  db: Kysely<Database>,
  tenantId: string,
  id: string,
): Promise<ResourceRow | undefined> {
  return db
    .selectFrom('resources')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** Inserts a resource; `false` when the id is taken in the tenant. */
export async function insertResource(db: Kysely<Database>, row: ResourcesTable): Promise<boolean> {
  const result = await db
    .insertInto('resources')
    .values(row)
    .onConflict((oc) => oc.columns(['tenant_id', 'id']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}

/** Replaces a resource's name, kind and document; `false` when there is none. */
export async function updateResource(
  db: Kysely<Database>,
  tenantId: string,
  id: string,
  changes: Pick<ResourcesTable, 'name' | 'kind' | 'doc'>,
): Promise<boolean> {
  const result = await db
    .updateTable('resources')
    .set(changes)
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Deletes a resource; `false` when there is none. */
export async function deleteResource(db: Kysely<Database>, tenantId: string, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom('resources')
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** The tenant's access policies in evaluation order (oldest first). */
export function listAccessPolicies(db: Kysely<Database>, tenantId: string): Promise<AccessPolicyRow[]> {
  return db
    .selectFrom('access_policies')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

/** One access policy of the tenant, or `undefined`. */
export function findAccessPolicy(
  db: Kysely<Database>,
  tenantId: string,
  id: string,
): Promise<AccessPolicyRow | undefined> {
  return db
    .selectFrom('access_policies')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** Inserts an access policy; `false` when the id is taken in the tenant. */
export async function insertAccessPolicy(db: Kysely<Database>, row: AccessPoliciesTable): Promise<boolean> {
  const result = await db
    .insertInto('access_policies')
    .values(row)
    .onConflict((oc) => oc.columns(['tenant_id', 'id']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}

/** Replaces an access policy's name, state and document; `false` when there is none. */
export async function updateAccessPolicy(
  db: Kysely<Database>,
  tenantId: string,
  id: string,
  changes: Pick<AccessPoliciesTable, 'name' | 'state' | 'doc' | 'updated_at'>,
): Promise<boolean> {
  const result = await db
    .updateTable('access_policies')
    .set(changes)
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Deletes an access policy; `false` when there is none. */
export async function deleteAccessPolicy(
  db: Kysely<Database>,
  tenantId: string,
  id: string,
): Promise<boolean> {
  const result = await db
    .deleteFrom('access_policies')
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
