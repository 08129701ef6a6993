import { createHash } from 'node:crypto';
import { canonicalJson } from '../crypto/canonical-json.ts';
import type { AuditLogTable } from '../db/types.ts';

/** The hash before the first entry of every tenant's chain. */
export const GENESIS_HASH = '0'.repeat(64);

/** The fields of an entry that its hash covers (the stored row's columns, details parsed). */
export interface HashedAuditFields {
  readonly tenantId: string;
  readonly seq: number;
  readonly actor: string;
  readonly action: string;
  readonly target: string | null;
  readonly details: unknown;
  readonly at: string;
}

/** `sha256(prevHash ‖ canonicalJson(fields))`, hex: one link of the chain. */
export function auditEntryHash(prevHash: string, fields: HashedAuditFields): string {
  return createHash('sha256').update(prevHash).update(canonicalJson(fields)).digest('hex');
}

/**
 * The hash a stored row should carry after `prevHash`, or `undefined` when its details are not
 * JSON (then no hash can match). Verification and tests recompute rows through this one function.
 */
export function auditRowHash(
  prevHash: string,
  row: Omit<AuditLogTable, 'prev_hash' | 'hash'>,
): string | undefined {
  let details: unknown;
  try {
    details = JSON.parse(row.details);
  } catch {
    return undefined;
  }
  return auditEntryHash(prevHash, {
    tenantId: row.tenant_id,
    seq: row.seq,
    actor: row.actor,
    action: row.action,
    target: row.target,
    details,
    at: row.at,
  });
}
