import { type Kysely, sql } from 'kysely';
import type { DialectName } from '../db/database.ts';
import type { Database } from '../db/types.ts';

export { normalizeHostPattern } from '../access/host-patterns.ts';

/**
 * Serialises host-claim changes across tenants, held until the transaction ends. The conflict
 * check and the claim are two statements: under PostgreSQL's read committed, two tenants claiming
 * overlapping patterns (`*.example.com` and `a.example.com`, different primary keys) both passed
 * the check before either committed, and both won (host-claims-race.test.ts). Resource changes are
 * rare admin operations, so one lock for all of them costs nothing that matters. SQLite needs none:
 * a write transaction holds the database's one write lock from its first write (the resource row,
 * written before the check) until commit.
 */
export async function lockHostClaims(db: Kysely<Database>, dialect: DialectName): Promise<void> {
  if (dialect !== 'postgres') return;
  await sql`select pg_advisory_xact_lock(hashtext('riskgate.access_host_claims'))`.execute(db);
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
