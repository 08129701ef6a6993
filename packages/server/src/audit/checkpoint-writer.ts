import { createHash } from 'node:crypto';
import type { ServiceContext } from '../context.ts';
import { findLastAuditEntry, insertOutboxEventOnce, listAuditHeadSeqs } from '../queries/audit-log.ts';
import { listTenants } from '../queries/tenants.ts';
import { type AuditHead, type ChainWalk, walkAuditChain } from './audit-chain-walk.ts';
import {
  appendCheckpointLines,
  CHECKPOINT_TOPIC,
  checkpointFileEnd,
  checkpointSignatureProblem,
  lineHash,
  parseCheckpointLine,
  readCheckpointFile,
  readCheckpointFileRange,
  type SignedCheckpoint,
  signCheckpoint,
} from './checkpoint.ts';
import {
  type CheckpointKeyPair,
  type CheckpointKeySet,
  findCheckpointKeySet,
  getOrCreateCheckpointKey,
} from './checkpoint-key.ts';

/** Where checkpoints go and how often. */
export interface AuditCheckpointOptions {
  /** The append-only JSON-lines checkpoint file. */
  readonly file: string;
  /**
   * Milliseconds between full rounds once started (the heartbeat: every tenant's head and hash is
   * compared); a round signs only tenants whose chain moved. 0: no rounds until {@link AuditCheckpointer.stop}.
   */
  readonly intervalMs: number;
  /**
   * Milliseconds between polls of every tenant's newest seq (one statement); a tenant whose chain
   * grew is checkpointed at once, so an entry stays unanchored for at most about this long plus
   * one round. Default {@link DEFAULT_FOLLOW_MS}; only while started with `intervalMs` > 0.
   */
  readonly followMs?: number;
}

/** How often a started writer looks for new audit entries to anchor. */
export const DEFAULT_FOLLOW_MS = 500;

/** Signs the audit chains' heads on a schedule (see docs/audit.md). */
export interface AuditCheckpointer {
  readonly file: string;
  /** One round now (after any round in flight); resolves with the checkpoints it wrote. */
  checkpointNow(): Promise<readonly SignedCheckpoint[]>;
  /**
   * Runs a round now, then every `intervalMs`, and a round for the tenants whose chain grew within
   * `followMs` of it (timers unref'd); with `intervalMs` 0, only at {@link stop}.
   */
  start(): void;
  /** Stops the timer and runs a last round (clean shutdown). Never rejects. */
  stop(): Promise<void>;
}

/** Connectors may see a head from several nodes; one id per head queues it once. */
function outboxIdOf(checkpoint: SignedCheckpoint): string {
  const digest = createHash('sha256')
    .update(`${checkpoint.tenantId}\n${checkpoint.seq}\n${checkpoint.hash}`)
    .digest('hex');
  return `out_ckp_${digest.slice(0, 32)}`;
}

/**
 * Creates the checkpoint writer. Each round, for every tenant whose head moved since its last
 * checkpoint, it first verifies the entries appended since then (so it never signs a chain that
 * was cut or edited in between), then signs the head, appends the checkpoints to the file (flushed)
 * and queues one `audit.checkpoint` outbox event per checkpoint.
 */
