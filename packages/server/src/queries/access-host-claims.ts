import type { Kysely } from 'kysely';
import type { Database } from '../db/types.ts';

/** A resource host pattern as claims store it: lower case, without a trailing dot. */
export function normalizeHostPattern(pattern: string): string {
  const lower = pattern.trim().toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/**
 * The wildcard patterns that would cover `pattern` (a wildcard covers every name below it, at any
 * depth, as the resource matcher reads it), and the pattern itself.
 */
function coveringPatterns(pattern: string): string[] {
  const base = pattern.startsWith('*.') ? pattern.slice(2) : pattern;
  const labels = base.split('.');
  const out = [pattern];
  for (let i = 1; i < labels.length; i++) out.push(`*.${labels.slice(i).join('.')}`);
  return out;
}

/**
 * Host patterns another tenant claims that overlap `patterns`: the same pattern, a wildcard of
 * theirs covering one of ours, or (for our wildcards) a name of theirs below it.
 */
export async function findHostClaimConflicts(
  db: Kysely<Database>,
  tenantId: string,
  patterns: readonly string[],
): Promise<string[]> {
  if (patterns.length === 0) return [];
  const covering = [...new Set(patterns.flatMap(coveringPatterns))];
  // Host patterns hold letters, digits, `-`, `.` and a leading `*.` only: no LIKE wildcards to escape.
  const below = patterns.filter((p) => p.startsWith('*.')).map((p) => `%${p.slice(1)}`);
  const rows = await db
    .selectFrom('access_host_claims')
    .select('host')
    .where('tenant_id', '!=', tenantId)
    .where((eb) => eb.or([eb('host', 'in', covering), ...below.map((like) => eb('host', 'like', like))]))
    .orderBy('host')
    .limit(20)
    .execute();
  return rows.map((row) => row.host);
}

/**
 * Makes the tenant's claims exactly `patterns` (what its resources name now): drops the others and
 * claims the missing ones. Returns the patterns another tenant holds (claimed concurrently), which
 * the caller refuses.
 */
export async function syncTenantHostClaims(
  db: Kysely<Database>,
  tenantId: string,
  patterns: ReadonlySet<string>,
): Promise<string[]> {
  const held = await db
    .selectFrom('access_host_claims')
    .select('host')
    .where('tenant_id', '=', tenantId)
    .execute();
  const stale = held.map((row) => row.host).filter((host) => !patterns.has(host));
  if (stale.length > 0)
    await db
      .deleteFrom('access_host_claims')
      .where('tenant_id', '=', tenantId)
      .where('host', 'in', stale)
      .execute();
  const heldSet = new Set(held.map((row) => row.host));
  const missing = [...patterns].filter((host) => !heldSet.has(host));
  if (missing.length === 0) return [];
  await db
    .insertInto('access_host_claims')
    .values(missing.map((host) => ({ host, tenant_id: tenantId })))
    .onConflict((oc) => oc.column('host').doNothing())
    .execute();
  const taken = await db
    .selectFrom('access_host_claims')
    .select('host')
    .where('host', 'in', missing)
    .where('tenant_id', '!=', tenantId)
    .execute();
  return taken.map((row) => row.host);
}
