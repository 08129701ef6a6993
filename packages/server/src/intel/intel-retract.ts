import { assess, buildIntelIndex, type IntelLookup, type ParsedFeed, type Snapshot } from '@riskgate/engine';
import { appendAudit } from '../audit/audit-service.ts';
import type { ServiceContext } from '../context.ts';
import { rerateDevices } from '../device-state/rerate.ts';
import {
  countLiveDevices,
  listDeviceIdsWithSnapshotText,
  listDevicesWithSnapshots,
} from '../queries/device-rating.ts';
import { resolveActiveThreats } from '../queries/threat-batches.ts';
import { classificationOf, mayHoldAny, textNeedlesOf } from './intel-reassess.ts';

const PAGE = 500;

/** What a retraction did. */
export interface RetractResult {
  readonly devicesExamined: number;
  readonly snapshotsAssessed: number;
  readonly threatsResolved: number;
  readonly devicesChanged: number;
}

type RetractDeps = Pick<ServiceContext, 'db' | 'now' | 'logger' | 'devicesChanged'>;

interface RetractParams {
  readonly tenantId: string;
  /** The feeds that were removed (parsed from their stored content). */
  readonly removedFeeds: readonly ParsedFeed[];
  /** The tenant's intel without them (after the reload). */
  readonly lookup: IntelLookup;
  readonly actor: string;
  /** The admin action, e.g. `intel-feed.delete`. */
  readonly trigger: string;
}

/**
 * After feeds were removed, resolves at once the active threats that only their indicators
 * supported (a retro-hunt in reverse) and re-rates those devices through device-state/ (cause
 * `intel`), instead of waiting for each device's next report. Candidates come as for an upload:
 * one SQL pass over stored snapshot texts when the removed feeds allow it (`textNeedlesOf`), else
 * every stored snapshot in pages. For each candidate holding an active threat, the stored snapshot
 * is assessed against the removed feeds alone (which keys could they have raised) and against the
 * remaining intel; a threat whose key the first gives and the second no longer does is resolved.
 * Threats other detectors raised at report time (attestation findings) are never touched: the
 * removed feeds cannot have raised them. One transaction and one audit entry per page; decision
 * caches of every node are refreshed after each commit.
 */
export async function retractRemovedIntel(deps: RetractDeps, params: RetractParams): Promise<RetractResult> {
  const { db, dialect } = deps.db;
  const { tenantId } = params;
  const now = deps.now();
  const at = now.toISOString();
  const classification = await classificationOf(db, tenantId);
  const removedIndex = buildIntelIndex(params.removedFeeds);
  const needles = textNeedlesOf(params.removedFeeds);
  const totals = { examined: 0, assessed: 0, resolved: 0, changed: 0 };

  async function page(rows: readonly { readonly id: string; readonly snapshot: string | null }[]) {
    if (rows.length === 0) return;
    const active = await db
      .selectFrom('threats')
      .select(['id', 'device_id', 'key'])
      .where('tenant_id', '=', tenantId)
      .where(
        'device_id',
        'in',
        rows.map((row) => row.id),
      )
      .where('state', '=', 'active')
      .execute();
    const byDevice = new Map<string, { id: string; key: string }[]>();
    for (const threat of active) {
      const list = byDevice.get(threat.device_id) ?? [];
      list.push({ id: threat.id, key: threat.key });
      byDevice.set(threat.device_id, list);
    }
    const gone = new Map<string, { id: string; key: string }[]>();
    for (const row of rows) {
      const threats = byDevice.get(row.id);
      if (row.snapshot === null || threats === undefined) continue;
      if (needles !== undefined && !mayHoldAny(row.snapshot, needles)) continue;
      totals.assessed++;
      const snapshot = JSON.parse(row.snapshot) as Snapshot;
      const couldRaise = new Set(
        assess(snapshot, removedIndex, classification, { now }).detections.map((d) => d.key),
      );
      const suspects = threats.filter((threat) => couldRaise.has(threat.key));
      if (suspects.length === 0) continue;
      const still = new Set(
        assess(snapshot, params.lookup, classification, { now }).detections.map((d) => d.key),
      );
      const lost = suspects.filter((threat) => !still.has(threat.key));
      if (lost.length > 0) gone.set(row.id, lost);
    }
    if (gone.size === 0) return;
    const result = await db.transaction().execute(async (trx) => {
      const resolvedIds = new Set(
        await resolveActiveThreats(
          trx,
          tenantId,
          [...gone.values()].flat().map((threat) => threat.id),
          at,
        ),
      );
      const resolved = new Map<string, { opened: string[]; resolved: string[] }>();
      for (const [deviceId, threats] of gone) {
        const keys = threats.filter((threat) => resolvedIds.has(threat.id)).map((threat) => threat.key);
        if (keys.length > 0) resolved.set(deviceId, { opened: [], resolved: keys });
      }
      const rerated = await rerateDevices(trx, {
        tenantId,
        scope: { kind: 'ids', ids: [...resolved.keys()] },
        at: now,
        cause: 'intel',
        trigger: params.trigger,
        threats: resolved,
      });
      await appendAudit(trx, dialect, {
        tenantId,
        actor: params.actor,
        action: 'intel.retract',
        details: {
          devices: [...resolved.keys()],
          threatsResolved: resolvedIds.size,
          devicesChanged: rerated.changed.length,
        },
        at,
      });
      return { resolved: resolvedIds.size, changed: rerated.changed.length, written: rerated.written };
    });
    await deps.devicesChanged?.(tenantId, result.written); // after commit
    totals.resolved += result.resolved;
    totals.changed += result.changed;
  }

  if (needles !== undefined) {
    totals.examined = await countLiveDevices(db, tenantId);
    const ids = await listDeviceIdsWithSnapshotText(db, dialect, tenantId, needles);
    for (let start = 0; start < ids.length; start += PAGE) {
      const chunk = ids.slice(start, start + PAGE);
      await page(await listDevicesWithSnapshots(db, tenantId, { ids: chunk, limit: chunk.length }));
    }
  } else {
    let after: string | undefined;
    for (;;) {
      const rows = await listDevicesWithSnapshots(db, tenantId, {
        limit: PAGE,
        ...(after !== undefined ? { after } : {}),
      });
      if (rows.length === 0) break;
      after = rows.at(-1)?.id;
      totals.examined += rows.length;
      await page(rows);
    }
  }
  deps.logger.info({ tenantId, ...totals }, 'intel retraction done');
  return {
    devicesExamined: totals.examined,
    snapshotsAssessed: totals.assessed,
    threatsResolved: totals.resolved,
    devicesChanged: totals.changed,
  };
}
