import { type Principal, requirePermission } from '../auth/principal.ts';
import type { ServiceContext } from '../context.ts';
import { listAuditEntries } from '../queries/audit-log.ts';
import { type AuditVerification, verifyAuditChain } from './audit-service.ts';

/** An audit entry as the admin API shows it. */
export interface AuditEntryView {
  readonly seq: number;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly target: string | null;
  readonly details: unknown;
  readonly prevHash: string;
  readonly hash: string;
}

/** Reading and verifying the audit log through the admin API. */
export function createAuditLogService(ctx: Pick<ServiceContext, 'db'>) {
  const db = ctx.db.db;
  return {
    async listEntries(
      principal: Principal,
      page: { readonly afterSeq: number; readonly limit: number },
    ): Promise<AuditEntryView[]> {
      requirePermission(principal, 'audit:read');
      const rows = await listAuditEntries(db, principal.tenantId, page);
      return rows.map((row) => ({
        seq: row.seq,
        at: row.at,
        actor: row.actor,
        action: row.action,
        target: row.target,
        details: JSON.parse(row.details) as unknown,
        prevHash: row.prev_hash,
        hash: row.hash,
      }));
    },

    async verify(principal: Principal): Promise<AuditVerification> {
      requirePermission(principal, 'audit:read');
      return verifyAuditChain(db, principal.tenantId);
    },
  };
}
