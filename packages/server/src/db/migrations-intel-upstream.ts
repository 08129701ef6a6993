import type { Kysely } from 'kysely';

/**
 * Where a stored intel feed is fetched from, and how the last fetches went (docs/intel.md,
 * "Fresh from upstream"): one row per feed (`intel_feeds.id`), the secret sealed, the conditional
 * request validators, the TAXII cursor, the health the admin API and /metrics show, and the
 * fetch lease (one node fetches a feed at a time).
 */
export async function upIntelFeedUpstreams(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('intel_feed_upstreams')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('feed_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('format', 'text')
    .addColumn('collection', 'text')
    .addColumn('interval_seconds', 'integer', (c) => c.notNull())
    .addColumn('max_bytes', 'integer', (c) => c.notNull())
    .addColumn('sha256', 'text')
    .addColumn('auth', 'text', (c) => c.notNull())
    .addColumn('username', 'text')
    .addColumn('secret_sealed', 'text')
    .addColumn('etag', 'text')
    .addColumn('last_modified', 'text')
    .addColumn('cursor', 'text')
    .addColumn('last_fetch_at', 'text')
    .addColumn('last_success_at', 'text')
    .addColumn('last_status', 'text')
    .addColumn('last_error', 'text')
    .addColumn('last_error_at', 'text')
    .addColumn('fetches', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_fetch_at', 'text', (c) => c.notNull())
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('intel_feed_upstreams_pk', ['tenant_id', 'feed_id'])
    .execute();
  await db.schema
    .createIndex('intel_feed_upstreams_due')
    .on('intel_feed_upstreams')
    .columns(['next_fetch_at'])
    .execute();
}

export async function downIntelFeedUpstreams(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('intel_feed_upstreams').ifExists().execute();
}
