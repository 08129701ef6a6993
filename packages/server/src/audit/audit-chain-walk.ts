import type { Kysely } from 'kysely';
import type { Database } from '../db/types.ts';
import { listAuditEntries } from '../queries/audit-log.ts';
import { auditRowHash, GENESIS_HASH } from './audit-hash.ts';

/** A chain position: an entry's seq and hash (seq 0 and the genesis hash before the first entry). */
export interface AuditHead {
  readonly seq: number;
  readonly hash: string;
}

/**
 * What is wrong with a chain. `broken`: an entry no longer matches its own hash or link (edited
 * in place); `deleted`: entries are missing (a gap, or every entry of a checkpointed tenant);
 * `truncated`: the chain ends before a signed checkpoint; `rewritten`: the chain is consistent
 * but differs from a signed checkpoint (edited and every later hash recomputed);
 * `forged-checkpoint`: a checkpoint's signature does not verify; `unanchored`: entries after the
 * last checkpoint are older than a checkpoint round takes (never anchored: the server stopped
 * without its last round, or checkpoints were cut from the end of the file).
 */
export type AuditProblem =
  | 'broken'
  | 'deleted'
  | 'truncated'
  | 'rewritten'
  | 'forged-checkpoint'
  | 'unanchored';

/** Result of {@link walkAuditChain}. */
export interface ChainWalk {
  readonly ok: boolean;
  /** Entries verified (before the first bad one). */
  readonly checked: number;
  /** The last entry that verified (the start when none did). */
  readonly head: AuditHead;
  /** The highest seq whose hash a signed checkpoint confirmed (0: none). */
  readonly anchoredSeq: number;
  /**
   * The entries after `anchoredSeq` up to `head` that verified: what no checkpoint covers yet
   * (absent when there are none). `at` is the entries' own time.
   */
  readonly tail?: UnanchoredTail;
  /** The first seq shown to be bad (for `rewritten`: the first checkpointed seq that differs). */
  readonly firstBrokenSeq?: number;
  readonly problem?: AuditProblem;
  readonly reason?: string;
}

/** Entries after the last anchor: `entries` of them, seq `fromSeq` to `toSeq`, written `firstAt` to `lastAt`. */
export interface UnanchoredTail {
  readonly entries: number;
  readonly fromSeq: number;
  readonly toSeq: number;
  readonly firstAt: string;
  readonly lastAt: string;
}

/** Options of {@link walkAuditChain}. */
export interface WalkOptions {
  /** Hashes signed checkpoints hold, by seq: the entry there must carry each of them. */
  readonly anchors?: ReadonlyMap<number, readonly string[]>;
  /**
   * Start after this known-good entry instead of at the genesis: only the entries from it on are
   * read (the checkpoint writer checks what was appended since its last checkpoint).
   */
  readonly from?: AuditHead;
  /**
   * The signed pruning boundary (`audit-prune-marker.ts`): entries up to its seq were deleted by
   * retention; the chain starts after it, and the first kept entry must link to its hash.
   */
  readonly pruned?: AuditHead;
}

const PAGE = 500;

/**
 * Walks the tenant's chain in seq order and reports the first problem: links and hashes
 * (tampering inside the table) and, against `anchors`, what no in-table check can see: rows
 * removed from the end, all rows removed, or a rewrite with every later hash recomputed.
 */
