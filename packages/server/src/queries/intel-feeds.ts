import type { Kysely, Selectable } from 'kysely';
import type { Database, IntelFeedsTable } from '../db/types.ts';

export type IntelFeedRow = Selectable<IntelFeedsTable>;
/** A feed row without its (possibly large) content. */
export type IntelFeedSummaryRow = Omit<IntelFeedRow, 'content'>;

const SUMMARY = [
  'tenant_id',
  'id',
  'name',
  'format',
  'version',
  'digest',
  'counts',
  'imported_at',
  'path',
] as const;

/** Feeds of the given scopes (tenant ids and/or `*`), without content, by name. */
export async function listIntelFeeds(
  db: Kysely<Database>,
  scopes: readonly string[],
): Promise<IntelFeedSummaryRow[]> {
  return db
    .selectFrom('intel_feeds')
    .select(SUMMARY)
    .where('tenant_id', 'in', scopes)
    .orderBy('name')
    .orderBy('id')
    .execute();
}

/** Every stored feed with content (for rebuilding indexes at start). */
export async function listIntelFeedContents(
  db: Kysely<Database>,
): Promise<Pick<IntelFeedRow, 'tenant_id' | 'id' | 'name' | 'format' | 'content'>[]> {
  return db
    .selectFrom('intel_feeds')
    .select(['tenant_id', 'id', 'name', 'format', 'content'])
    .orderBy('tenant_id')
    .orderBy('name')
    .execute();
}

/** One feed of a scope by id, without content. */
export async function findIntelFeed(
  db: Kysely<Database>,
  scope: string,
  id: string,
): Promise<IntelFeedSummaryRow | undefined> {
  return db
    .selectFrom('intel_feeds')
    .select(SUMMARY)
    .where('tenant_id', '=', scope)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** Creates or replaces the feed of that name in the scope; returns the stored id. */
export async function upsertIntelFeed(db: Kysely<Database>, row: IntelFeedsTable): Promise<string> {
  const existing = await db
    .selectFrom('intel_feeds')
    .select('id')
    .where('tenant_id', '=', row.tenant_id)
    .where('name', '=', row.name)
    .executeTakeFirst();
  if (existing === undefined) {
    await db.insertInto('intel_feeds').values(row).execute();
    return row.id;
  }
  const { id: _id, tenant_id: _tenant, name: _name, ...changes } = row;
  await db.updateTable('intel_feeds').set(changes).where('id', '=', existing.id).execute();
  return existing.id;
}

/** Deletes a feed of a scope; `false` when there is none. */
export async function deleteIntelFeed(db: Kysely<Database>, scope: string, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom('intel_feeds')
    .where('tenant_id', '=', scope)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
