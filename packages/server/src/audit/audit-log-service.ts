import { type Principal, requirePermission } from '../auth/principal.ts';
import type { ServiceContext } from '../context.ts';
import { listAuditEntries } from '../queries/audit-log.ts';
import { findCheckpointVerifier, getOrCreateCheckpointKey } from './checkpoint-key.ts';
import {
  type AnchoredAuditVerification,
  DEFAULT_MAX_UNANCHORED_AGE_MS,
  verifyAuditWithCheckpoints,
  verifyTenantAgainstFile,
} from './checkpoint-verify.ts';

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

/** The public half of the audit checkpoint key, for verifiers outside the database. */
export interface CheckpointKeyView {
  readonly algorithm: 'Ed25519';
  readonly keyId: string;
  readonly publicKeyPem: string;
}

/**
 * Reading and verifying the audit log through the admin API. With `checkpointFile`, verification
 * also checks the signed checkpoints there (docs/audit.md); without, the chain alone.
 */
export function createAuditLogService(
  ctx: Pick<ServiceContext, 'db' | 'box' | 'now'>,
  options: { readonly checkpointFile?: string | undefined } = {},
) {
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

    async verify(principal: Principal): Promise<AnchoredAuditVerification> {
      requirePermission(principal, 'audit:read');
      // Without a checkpoint file nothing is ever anchored: report the chain alone.
      if (options.checkpointFile === undefined) {
        const { unanchored: _none, ...chain } = await verifyAuditWithCheckpoints(
          db,
          principal.tenantId,
          undefined,
          {
            now: ctx.now(),
            maxUnanchoredAgeMs: Number.POSITIVE_INFINITY,
          },
          await findCheckpointVerifier(ctx),
        );
        return chain;
      }
      return verifyTenantAgainstFile(
        db,
        principal.tenantId,
        options.checkpointFile,
        await findCheckpointVerifier(ctx),
        { now: ctx.now(), maxUnanchoredAgeMs: DEFAULT_MAX_UNANCHORED_AGE_MS },
      );
    },

    /** The checkpoint public key (made on first use, like the first checkpoint would). */
    async checkpointKey(principal: Principal): Promise<CheckpointKeyView> {
      requirePermission(principal, 'audit:read');
      const { algorithm, keyId, publicKeyPem } = await getOrCreateCheckpointKey(ctx);
      return { algorithm, keyId, publicKeyPem };
    },
  };
}
