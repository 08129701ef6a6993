import type { Kysely } from 'kysely';
import type { Database } from '../db/types.ts';
import { type AuditProblem, walkAuditChain } from './audit-chain-walk.ts';
import { type CheckpointLine, checkpointSignatureProblem, readCheckpointFile } from './checkpoint.ts';
import type { CheckpointVerifier } from './checkpoint-key.ts';

/** A tenant's checkpoints, split by whether their signature verifies. */
export interface TenantCheckpoints {
  readonly valid: readonly CheckpointLine[];
  readonly forged: readonly { readonly line: number; readonly reason: string }[];
}

const NONE: TenantCheckpoints = { valid: [], forged: [] };

/**
 * Groups a checkpoint file's lines by tenant and checks each signature. Without a key (none
 * exists, or it does not open) no checkpoint can be trusted, so each one counts as forged.
 */
export function groupCheckpoints(
  lines: readonly CheckpointLine[],
  verifier: CheckpointVerifier,
): Map<string, TenantCheckpoints> {
  const groups = new Map<string, { valid: CheckpointLine[]; forged: { line: number; reason: string }[] }>();
  for (const entry of lines) {
    const { tenantId } = entry.checkpoint;
    let group = groups.get(tenantId);
    if (group === undefined) {
      group = { valid: [], forged: [] };
      groups.set(tenantId, group);
    }
    const problem =
      verifier.key === undefined
        ? verifier.missing
        : checkpointSignatureProblem(entry.checkpoint, verifier.key);
    if (problem === undefined) group.valid.push(entry);
    else group.forged.push({ line: entry.line, reason: problem });
  }
  return groups;
}

/** A tenant's audit chain checked against the signed checkpoints. */
export interface AnchoredAuditVerification {
  readonly ok: boolean;
  /** Entries verified (before the first bad one). */
  readonly checked: number;
  /** The last entry that verified. */
  readonly headSeq: number;
  /** The highest seq a valid checkpoint confirmed (0: nothing is anchored yet). */
  readonly anchoredSeq: number;
  /** Checkpoints of this tenant whose signature verifies. */
  readonly checkpoints: number;
  /** The highest seq a valid checkpoint holds (0: none). */
  readonly lastCheckpointSeq: number;
  /** Checkpoints of this tenant whose signature does not verify. */
  readonly forgedCheckpoints: number;
  readonly problem?: AuditProblem;
  /** The first bad seq; for `rewritten`, the first checkpointed seq that differs. */
  readonly firstBrokenSeq?: number;
  readonly reason?: string;
}

/**
 * Verifies the tenant's chain: every link and hash, then every valid checkpoint (the entry at its
 * seq must exist and carry its hash), then that no checkpoint is forged. Reports the first problem.
 */
export async function verifyAuditWithCheckpoints(
  db: Kysely<Database>,
  tenantId: string,
  checkpoints: TenantCheckpoints = NONE,
): Promise<AnchoredAuditVerification> {
  const anchors = new Map<number, string[]>();
  let lastCheckpointSeq = 0;
  for (const { checkpoint } of checkpoints.valid) {
    anchors.set(checkpoint.seq, [...(anchors.get(checkpoint.seq) ?? []), checkpoint.hash]);
    lastCheckpointSeq = Math.max(lastCheckpointSeq, checkpoint.seq);
  }
  const walk = await walkAuditChain(db, tenantId, { anchors });
  const summary = {
    checked: walk.checked,
    headSeq: walk.head.seq,
    anchoredSeq: walk.anchoredSeq,
    checkpoints: checkpoints.valid.length,
    lastCheckpointSeq,
    forgedCheckpoints: checkpoints.forged.length,
  };
  if (!walk.ok) {
    return {
      ok: false,
      ...summary,
      ...(walk.problem === undefined ? {} : { problem: walk.problem }),
      ...(walk.firstBrokenSeq === undefined ? {} : { firstBrokenSeq: walk.firstBrokenSeq }),
      ...(walk.reason === undefined ? {} : { reason: walk.reason }),
    };
  }
  const [forged] = checkpoints.forged;
  if (forged !== undefined) {
    return {
      ok: false,
      ...summary,
      problem: 'forged-checkpoint',
      reason: `${checkpoints.forged.length} checkpoint(s) do not verify; first on line ${forged.line}: ${forged.reason}`,
    };
  }
  return { ok: true, ...summary };
}

/** Verifies one tenant's chain against the checkpoints in `file` (read now). */
export async function verifyTenantAgainstFile(
  db: Kysely<Database>,
  tenantId: string,
  file: string,
  verifier: CheckpointVerifier,
): Promise<AnchoredAuditVerification> {
  const { lines } = await readCheckpointFile(file);
  const mine = lines.filter((entry) => entry.checkpoint.tenantId === tenantId);
  return verifyAuditWithCheckpoints(db, tenantId, groupCheckpoints(mine, verifier).get(tenantId));
}
