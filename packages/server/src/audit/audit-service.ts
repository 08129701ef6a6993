import type { Kysely } from 'kysely';
import type { DialectName } from '../db/database.ts';
import type { Database } from '../db/types.ts';
import { findLastAuditEntry, insertAuditEntry } from '../queries/audit-log.ts';
import { lockTenant } from '../queries/tenants.ts';
import { walkAuditChain } from './audit-chain-walk.ts';
import { auditEntryHash, GENESIS_HASH } from './audit-hash.ts';
import { findPruneMarker } from './audit-prune-marker.ts';

export { GENESIS_HASH } from './audit-hash.ts';

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
  const hash = auditEntryHash(prevHash, hashedFields(event.tenantId, seq, event));
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

/**
 * Walks the tenant's chain from the start and reports the first broken entry. This sees edits
 * inside the table only; `audit/checkpoint-verify.ts` also checks the signed checkpoints.
 */
export async function verifyAuditChain(db: Kysely<Database>, tenantId: string): Promise<AuditVerification> {
  // The pruning marker's signature is checked by `checkpoint-verify.ts`; here it only sets the start.
  const marker = await findPruneMarker(db, tenantId);
  const walk = await walkAuditChain(
    db,
    tenantId,
    marker === undefined ? {} : { pruned: { seq: marker.seq, hash: marker.hash } },
  );
  if (walk.ok) return { ok: true, checked: walk.checked };
  return {
    ok: false,
    checked: walk.checked,
    ...(walk.firstBrokenSeq === undefined ? {} : { firstBrokenSeq: walk.firstBrokenSeq }),
    ...(walk.reason === undefined ? {} : { reason: walk.reason }),
  };
}
