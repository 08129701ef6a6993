import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Database } from '../db/types.ts';

/** One stored row, as the driver returns it (column name → value). */
export type StoredRow = Record<string, unknown>;

/** How a table's rows are tied to one device (any condition matches). */
export interface DeviceRowMatch {
  /** Columns equal to the device id. */
  readonly equals?: readonly string[];
  /** Text columns that contain the device id (JSON payloads, audit details). */
  readonly contains?: readonly string[];
  /** Columns equal to one of these values (e.g. the enrollment tokens the device used). */
  readonly oneOf?: { readonly column: string; readonly values: readonly string[] };
}

/** `value` escaped for a LIKE pattern with `\` as the escape character. */
function likeEscaped(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('%', '\\%').replaceAll('_', '\\_');
}

function matchCondition(deviceId: string, match: DeviceRowMatch): RawBuilder<unknown> {
  const parts: RawBuilder<unknown>[] = [];
  for (const column of match.equals ?? []) parts.push(sql`${sql.ref(column)} = ${deviceId}`);
  const pattern = `%${likeEscaped(deviceId)}%`;
  for (const column of match.contains ?? [])
    parts.push(sql`${sql.ref(column)} like ${pattern} escape ${'\\'}`);
  if (match.oneOf !== undefined && match.oneOf.values.length > 0)
    parts.push(
      sql`${sql.ref(match.oneOf.column)} in (${sql.join(match.oneOf.values.map((value) => sql`${value}`))})`,
    );
  if (parts.length === 0) return sql`1 = 0`;
  return sql`(${sql.join(parts, sql` or `)})`;
}

/**
 * One page of a tenant's rows of `table` tied to `deviceId`, ordered by the unique column `key`
 * after `after` (keyset paging: each page is one indexed or bounded query, so an export of a
 * device with 100k access-log rows holds one page in memory at a time).
 */
export async function listDeviceRowsPage(
  db: Kysely<Database>,
  options: {
    readonly table: string;
    readonly tenantId: string;
    readonly deviceId: string;
    readonly match: DeviceRowMatch;
    readonly key: string;
    readonly after: unknown;
    readonly limit: number;
  },
): Promise<StoredRow[]> {
  const { table, tenantId, deviceId, match, key, after, limit } = options;
  const afterCondition = after === undefined ? sql`1 = 1` : sql`${sql.ref(key)} > ${after}`;
  const result = await sql<StoredRow>`select * from ${sql.table(table)}
    where tenant_id = ${tenantId} and ${matchCondition(deviceId, match)} and ${afterCondition}
    order by ${sql.ref(key)} limit ${limit}`.execute(db);
  return result.rows;
}
