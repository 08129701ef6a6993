import { appendAudit } from '../audit/audit-service.ts';
import { actorOf, type Principal, requirePermission } from '../auth/principal.ts';
import { INTEL_SCOPE } from '../cluster/cluster-scopes.ts';
import type { ServiceContext } from '../context.ts';
import type { ThreatState } from '../db/types.ts';
import { assessStoredSnapshot } from '../device-state/assess-stored.ts';
import { rerateDevices } from '../device-state/rerate.ts';
import { type ThreatView, toThreatView } from '../devices/device-service.ts';
import { AppError, errors } from '../errors.ts';
import { newId } from '../ids.ts';
import type { IntelSource } from '../intel/intel-source.ts';
import { findClusterVersion } from '../queries/cluster-versions.ts';
import { insertDeviceHistory } from '../queries/device-history.ts';
import { findDeviceById } from '../queries/devices.ts';
import { findThreatById, listThreats, type ThreatFilter, updateThreat } from '../queries/threats.ts';
import { createIngestConfigReader } from '../reports/ingest-config.ts';
import { detectionColumns } from '../reports/threat-store.ts';

/** Threat list and triage (ignore / resolve) for admins. */
export type ThreatService = ReturnType<typeof createThreatService>;

/** Creates the threat service; `intel` is what reports are assessed with (reactivation re-assesses). */
export function createThreatService(
  ctx: Pick<ServiceContext, 'db' | 'now' | 'devicesChanged'>,
  deps: { readonly intel: IntelSource & { ensure?(version: number): Promise<void> } },
) {
  const { db, dialect } = ctx.db;
  const readConfig = createIngestConfigReader();
  return {
    async listThreats(
      principal: Principal,
      filter: ThreatFilter,
      page: { readonly limit: number; readonly after?: string },
    ): Promise<{ items: ThreatView[]; nextCursor: string | null }> {
      requirePermission(principal, 'threats:read');
      const rows = await listThreats(db, principal.tenantId, filter, { ...page, limit: page.limit + 1 });
      const items = rows.slice(0, page.limit).map(toThreatView);
      const last = items.at(-1);
      return { items, nextCursor: rows.length > page.limit && last !== undefined ? last.id : null };
    },

    /**
     * Sets a threat's state by hand (`ignored`, or `resolved`, or back to `active`) and re-rates its
     * device at once through `device-state/` (risk level, labels and compliance, so ignoring the
     * only high threat makes the device compliant again), with history, audit and outbox.
     * Reactivation re-assesses the device's latest report (stored snapshot, current intel and
     * overrides): a threat it no longer shows is refused with `conflict` (the evidence is gone; a
     * report that shows it again reactivates it by itself), one it shows becomes active with the
     * risk, evidence and remediation of today's detection (docs/admin-api.md, "Threat triage").
     */
    async setThreatState(principal: Principal, id: string, state: ThreatState): Promise<ThreatView> {
      requirePermission(principal, 'threats:write');
      const now = ctx.now();
      const at = now.toISOString();
      let written: readonly string[] = [];
      // Reactivation assesses with this node's intel at the database's version, as a report does.
      if (state === 'active' && deps.intel.ensure !== undefined)
        await deps.intel.ensure(await findClusterVersion(db, INTEL_SCOPE));
      const view = await db.transaction().execute(async (trx) => {
        const threat = await findThreatById(trx, principal.tenantId, id);
        if (threat === undefined) throw errors.notFound('threat');
        const device = await findDeviceById(trx, principal.tenantId, threat.device_id);
        if (device === undefined) throw errors.notFound('device');
        let detected = {};
        if (state === 'active' && threat.state !== 'active') {
          const detections = await assessStoredSnapshot(trx, {
            tenantId: principal.tenantId,
            deviceId: device.id,
            lookup: deps.intel.lookup(principal.tenantId),
            readConfig,
            now,
          });
          const detection = detections?.find((d) => d.key === threat.key);
          if (detection === undefined)
            throw new AppError(
              'conflict',
              `threat ${id} is not in the device's latest report (its evidence is gone), so it cannot be reactivated; it becomes active again by itself if a report shows it`,
            );
          detected = detectionColumns(detection);
        }
        await updateThreat(trx, principal.tenantId, id, {
          ...detected,
          state,
          resolved_at: state === 'resolved' ? at : null,
        });
        const counted = (s: string) => s === 'active';
        const opened = !counted(threat.state) && counted(state) ? [threat.key] : [];
        const resolved = counted(threat.state) && !counted(state) ? [threat.key] : [];
        const action = `threat.${state === 'active' ? 'reactivate' : state === 'ignored' ? 'ignore' : 'resolve'}`;
        const rerated = await rerateDevices(trx, {
          tenantId: principal.tenantId,
          scope: { kind: 'ids', ids: [device.id] },
          at: now,
          cause: 'triage',
          trigger: action,
          allCompliance: true,
          threats: new Map([[device.id, { opened, resolved }]]),
        });
        written = rerated.written;
        const after = rerated.changed[0]?.to;
        const change = {
          threatId: id,
          threatType: threat.type_id,
          threatState: state,
          from: device.risk_level,
          to: after?.riskLevel ?? device.risk_level,
          complianceState: after?.complianceState ?? device.compliance_state,
        };
        await insertDeviceHistory(trx, {
          tenant_id: principal.tenantId,
          id: newId('his'),
          device_id: device.id,
          at,
          kind: `threat-${state}`,
          details: JSON.stringify({ ...change, threatKey: threat.key, by: actorOf(principal) }),
        });
        await appendAudit(trx, dialect, {
          tenantId: principal.tenantId,
          actor: actorOf(principal),
          action,
          target: id,
          details: change,
          at,
        });
        const updated = await findThreatById(trx, principal.tenantId, id);
        if (updated === undefined) throw errors.notFound('threat');
        return toThreatView(updated);
      });
      await ctx.devicesChanged?.(principal.tenantId, written); // after commit
      return view;
    },
  };
}
