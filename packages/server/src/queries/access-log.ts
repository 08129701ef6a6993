import type { Kysely } from 'kysely';
import type { Database } from '../db/types.ts';

/** One persisted access outcome: a denial or a report-only "would deny" (migration 0002_access). */
export interface AccessLogTable {
  tenant_id: string;
  id: string;
  at: string;
  device_id: string | null;
  resource_id: string;
  outcome: 'deny' | 'would-deny';
  reason: string;
  policy_id: string | null;
  /** JSON: `{ host?, path?, method?, enforcement? }`. */
  details: string;
}

type AccessLogDb = Kysely<Database & { access_log: AccessLogTable }>;

const withLog = (db: Kysely<Database>): AccessLogDb => db.withTables<{ access_log: AccessLogTable }>();

/** Inserts a batch of entries in one statement. */
export async function insertAccessLogRows(
  db: Kysely<Database>,
  rows: readonly AccessLogTable[],
): Promise<void> {
  if (rows.length === 0) return;
  await withLog(db)
    .insertInto('access_log')
    .values([...rows])
    .execute();
}

/** Filters for {@link listAccessLog}. */
export interface AccessLogFilter {
  readonly from?: string;
  readonly to?: string;
  readonly resourceId?: string;
  readonly outcome?: AccessLogTable['outcome'];
  readonly policyId?: string;
  readonly deviceId?: string;
}

/**
 * The tenant's entries, newest first, `limit` per page; `before` is the cursor (`at|id` of the
 * last entry of the previous page).
 */
export async function listAccessLog(
  db: Kysely<Database>,
  tenantId: string,
  filter: AccessLogFilter,
  page: { readonly limit: number; readonly before?: { at: string; id: string } },
): Promise<AccessLogTable[]> {
  let query = withLog(db).selectFrom('access_log').selectAll().where('tenant_id', '=', tenantId);
  if (filter.from !== undefined) query = query.where('at', '>=', filter.from);
  if (filter.to !== undefined) query = query.where('at', '<', filter.to);
  if (filter.resourceId !== undefined) query = query.where('resource_id', '=', filter.resourceId);
  if (filter.outcome !== undefined) query = query.where('outcome', '=', filter.outcome);
  if (filter.policyId !== undefined) query = query.where('policy_id', '=', filter.policyId);
  if (filter.deviceId !== undefined) query = query.where('device_id', '=', filter.deviceId);
  const before = page.before;
  if (before !== undefined) {
    query = query.where((eb) =>
      eb.or([eb('at', '<', before.at), eb.and([eb('at', '=', before.at), eb('id', '<', before.id)])]),
    );
  }
  return query.orderBy('at', 'desc').orderBy('id', 'desc').limit(page.limit).execute();
}