export async function walkAuditChain(
  db: Kysely<Database>,
  tenantId: string,
  options: WalkOptions = {},
): Promise<ChainWalk> {
  const anchors = options.anchors ?? new Map<number, readonly string[]>();
  const start: AuditHead =
    options.pruned !== undefined && (options.from === undefined || options.from.seq < options.pruned.seq)
      ? options.pruned
      : (options.from ?? { seq: 0, hash: GENESIS_HASH });
  let head: AuditHead = start;
  let anchoredSeq = start === options.pruned ? start.seq : 0;
  let checked = 0;
  /** The first verified entry after the last anchor, and the last verified entry. */
  let tailStart: { seq: number; at: string } | undefined;
  let lastAt = '';
  const tail = (): { tail?: UnanchoredTail } =>
    tailStart === undefined
      ? {}
      : {
          tail: {
            entries: head.seq - tailStart.seq + 1,
            fromSeq: tailStart.seq,
            toSeq: head.seq,
            firstAt: tailStart.at,
            lastAt,
          },
        };
  const fail = (problem: AuditProblem, firstBrokenSeq: number, reason: string): ChainWalk => ({
    ok: false,
    checked,
    head,
    anchoredSeq,
    ...tail(),
    firstBrokenSeq,
    problem,
    reason,
  });

  if (options.pruned !== undefined && start === options.pruned) {
    // A signed checkpoint at the boundary must agree with the marker.
    if (anchors.get(start.seq)?.some((hash) => hash !== start.hash)) {
      return fail(
        'rewritten',
        start.seq,
        `the pruning boundary (seq ${start.seq}) differs from its signed checkpoint`,
      );
    }
  } else if (options.from !== undefined && options.from.seq > 0) {
    const start = options.from;
    const [row] = await listAuditEntries(db, tenantId, { afterSeq: start.seq - 1, limit: 1 });
    if (row === undefined || row.seq !== start.seq) {
      head = { seq: 0, hash: GENESIS_HASH };
      return fail(row === undefined ? 'truncated' : 'deleted', start.seq, `entry ${start.seq} is missing`);
    }
    if (row.hash !== start.hash) {
      head = { seq: 0, hash: GENESIS_HASH };
      return fail('rewritten', start.seq, `entry ${start.seq} differs from the last checkpoint`);
    }
    anchoredSeq = start.seq;
  }

  for (;;) {
    const page = await listAuditEntries(db, tenantId, { afterSeq: head.seq, limit: PAGE });
    for (const row of page) {
      if (row.seq !== head.seq + 1)
        return fail(
          'deleted',
          head.seq + 1,
          head === start && start.seq > 0 && start === options.pruned
            ? `missing entry: the chain was pruned up to seq ${start.seq}, so it must go on at seq ${start.seq + 1}`
            : 'missing entry',
        );
      if (row.prev_hash !== head.hash)
        return fail(
          'broken',
          row.seq,
          head === start && start === options.pruned
            ? `prevHash does not match the hash the pruning marker holds for seq ${start.seq}`
            : 'prevHash does not match the previous entry',
        );
      const computed = auditRowHash(head.hash, row);
      if (computed === undefined) return fail('broken', row.seq, 'details are not JSON');
      if (computed !== row.hash) return fail('broken', row.seq, 'hash does not match the entry');
      const signed = anchors.get(row.seq);
      if (signed?.some((hash) => hash !== row.hash)) {
        return fail(
          'rewritten',
          row.seq,
          `entry ${row.seq} differs from its signed checkpoint: an entry after seq ${anchoredSeq} was rewritten and the later hashes recomputed`,
        );
      }
      if (signed !== undefined) {
        anchoredSeq = row.seq;
        tailStart = undefined;
      } else tailStart ??= { seq: row.seq, at: row.at };
      head = { seq: row.seq, hash: row.hash };
      lastAt = row.at;
      checked += 1;
    }
    if (page.length < PAGE) break;
  }

  let signedEnd = 0;
  for (const seq of anchors.keys()) signedEnd = Math.max(signedEnd, seq);
  if (signedEnd > head.seq) {
    return head.seq === 0
      ? fail('deleted', 1, `every entry is gone, but a signed checkpoint holds seq ${signedEnd}`)
      : fail(
          'truncated',
          head.seq + 1,
          `the chain ends at seq ${head.seq}, but a signed checkpoint holds seq ${signedEnd}`,
        );
  }
  return { ok: true, checked, head, anchoredSeq, ...tail() };
}