export function createAuditCheckpointer(
  ctx: Pick<ServiceContext, 'db' | 'box' | 'now' | 'logger'>,
  options: AuditCheckpointOptions,
): AuditCheckpointer {
  const db = ctx.db.db;
  /** The signing key of the last round, and every key (current and retired) its lines verify with. */
  let signing: { key: CheckpointKeyPair; keys: CheckpointKeySet } | undefined;
  /** Each tenant's newest checkpointed head; read from the file on the first round. */
  let last: Map<string, AuditHead> | undefined;
  /** Each tenant's newest seq when a round last looked at it (signed or refused). */
  const seen = new Map<string, number | null>();
  const alarmed = new Set<string>();
  let queue: Promise<unknown> = Promise.resolve();
  let pending = 0;
  let timer: NodeJS.Timeout | undefined;
  let follower: NodeJS.Timeout | undefined;
  let stopped = false;
  /** The hash of the file's last line and the file's size, as this writer last left it. */
  let fileTail: { hash: string; size: number } | undefined;
  let fileAlarmed = false;

  async function loadLast(signer: CheckpointKeySet): Promise<Map<string, AuditHead>> {
    const heads = new Map<string, AuditHead>();
    let unverified = 0;
    const read = await readCheckpointFile(options.file);
    if (read.broken !== undefined) {
      ctx.logger.error(
        { file: options.file, line: read.broken.line, reason: read.broken.reason },
        'audit checkpoint file fails its hash chain (run `riskgate audit verify`)',
      );
    }
    const end = await checkpointFileEnd(options.file);
    // A crash tore the last line: end it, so it stays a line of its own (noted by verify) and the
    // next checkpoint links to it.
    const size = end.endsWithNewline ? end.size : await appendCheckpointLines(options.file, ['']);
    fileTail = { hash: read.tailHash, size };
    for (const { checkpoint } of read.lines) {
      if (checkpointSignatureProblem(checkpoint, signer) !== undefined) {
        unverified += 1;
        continue;
      }
      const known = heads.get(checkpoint.tenantId);
      if (known === undefined || checkpoint.seq >= known.seq) {
        heads.set(checkpoint.tenantId, { seq: checkpoint.seq, hash: checkpoint.hash });
      }
    }
    if (unverified > 0) {
      // Another key's or a forged line: the key row was replaced or deleted, or the file edited.
      ctx.logger.error(
        { file: options.file, unverified, keyIds: [...signer.keys()] },
        'audit checkpoint file holds checkpoints no checkpoint key verifies (run `riskgate audit verify`)',
      );
    }
    return heads;
  }

  function alarm(tenantId: string, walk: ChainWalk): void {
    const id = `${tenantId}:${walk.problem}:${walk.firstBrokenSeq}`;
    if (alarmed.has(id)) return;
    alarmed.add(id);
    ctx.logger.error(
      { tenantId, problem: walk.problem, firstBrokenSeq: walk.firstBrokenSeq, reason: walk.reason },
      'audit chain fails verification since its last checkpoint; not signing it (run `riskgate audit verify`)',
    );
  }

  function fileAlarm(reason: string): void {
    if (fileAlarmed) return;
    fileAlarmed = true;
    ctx.logger.error(
      { file: options.file, reason },
      'audit checkpoint file changed behind the writer; new checkpoints link to the last line it wrote (run `riskgate audit verify`)',
    );
  }

  /**
   * The tail to link the next line to. Lines another writer appended are followed when each
   * links to the one before and carries a checkpoint this key signed; anything else (the file
   * cut, replaced, or given lines that do not link) is alarmed and the writer keeps linking to its
   * own last line, so `verify` reports the break at the next line.
   */
  async function currentTail(signer: CheckpointKeySet): Promise<{ hash: string; size: number }> {
    const known = fileTail ?? { hash: (await readCheckpointFile(options.file)).tailHash, size: 0 };
    const end = await checkpointFileEnd(options.file);
    if (end.size === known.size) return known;
    if (end.size < known.size) {
      fileAlarm(
        `the file shrank from ${known.size} to ${end.size} bytes: lines were cut, or the file replaced`,
      );
      return known;
    }
    const added = await readCheckpointFileRange(options.file, known.size, end.size);
    let hash = known.hash;
    for (const text of added.split('\n').slice(0, -1)) {
      if (text.trim() === '') continue;
      const checkpoint = parseCheckpointLine(text);
      if (
        checkpoint === undefined ||
        checkpoint.prev !== hash ||
        checkpointSignatureProblem(checkpoint, signer) !== undefined
      ) {
        fileAlarm('lines were appended that do not link to the file or are not signed by the checkpoint key');
        return known;
      }
      hash = lineHash(text);
    }
    if (!end.endsWithNewline) {
      fileAlarm('the file ends in a partial line another process is writing, or a torn one');
      return known;
    }
    return { hash, size: end.size };
  }

  async function publish(checkpoints: readonly SignedCheckpoint[]): Promise<void> {
    try {
      await db.transaction().execute(async (trx) => {
        for (const checkpoint of checkpoints) {
          await insertOutboxEventOnce(trx, {
            tenant_id: checkpoint.tenantId,
            id: outboxIdOf(checkpoint),
            topic: CHECKPOINT_TOPIC,
            payload: JSON.stringify(checkpoint),
            next_attempt_at: checkpoint.at,
            created_at: checkpoint.at,
          });
        }
      });
    } catch (error) {
      // The file already holds them: the anchor stands; connectors get the next checkpoint.
      ctx.logger.warn({ err: error }, 'audit checkpoints written to the file but not queued for connectors');
    }
  }

  /** A round over every tenant, or only over `only` (tenants whose chain grew). */
  async function round(only?: ReadonlySet<string>): Promise<readonly SignedCheckpoint[]> {
    // Read every round: a key rotated by `riskgate audit rotate-key` signs from the next round on.
    const key = await getOrCreateCheckpointKey(ctx);
    if (signing?.key.keyId !== key.keyId) {
      signing = { key, keys: (await findCheckpointKeySet(ctx)).keys };
      ctx.logger.info({ keyId: key.keyId, file: options.file }, 'audit checkpoints: signing key and file');
    }
    const { keys } = signing;
    last ??= await loadLast(keys);
    const known = last;
    const tenantIds =
      only ?? new Set([...(await listTenants(db)).map((tenant) => tenant.id), ...known.keys()]);
    const at = ctx.now().toISOString();
    const heads: { tenantId: string; seq: number; hash: string; at: string }[] = [];
    const fresh: SignedCheckpoint[] = [];
    for (const tenantId of tenantIds) {
      const previous = known.get(tenantId);
      const head = await findLastAuditEntry(db, tenantId);
      seen.set(tenantId, head?.seq ?? null);
      if (head === undefined && previous === undefined) continue;
      if (head?.seq === previous?.seq && head?.hash === previous?.hash) continue;
      const walk = await walkAuditChain(db, tenantId, previous === undefined ? {} : { from: previous });
      if (!walk.ok) {
        alarm(tenantId, walk);
        continue;
      }
      if (walk.head.seq > 0) heads.push({ tenantId, ...walk.head, at });
    }
    if (heads.length === 0) return [];
    // Each line links to the one before it: the file is a hash chain (see checkpoint.ts).
    let { hash: prev } = await currentTail(keys);
    const texts: string[] = [];
    for (const head of heads) {
      const checkpoint = signCheckpoint(head, key, prev);
      const text = JSON.stringify(checkpoint);
      fresh.push(checkpoint);
      texts.push(text);
      prev = lineHash(text);
    }
    fileTail = { hash: prev, size: await appendCheckpointLines(options.file, texts) };
    for (const checkpoint of fresh)
      known.set(checkpoint.tenantId, { seq: checkpoint.seq, hash: checkpoint.hash });
    await publish(fresh);
    return fresh;
  }

  function checkpointNow(only?: ReadonlySet<string>): Promise<readonly SignedCheckpoint[]> {
    pending += 1;
    const next = queue
      .then(() => round(only))
      .finally(() => {
        pending -= 1;
      });
    queue = next.catch(() => undefined);
    return next;
  }

  /** The tenants whose newest seq changed since a round last looked (all, before the first round). */
  async function grown(): Promise<ReadonlySet<string> | 'all'> {
    if (last === undefined) return 'all';
    const moved = new Set<string>();
    for (const { tenantId, seq } of await listAuditHeadSeqs(db)) {
      if (seen.get(tenantId) !== seq && !(seq === null && !seen.has(tenantId))) moved.add(tenantId);
    }
    return moved;
  }

  return {
    file: options.file,
    checkpointNow: () => checkpointNow(),
    start() {
      if (timer !== undefined || options.intervalMs <= 0) return;
      stopped = false;
      const tick = () => {
        if (pending > 0) return;
        checkpointNow().catch((error: unknown) =>
          ctx.logger.error({ err: error }, 'audit checkpoint round failed'),
        );
      };
      timer = setInterval(tick, options.intervalMs);
      timer.unref();
      tick();
      // Anchors new entries within about `followMs` instead of waiting for the heartbeat.
      const follow = () => {
        if (pending > 0) return;
        grown()
          .then((moved) => {
            if (stopped) return undefined;
            if (moved === 'all') return checkpointNow();
            if (moved.size > 0 && pending === 0) return checkpointNow(moved);
            return undefined;
          })
          .catch((error: unknown) => ctx.logger.error({ err: error }, 'audit checkpoint round failed'));
      };
      follower = setInterval(follow, options.followMs ?? DEFAULT_FOLLOW_MS);
      follower.unref();
    },
    async stop() {
      stopped = true;
      if (timer !== undefined) clearInterval(timer);
      if (follower !== undefined) clearInterval(follower);
      timer = undefined;
      follower = undefined;
      await checkpointNow().catch((error: unknown) =>
        ctx.logger.error({ err: error }, 'last audit checkpoint round failed'),
      );
    },
  };
}
