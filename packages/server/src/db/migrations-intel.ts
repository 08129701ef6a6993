import type { Kysely } from 'kysely';

/**
 * A stored feed keeps the context it was parsed with (the family and category the STIX bundle or
 * write-up beside it gave, as JSON), so every node re-parsing the stored copy gets the same
 * indicators as the import did. `null`: parsed on its own.
 */
export async function upIntelFeedContext(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('intel_feeds').addColumn('parse_context', 'text').execute();
}

export async function downIntelFeedContext(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('intel_feeds').dropColumn('parse_context').execute();
}
