import { setTimeout as delay } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { appendAudit } from '../audit/audit-service.ts';
import type { ServiceContext } from '../context.ts';
import type { Database } from '../db/types.ts';
import { countDue, deleteDueBatch, findOldest, listTenantIds } from '../queries/retention.ts';
import { findSetting } from '../queries/settings.ts';
import type { OldestRowSink } from './retention-metrics.ts';
import {
  effectiveRetention,
  RETENTION_KEY,
  RETENTION_KINDS,
  type RetentionKind,
  type RetentionPolicy,
} from './retention-settings.ts';
import { RETENTION_TARGETS } from './retention-targets.ts';

const DAY_MS = 86_400_000;
const ACTOR = 'system:retention';

/** Options of {@link createRetentionJob} (`config.ts`: `retentionInterval`, `retentionBatch`). */
export interface RetentionJobOptions {
  readonly policy: RetentionPolicy;
  /** Milliseconds between runs once started; 0: never on a schedule. */
  readonly intervalMs: number;
  /** Rows per delete statement. */
  readonly batchSize: number;
  /**
   * Prunes the tenant's audit entries older than `cutoff`, up to what a signed checkpoint anchors
   * (`audit/audit-prune.ts`); absent: audit entries are never pruned (no checkpoints configured).
   */
  readonly pruneAudit?: (
    tenantId: string,
    cutoff: string,
    dryRun: boolean,
  ) => Promise<{ readonly pruned: number; readonly skipped?: string }>;
  /** Hears the oldest row's age per kind after each run (the `/metrics` gauge). */
  readonly onOldest?: OldestRowSink;
}

/** What one run deleted (or, dry, would delete), per tenant and kind. */
export interface RetentionRun {
  readonly dryRun: boolean;
  /** `false` when another node held the lock (PostgreSQL) and this run did nothing. */
  readonly ran: boolean;
  readonly tenants: readonly {
    readonly tenantId: string;
    readonly deleted: Readonly<Partial<Record<RetentionKind, number>>>;
  }[];
  readonly totals: Readonly<Record<RetentionKind, number>>;
}

/** The retention job. */
export interface RetentionJob {
  /** Deletes (or counts, dry) every row past its tenant's retention at the context's `now`. */
  run(options?: { dryRun?: boolean }): Promise<RetentionRun>;
  /** Runs now and then every `intervalMs` (timer unref'd). */
  start(): void;
  /** Stops the schedule and waits for a running run. */
  stop(): Promise<void>;
}

/** Arbitrary constant key of the PostgreSQL advisory lock that lets one node run retention. */
const LOCK_KEY = 0x52_47_52_54; // 'RGRT'

function emptyTotals(): Record<RetentionKind, number> {
  return Object.fromEntries(RETENTION_KINDS.map((kind) => [kind, 0])) as Record<RetentionKind, number>;
}

/**
 * Deletes what each tenant's retention says is due, kind by kind, in statements of `batchSize`
 * rows, yielding to the event loop between statements so ingest is not held up (each statement
 * is its own short transaction). On PostgreSQL a session advisory lock lets one node run at a
 * time (the others skip the run). Each tenant and kind that lost rows gets a log line; each tenant
 * that lost rows gets one audit entry with the counts.
 */
