import type { Kysely } from 'kysely';
import type { Database } from '../db/types.ts';
import { type AuditProblem, type UnanchoredTail, walkAuditChain } from './audit-chain-walk.ts';
import { findPrunedStart } from './audit-prune-marker.ts';
import {
  type CheckpointFileBreak,
  type CheckpointLine,
  checkpointSignatureProblem,
  readCheckpointFile,
} from './checkpoint.ts';
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
      verifier.keys === undefined
        ? verifier.missing
        : checkpointSignatureProblem(entry.checkpoint, verifier.keys);
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
  /**
   * The verified entries after the last checkpoint: covered by the chain only, so deleting them
   * leaves no trace. Absent when every entry is anchored.
   */
  readonly unanchored?: UnanchoredTail;
  readonly problem?: AuditProblem;
  /**
   * The checkpoint file fails as a whole (a line deleted, inserted or edited; a tenant's seq going
   * back): any tenant's anchors may be gone, so `ok` is false. Only when checked against a file.
   */
  readonly fileProblem?: CheckpointFileBreak;
  /** The first bad seq; for `rewritten`, the first checkpointed seq that differs. */
  readonly firstBrokenSeq?: number;
  readonly reason?: string;
}

/**
 * How old the first unanchored entry may be before verification fails. The server checkpoints
 * within about a second of a write (docs/audit.md); this leaves room for load and clock skew.
 */
export const DEFAULT_MAX_UNANCHORED_AGE_MS = 10_000;

/** When verification runs, and how old an unanchored entry may be before it is a finding. */
export interface TailPolicy {
  readonly now: Date;
  /**
   * Milliseconds; entries after the last checkpoint written longer ago fail as `unanchored`
   * (0: any unanchored entry fails).
   */
  readonly maxUnanchoredAgeMs: number;
}

export function describeTail(tail: UnanchoredTail, lastCheckpointSeq: number): string {
  const after =
    lastCheckpointSeq === 0
      ? 'no checkpoint covers them'
      : `after the last checkpoint (seq ${lastCheckpointSeq})`;
  return `${tail.entries} entries (seq ${tail.fromSeq}-${tail.toSeq}, written ${tail.firstAt} to ${tail.lastAt}) are not anchored: ${after}`;
}

/**
 * Verifies the tenant's chain: every link and hash, then every valid checkpoint (the entry at its
 * seq must exist and carry its hash), then that no checkpoint is forged, then that the entries
 * after the last checkpoint are recent (a round anchors them within about a second). Reports the
 * first problem.
 */
export async function verifyAuditWithCheckpoints(
  db: Kysely<Database>,
  tenantId: string,
  checkpoints: TenantCheckpoints = NONE,
  policy: TailPolicy = { now: new Date(), maxUnanchoredAgeMs: DEFAULT_MAX_UNANCHORED_AGE_MS },
  verifier?: CheckpointVerifier,
): Promise<AnchoredAuditVerification> {
  // Retention may have pruned the chain's start: it then starts at the signed marker.
  const pruned = await findPrunedStart(db, tenantId, verifier);
  const anchors = new Map<number, string[]>();
  let lastCheckpointSeq = 0;
  for (const { checkpoint } of checkpoints.valid) {
    anchors.set(checkpoint.seq, [...(anchors.get(checkpoint.seq) ?? []), checkpoint.hash]);
    lastCheckpointSeq = Math.max(lastCheckpointSeq, checkpoint.seq);
  }
  if (pruned.problem !== undefined) {
    return {
      ok: false,
      checked: 0,
      headSeq: 0,
      anchoredSeq: 0,
      checkpoints: checkpoints.valid.length,
      lastCheckpointSeq,
      forgedCheckpoints: checkpoints.forged.length,
      problem: 'forged-checkpoint',
      reason: pruned.problem,
    };
  }
  const walk = await walkAuditChain(db, tenantId, {
    anchors,
    ...(pruned.head === undefined ? {} : { pruned: pruned.head }),
  });
  const summary = {
    checked: walk.checked,
    headSeq: walk.head.seq,
    anchoredSeq: walk.anchoredSeq,
    checkpoints: checkpoints.valid.length,
    lastCheckpointSeq,
    forgedCheckpoints: checkpoints.forged.length,
    ...(walk.tail === undefined ? {} : { unanchored: walk.tail }),
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
  const { tail } = walk;
  const age = tail === undefined ? 0 : policy.now.getTime() - Date.parse(tail.firstAt);
  if (tail !== undefined && (policy.maxUnanchoredAgeMs === 0 || age > policy.maxUnanchoredAgeMs)) {
    return {
      ok: false,
      ...summary,
      problem: 'unanchored',
      firstBrokenSeq: tail.fromSeq,
      reason: `${describeTail(tail, lastCheckpointSeq)}, and the first is older than ${policy.maxUnanchoredAgeMs / 1000} s: the server stopped without its last checkpoint round, or checkpoints were cut from the end of the file`,
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
  policy?: TailPolicy,
): Promise<AnchoredAuditVerification> {
  const { lines, broken } = await readCheckpointFile(file);
  const groups = groupCheckpoints(lines, verifier);
  const result = await verifyAuditWithCheckpoints(db, tenantId, groups.get(tenantId), policy, verifier);
  const fileProblem = broken ?? firstBackwards(groups);
  return fileProblem === undefined ? result : { ...result, ok: false, fileProblem };
}

/**
 * The first line (in file order) whose valid checkpoint holds a lower seq than an earlier one of
 * the same tenant. A writer never does that (it refuses to sign a chain behind its last
 * checkpoint), so such a file was spliced from other files or rewritten.
 */
export function firstBackwards(
  groups: ReadonlyMap<string, TenantCheckpoints>,
): CheckpointFileBreak | undefined {
  let first: CheckpointFileBreak | undefined;
  for (const [tenantId, { valid }] of groups) {
    let highest: { seq: number; line: number } | undefined;
    for (const { line, checkpoint } of valid) {
      if (highest !== undefined && checkpoint.seq < highest.seq) {
        if (first === undefined || line < first.line) {
          first = {
            problem: 'backwards',
            line,
            reason: `line ${line} holds seq ${checkpoint.seq} of a tenant, behind seq ${highest.seq} on line ${highest.line}: checkpoints must not go back`,
            tenantId,
          };
        }
        break;
      }
      if (highest === undefined || checkpoint.seq > highest.seq) highest = { seq: checkpoint.seq, line };
    }
  }
  return first;
}
