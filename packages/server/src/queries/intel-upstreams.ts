import type { Kysely, Selectable, Updateable } from 'kysely';
import type { Database, IntelFeedUpstreamsTable } from '../db/types.ts';

export type IntelUpstreamRow = Selectable<IntelFeedUpstreamsTable>;

/** The upstream of one feed of a scope (a tenant id or `*`). */
export async function findIntelUpstream(
  db: Kysely<Database>,
  scope: string,
  feedId: string,
): Promise<IntelUpstreamRow | undefined> {
  return db
    .selectFrom('intel_feed_upstreams')
    .selectAll()
    .where('tenant_id', '=', scope)
    .where('feed_id', '=', feedId)
    .executeTakeFirst();
}

/** The upstreams of the given scopes, by feed id. */
export async function listIntelUpstreams(
  db: Kysely<Database>,
  scopes: readonly string[],
): Promise<IntelUpstreamRow[]> {
  return db
    .selectFrom('intel_feed_upstreams')
    .selectAll()
    .where('tenant_id', 'in', scopes)
    .orderBy('tenant_id')
    .orderBy('feed_id')
    .execute();
}

/** Every upstream with the name of its feed (the metrics' labels), any scope. */
export async function listAllIntelUpstreamsWithNames(
  db: Kysely<Database>,
): Promise<Array<IntelUpstreamRow & { name: string; counts: string }>> {
  return db
    .selectFrom('intel_feed_upstreams as u')
    .innerJoin('intel_feeds as f', 'f.id', 'u.feed_id')
    .selectAll('u')
    .select(['f.name', 'f.counts'])
    .orderBy('u.tenant_id')
    .orderBy('f.name')
    .execute();
}

/** Upstreams due at `now` whose lease is free, oldest due first. */
export async function listDueIntelUpstreams(
  db: Kysely<Database>,
  now: string,
  limit: number,
): Promise<Pick<IntelUpstreamRow, 'tenant_id' | 'feed_id'>[]> {
  return db
    .selectFrom('intel_feed_upstreams')
    .select(['tenant_id', 'feed_id'])
    .where('next_fetch_at', '<=', now)
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
    .orderBy('next_fetch_at')
    .limit(limit)
    .execute();
}

/** Creates or replaces a feed's upstream configuration (fetch state is reset when the URL changes). */
export async function upsertIntelUpstream(db: Kysely<Database>, row: IntelFeedUpstreamsTable): Promise<void> {
  const existing = await findIntelUpstream(db, row.tenant_id, row.feed_id);
  if (existing === undefined) {
    await db.insertInto('intel_feed_upstreams').values(row).execute();
    return;
  }
  const { tenant_id: _t, feed_id: _f, created_at: _c, ...changes } = row;
  await db
    .updateTable('intel_feed_upstreams')
    .set(changes)
    .where('tenant_id', '=', row.tenant_id)
    .where('feed_id', '=', row.feed_id)
    .execute();
}

/** Updates the fetch state of an upstream. */
export async function updateIntelUpstream(
  db: Kysely<Database>,
  scope: string,
  feedId: string,
  changes: Updateable<IntelFeedUpstreamsTable>,
  /** Only while this node holds the lease. */
  leaseOwner?: string,
): Promise<number> {
  let query = db
    .updateTable('intel_feed_upstreams')
    .set(changes)
    .where('tenant_id', '=', scope)
    .where('feed_id', '=', feedId);
  if (leaseOwner !== undefined) query = query.where('lease_owner', '=', leaseOwner);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/**
 * Takes the fetch lease of an upstream until `until` when it is free (never taken, or expired at
 * `now`): one conditional UPDATE, so of nodes racing for it exactly one gets a row (PostgreSQL
 * re-checks the condition on the row another transaction just updated; SQLite writes one at a
 * time). `true` when this node holds it.
 */
export async function takeIntelUpstreamLease(
  db: Kysely<Database>,
  scope: string,
  feedId: string,
  owner: string,
  now: string,
  until: string,
): Promise<boolean> {
  const result = await db
    .updateTable('intel_feed_upstreams')
    .set({ lease_owner: owner, lease_until: until })
    .where('tenant_id', '=', scope)
    .where('feed_id', '=', feedId)
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Deletes a feed's upstream; `false` when it had none. */
export async function deleteIntelUpstream(
  db: Kysely<Database>,
  scope: string,
  feedId: string,
): Promise<boolean> {
  const result = await db
    .deleteFrom('intel_feed_upstreams')
    .where('tenant_id', '=', scope)
    .where('feed_id', '=', feedId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