export function createRetentionJob(
  ctx: Pick<ServiceContext, 'db' | 'now' | 'logger'>,
  options: RetentionJobOptions,
): RetentionJob {
  const { db, dialect } = ctx.db;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();

  async function prune(
    conn: Kysely<Database>,
    tenantId: string,
    kind: Exclude<RetentionKind, 'auditLog'>,
    cutoff: string,
    dryRun: boolean,
  ): Promise<number> {
    const target = RETENTION_TARGETS[kind];
    if (dryRun) return countDue(conn, target, tenantId, cutoff);
    let total = 0;
    for (;;) {
      const deleted = await deleteDueBatch(conn, dialect, target, tenantId, cutoff, options.batchSize);
      total += deleted;
      if (deleted < options.batchSize) return total;
      await delay(0);
    }
  }

  async function runWith(conn: Kysely<Database>, dryRun: boolean): Promise<RetentionRun> {
    const now = ctx.now();
    const totals = emptyTotals();
    const tenants: RetentionRun['tenants'][number][] = [];
    for (const tenantId of await listTenantIds(conn)) {
      const settings = effectiveRetention(options.policy, await findSetting(conn, tenantId, RETENTION_KEY));
      const deleted: Partial<Record<RetentionKind, number>> = {};
      for (const kind of RETENTION_KINDS) {
        const cutoff = new Date(now.getTime() - settings[kind] * DAY_MS).toISOString();
        let count = 0;
        if (kind === 'auditLog') {
          if (options.pruneAudit !== undefined) {
            const audit = await options.pruneAudit(tenantId, cutoff, dryRun);
            count = audit.pruned;
            if (audit.skipped !== undefined)
              ctx.logger.warn({ tenantId, reason: audit.skipped }, 'retention: audit entries not pruned');
          }
        } else count = await prune(conn, tenantId, kind, cutoff, dryRun);
        if (count === 0) continue;
        deleted[kind] = count;
        totals[kind] += count;
        ctx.logger.info(
          { tenantId, kind, [dryRun ? 'due' : 'deleted']: count, retentionDays: settings[kind], cutoff },
          dryRun ? 'retention: rows due' : 'retention: rows deleted',
        );
      }
      if (Object.keys(deleted).length === 0) continue;
      tenants.push({ tenantId, deleted });
      if (!dryRun) {
        const at = ctx.now().toISOString();
        await db.transaction().execute((trx) =>
          appendAudit(trx, dialect, {
            tenantId,
            actor: ACTOR,
            action: 'retention.run',
            details: { deleted },
            at,
          }),
        );
      }
    }
    if (options.onOldest !== undefined) await reportOldest(conn, now, options.onOldest);
    return { dryRun, ran: true, tenants, totals };
  }

  async function run(runOptions: { dryRun?: boolean } = {}): Promise<RetentionRun> {
    const dryRun = runOptions.dryRun ?? false;
    if (dialect !== 'postgres') return runWith(db, dryRun);
    // One connection holds the session lock and runs the statements (each in autocommit).
    return db.connection().execute(async (conn) => {
      const locked = await sql<{
        locked: boolean;
      }>`select pg_try_advisory_lock(${LOCK_KEY}) as locked`.execute(conn);
      if (locked.rows[0]?.locked !== true) return { dryRun, ran: false, tenants: [], totals: emptyTotals() };
      try {
        return await runWith(conn, dryRun);
      } finally {
        await sql`select pg_advisory_unlock(${LOCK_KEY})`.execute(conn);
      }
    });
  }

  async function reportOldest(conn: Kysely<Database>, now: Date, sink: OldestRowSink): Promise<void> {
    for (const kind of RETENTION_KINDS) {
      const oldest =
        kind === 'auditLog'
          ? (
              await conn
                .selectFrom('audit_log')
                .select((eb) => eb.fn.min('at').as('oldest'))
                .executeTakeFirst()
            )?.oldest
          : await findOldest(conn, RETENTION_TARGETS[kind]);
      const age = oldest === undefined || oldest === null ? 0 : (now.getTime() - Date.parse(oldest)) / 1000;
      sink(kind, Math.max(0, Math.round(age)));
    }
  }

  function schedule(): void {
    running = running
      .then(() => run())
      .catch((error: unknown) => ctx.logger.warn({ err: error }, 'retention run failed'));
  }

  return {
    run(runOptions) {
      const result = running.then(() => run(runOptions));
      running = result.catch(() => undefined);
      return result;
    },
    start() {
      if (options.intervalMs <= 0 || timer !== undefined) return;
      schedule();
      timer = setInterval(schedule, options.intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}
