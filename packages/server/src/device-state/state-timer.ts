import { appendAudit } from '../audit/audit-service.ts';
import type { ServiceContext } from '../context.ts';
import { claimDueDevices } from '../queries/device-rating.ts';
import { lockTenant } from '../queries/tenants.ts';
import { rerateDevices } from './rerate.ts';

/** Settings of {@link createStateTimer} (`config.ts`: `stateTimerInterval`, `stateTimerBatch`). */
export interface StateTimerOptions {
  /** Milliseconds between rounds once started; 0: never started on a schedule. */
  readonly intervalMs: number;
  /** Devices claimed and re-rated per transaction. */
  readonly batchSize: number;
  /** Batches per round at most (bounds a round's length; the rest waits for the next round). */
  readonly maxBatches?: number;
}

/** What one round did. */
export interface StateTimerRound {
  /** Devices that were due and were re-rated. */
  readonly examined: number;
  /** Devices whose risk level or compliance state changed (each got one `timer` event). */
  readonly changed: number;
  readonly batches: number;
}

/** The unresponsive-device and grace-period timer. */
export interface StateTimer {
  /** Re-rates every device due at the context's `now` (in batches); rounds never overlap. */
  runOnce(): Promise<StateTimerRound>;
  /** Runs a round now and then every `intervalMs` (timer unref'd). */
  start(): void;
  /** Stops the schedule and waits for a running round. */
  stop(): Promise<void>;
}

const ACTOR = 'system:state-timer';

/**
 * The state timer: a device's state can change with time alone (it stops reporting and becomes
 * unresponsive, a grace period ends, its patch level gets too old). The engine says when
 * (`reevaluateAt`); every path that rates a device stores it as `devices.reevaluate_at`. Each
 * round claims the devices due at `now` through that column's index ({@link claimDueDevices}),
 * re-rates them through the one device-state module (`rerateDevices`, cause `timer`, trigger
 * `timer.reevaluate`) in the claiming transaction, one audit entry per tenant and batch when a
 * device changed, and refreshes every node's decision cache after commit. A device whose state
 * does not change gets its next `reevaluate_at` and no event, so a second round emits nothing.
 */
export function createStateTimer(
  ctx: Pick<ServiceContext, 'db' | 'now' | 'logger' | 'devicesChanged'>,
  options: StateTimerOptions,
): StateTimer {
  const { db, dialect } = ctx.db;
  const maxBatches = options.maxBatches ?? 100;
  let timer: NodeJS.Timeout | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  let pending = 0;

  async function batch(at: Date): Promise<{ claimed: number; changed: number }> {
    const iso = at.toISOString();
    const outcome = await db.transaction().execute(async (trx) => {
      const claimed = await claimDueDevices(trx, dialect, iso, options.batchSize);
      const byTenant = new Map<string, string[]>();
      for (const row of claimed) {
        const ids = byTenant.get(row.tenant_id) ?? [];
        ids.push(row.id);
        byTenant.set(row.tenant_id, ids);
      }
      const written = new Map<string, readonly string[]>();
      let changed = 0;
      // Tenants in one order on every node, each locked before anything is written: the audit
      // entry locks the tenant row, and two nodes taking two tenants in opposite orders deadlock.
      const tenants = [...byTenant.keys()].sort();
      for (const tenantId of tenants) await lockTenant(trx, dialect, tenantId);
      for (const tenantId of tenants) {
        const ids = byTenant.get(tenantId) ?? [];
        const result = await rerateDevices(trx, {
          tenantId,
          scope: { kind: 'ids', ids },
          at,
          cause: 'timer',
          trigger: 'timer.reevaluate',
          allCompliance: true,
          attestationExpiry: true,
        });
        written.set(tenantId, result.written);
        changed += result.changed.length;
        if (result.changed.length > 0)
          await appendAudit(trx, dialect, {
            tenantId,
            actor: ACTOR,
            action: 'device.reevaluate',
            details: {
              devicesChanged: result.changed.length,
              devices: result.changed.map((change) => ({
                deviceId: change.deviceId,
                from: change.from,
                to: change.to,
              })),
            },
            at: iso,
          });
      }
      return { claimed: claimed.length, changed, written };
    });
    for (const [tenantId, ids] of outcome.written)
      if (ids.length > 0) await ctx.devicesChanged?.(tenantId, ids); // after commit
    return outcome;
  }

  async function round(): Promise<StateTimerRound> {
    const at = ctx.now();
    let examined = 0;
    let changed = 0;
    let batches = 0;
    while (batches < maxBatches) {
      const done = await batch(at);
      batches += 1;
      examined += done.claimed;
      changed += done.changed;
      if (done.claimed < options.batchSize) break;
    }
    if (examined > 0) ctx.logger.info({ examined, changed, batches }, 'state timer round');
    return { examined, changed, batches };
  }

  function runOnce(): Promise<StateTimerRound> {
    // One round at a time per node: a call during a round runs after it.
    pending += 1;
    const next = queue.then(round).finally(() => {
      pending -= 1;
    });
    queue = next.catch(() => undefined);
    return next;
  }

  return {
    runOnce,
    start() {
      if (timer !== undefined || options.intervalMs <= 0) return;
      const tick = () => {
        if (pending > 0) return; // a slow round is not queued behind by every tick
        runOnce().catch((error: unknown) => ctx.logger.error({ err: error }, 'state timer round failed'));
      };
      timer = setInterval(tick, options.intervalMs);
      timer.unref();
      tick();
    },
    async stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      await queue;
    },
  };
}
