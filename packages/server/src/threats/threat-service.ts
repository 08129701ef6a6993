import { labelsFor, parseThreatRisk, riskLevelOf } from '@riskgate/engine';
import { appendAudit } from '../audit/audit-service.ts';
import { actorOf, type Principal, requirePermission } from '../auth/principal.ts';
import type { ServiceContext } from '../context.ts';
import type { ThreatState } from '../db/types.ts';
import { type ThreatView, toThreatView } from '../devices/device-service.ts';
import { errors } from '../errors.ts';
import { newId } from '../ids.ts';
import { insertDeviceHistory, insertOutboxEvent } from '../queries/device-history.ts';
import { findDeviceById, updateDevice } from '../queries/devices.ts';
import {
  findThreatById,
  listDeviceThreats,
  listThreats,
  type ThreatFilter,
  updateThreat,
} from '../queries/threats.ts';

/** Threat list and triage (ignore / resolve) for admins. */
export type ThreatService = ReturnType<typeof createThreatService>;

/** Creates the threat service. */
export function createThreatService(ctx: Pick<ServiceContext, 'db' | 'now' | 'devicesChanged'>) {
  const { db, dialect } = ctx.db;
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
     * device at once from the threats left active: risk level, labels, history, audit, outbox.
     */
    async setThreatState(principal: Principal, id: string, state: ThreatState): Promise<ThreatView> {
      requirePermission(principal, 'threats:write');
      const at = ctx.now().toISOString();
      let deviceId = '';
      const view = await db.transaction().execute(async (trx) => {
        const threat = await findThreatById(trx, principal.tenantId, id);
        if (threat === undefined) throw errors.notFound('threat');
        deviceId = threat.device_id;
        await updateThreat(trx, principal.tenantId, id, {
          state,
          resolved_at: state === 'resolved' ? at : null,
        });
        const device = await findDeviceById(trx, principal.tenantId, threat.device_id);
        if (device === undefined) throw errors.notFound('device');
        const active = await listDeviceThreats(trx, principal.tenantId, device.id, ['active']);
        const riskLevel = riskLevelOf(active.map((row) => ({ risk: parseThreatRisk(row.risk) ?? 'high' })));
        const labels = labelsFor(JSON.parse(device.labels) as string[], riskLevel);
        await updateDevice(trx, principal.tenantId, device.id, {
          risk_level: riskLevel,
          labels: JSON.stringify(labels),
        });
        const change = {
          threatId: id,
          threatKey: threat.key,
          threatState: state,
          from: device.risk_level,
          to: riskLevel,
          labels,
        };
        await insertDeviceHistory(trx, {
          tenant_id: principal.tenantId,
          id: newId('his'),
          device_id: device.id,
          at,
          kind: `threat-${state}`,
          details: JSON.stringify({ ...change, by: actorOf(principal) }),
        });
        if (riskLevel !== device.risk_level) {
          await insertOutboxEvent(trx, {
            tenant_id: principal.tenantId,
            id: newId('out'),
            topic: 'device.state-changed',
            payload: JSON.stringify({ deviceId: device.id, at, ...change }),
            next_attempt_at: at,
            created_at: at,
          });
        }
        await appendAudit(trx, dialect, {
          tenantId: principal.tenantId,
          actor: actorOf(principal),
          action: `threat.${state === 'active' ? 'reactivate' : state === 'ignored' ? 'ignore' : 'resolve'}`,
          target: id,
          details: change,
          at,
        });
        const updated = await findThreatById(trx, principal.tenantId, id);
        if (updated === undefined) throw errors.notFound('threat');
        return toThreatView(updated);
      });
      await ctx.devicesChanged?.(principal.tenantId, [deviceId]); // after commit
      return view;
    },
  };
}
