import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { versionNotification } from '../events/pg-notify.ts';
import { bumpClusterVersion } from '../queries/cluster-versions.ts';

/**
 * The kinds of shared state nodes keep copies of, as `cluster_versions` scopes:
 * - `intel`: the stored intel feeds (any scope); nodes reload the changed feeds.
 * - `config:<tenant>`: a tenant's resources and access policies; nodes recompile them.
 * - `devices:<tenant>`: device states changed outside report ingestion by a process that cannot
 *   tell each node about each device (the CLI; SQLite nodes); nodes drop the tenant's cached devices.
 */
export const INTEL_SCOPE = 'intel';
export const configScope = (tenantId: string): string => `config:${tenantId}`;
export const devicesScope = (tenantId: string): string => `devices:${tenantId}`;

/** What a scope names. */
export type ScopeTarget =
  | { readonly kind: 'intel' }
  | { readonly kind: 'config' | 'devices'; readonly tenantId: string }
  | { readonly kind: 'unknown' };

export function targetOf(scope: string): ScopeTarget {
  if (scope === INTEL_SCOPE) return { kind: 'intel' };
  const colon = scope.indexOf(':');
  const kind = scope.slice(0, colon);
  if (colon > 0 && (kind === 'config' || kind === 'devices'))
    return { kind, tenantId: scope.slice(colon + 1) };
  return { kind: 'unknown' };
}

/**
 * Announces a change of shared state to every node: raises the scope's version and, on
 * PostgreSQL, sends a NOTIFY with it (delivered when the transaction commits). Call it inside the
 * transaction that makes the change, so the version is never newer than the data it stands for.
 */
export async function announceChange(trx: Db['db'], dialect: Db['dialect'], scope: string): Promise<number> {
  const version = await bumpClusterVersion(trx, dialect, scope);
  if (dialect === 'postgres') {
    const { channel, payload } = versionNotification(scope, version);
    await sql`select pg_notify(${channel}, ${payload})`.execute(trx);
  }
  return version;
}
