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
  'parse_context',
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

/** Every stored feed of every scope, without content (what a node compares with the feeds it holds). */
export async function listAllIntelFeeds(db: Kysely<Database>): Promise<IntelFeedSummaryRow[]> {
  return db.selectFrom('intel_feeds').select(SUMMARY).orderBy('tenant_id').orderBy('name').execute();
}

/** The content of the given feeds (any scope); a feed deleted meanwhile is missing. */
export async function listIntelFeedContentsByIds(
  db: Kysely<Database>,
  ids: readonly string[],
): Promise<Pick<IntelFeedRow, 'id' | 'content'>[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('intel_feeds').select(['id', 'content']).where('id', 'in', ids).execute();
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
