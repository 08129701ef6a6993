import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { canonicalJson } from '../crypto/canonical-json.ts';
import type { DialectName } from '../db/database.ts';
import type { Database } from '../db/types.ts';
import { findLastAuditEntry, insertAuditEntry, listAuditEntries } from '../queries/audit-log.ts';
import { lockTenant } from '../queries/tenants.ts';

/** The hash before the first entry of every tenant's chain. */
export const GENESIS_HASH = '0'.repeat(64);

/** What happened, by whom, to what. */
export interface AuditEvent {
  readonly tenantId: string;
  /** `token:<id>`, `device:<id>`, `cli`, `system`. */
  readonly actor: string;
  readonly action: string;
  readonly target?: string;
  readonly details?: Readonly<Record<string, unknown>>;
  readonly at: string;
}

function entryHash(prevHash: string, entry: Record<string, unknown>): string {
  return createHash('sha256').update(prevHash).update(canonicalJson(entry)).digest('hex');
}

function hashedFields(tenantId: string, seq: number, event: Omit<AuditEvent, 'tenantId'>) {
  return {
    tenantId,
    seq,
    actor: event.actor,
    action: event.action,
    target: event.target ?? null,
    details: event.details ?? {},
    at: event.at,
  };
}

/**
 * Appends an entry to the tenant's hash chain. Call it inside the transaction that makes the
 * change; it locks the tenant so appends are serialised.
 */
export async function appendAudit(
  trx: Kysely<Database>,
  dialect: DialectName,
  event: AuditEvent,
): Promise<number> {
  await lockTenant(trx, dialect, event.tenantId);
  const last = await findLastAuditEntry(trx, event.tenantId);
  const seq = (last?.seq ?? 0) + 1;
  const prevHash = last?.hash ?? GENESIS_HASH;
  const hash = entryHash(prevHash, hashedFields(event.tenantId, seq, event));
  await insertAuditEntry(trx, {
    tenant_id: event.tenantId,
    seq,
    prev_hash: prevHash,
    hash,
    actor: event.actor,
    action: event.action,
    target: event.target ?? null,
    details: JSON.stringify(event.details ?? {}),
    at: event.at,
  });
  return seq;
}

/** Result of {@link verifyAuditChain}. */
export interface AuditVerification {
  readonly ok: boolean;
  readonly checked: number;
  /** The first seq whose link or hash does not verify. */
  readonly firstBrokenSeq?: number;
  readonly reason?: string;
}

/** Walks the tenant's chain from the start and reports the first broken entry. */
export async function verifyAuditChain(db: Kysely<Database>, tenantId: string): Promise<AuditVerification> {
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  let checked = 0;
  for (;;) {
    const page = await listAuditEntries(db, tenantId, { afterSeq: expectedSeq - 1, limit: 500 });
    if (page.length === 0) return { ok: true, checked };
    for (const row of page) {
      const broken = (reason: string): AuditVerification => ({
        ok: false,
        checked,
        firstBrokenSeq: row.seq,
        reason,
      });
      if (row.seq !== expectedSeq)
        return { ok: false, checked, firstBrokenSeq: expectedSeq, reason: 'missing entry' };
      if (row.prev_hash !== prevHash) return broken('prevHash does not match the previous entry');
      let details: unknown;
      try {
        details = JSON.parse(row.details);
      } catch {
        return broken('details are not JSON');
      }
      const fields = {
        tenantId,
        seq: row.seq,
        actor: row.actor,
        action: row.action,
        target: row.target,
        details,
        at: row.at,
      };
      if (entryHash(prevHash, fields) !== row.hash) return broken('hash does not match the entry');
      prevHash = row.hash;
      expectedSeq += 1;
      checked += 1;
    }
  }
}
