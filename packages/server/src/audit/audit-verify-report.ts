import type { Kysely } from 'kysely';
import type { Database } from '../db/types.ts';
import { listTenants } from '../queries/tenants.ts';
import { type CheckpointFileBreak, readCheckpointFile } from './checkpoint.ts';
import type { CheckpointVerifier } from './checkpoint-key.ts';
import {
  type AnchoredAuditVerification,
  DEFAULT_MAX_UNANCHORED_AGE_MS,
  firstBackwards,
  groupCheckpoints,
  type TailPolicy,
  verifyAuditWithCheckpoints,
} from './checkpoint-verify.ts';

/** One tenant's verification, named. */
export type TenantAuditVerification = AnchoredAuditVerification & { readonly tenantId: string };

/** The whole audit log checked against one checkpoint file. */
export interface AuditLogVerification {
  /** Every tenant is ok, and so is the file. */
  readonly ok: boolean;
  readonly checkpointFile: string;
  /** Lines of the file that are checkpoints. */
  readonly checkpointLines: number;
  /** Lines that are not checkpoints (a line torn by a crash): a note, not a finding. */
  readonly malformedLines: readonly number[];
  /** Version 1 lines, written before the file was chained: a note. */
  readonly legacyLines: readonly number[];
  /** The file itself: the first line that breaks its hash chain or goes back in a tenant's seq. */
  readonly fileProblem?: CheckpointFileBreak;
  readonly tenants: readonly TenantAuditVerification[];
}

/** What {@link verifyAuditLog} checks and with what. */
export interface AuditLogVerifyOptions {
  readonly file: string;
  readonly verifier: CheckpointVerifier;
  /** Only this tenant (it must be in the database or the checkpoints). */
  readonly tenantId?: string | undefined;
  readonly policy?: TailPolicy;
}

/**
 * Verifies every tenant in the database **and every tenant the checkpoints name**: a tenant whose
 * rows were all deleted, the tenant row included, is still checked against its checkpoints.
 * `undefined` when `tenantId` is named by neither.
 */
export async function verifyAuditLog(
  db: Kysely<Database>,
  options: AuditLogVerifyOptions,
): Promise<AuditLogVerification | undefined> {
  const { lines, malformed, legacy, broken } = await readCheckpointFile(options.file);
  const groups = groupCheckpoints(lines, options.verifier);
  const fileProblem = broken ?? firstBackwards(groups);
  const known = new Set([...(await listTenants(db)).map((tenant) => tenant.id), ...groups.keys()]);
  if (options.tenantId !== undefined && !known.has(options.tenantId)) return undefined;
  const tenantIds = options.tenantId === undefined ? [...known] : [options.tenantId];
  const policy = options.policy ?? { now: new Date(), maxUnanchoredAgeMs: DEFAULT_MAX_UNANCHORED_AGE_MS };
  const tenants: TenantAuditVerification[] = [];
  for (const tenantId of tenantIds) {
    tenants.push({
      tenantId,
      ...(await verifyAuditWithCheckpoints(db, tenantId, groups.get(tenantId), policy, options.verifier)),
    });
  }
  return {
    ok: fileProblem === undefined && tenants.every((tenant) => tenant.ok),
    checkpointFile: options.file,
    checkpointLines: lines.length,
    malformedLines: malformed,
    legacyLines: legacy,
    ...(fileProblem === undefined ? {} : { fileProblem }),
    tenants,
  };
}
