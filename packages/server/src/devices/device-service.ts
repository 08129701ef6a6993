import { appendAudit } from '../audit/audit-service.ts';
import { actorOf, type Principal, requirePermission } from '../auth/principal.ts';
import type { ServiceContext } from '../context.ts';
import { nextStateSequence, recordStateChange } from '../device-state/record.ts';
import { rerateDevices } from '../device-state/rerate.ts';
import { errors } from '../errors.ts';
import { eraseDeviceData } from '../privacy/device-erasure.ts';
import { listDeviceHistory } from '../queries/device-history.ts';
import {
  type DeviceFilter,
  type DeviceRow,
  findDeviceById,
  listDevices,
  updateDevice,
} from '../queries/devices.ts';
import { findLatestReportOutcome, findSnapshot } from '../queries/reports.ts';
import { insertRevokedCertificate } from '../queries/revoked-certificates.ts';
import { listDeviceThreats, type ThreatRow } from '../queries/threats.ts';

/** A threat as the agent and the admin see it. */
export interface ThreatView {
  readonly id: string;
  readonly key: string;
  readonly typeId: string;
  readonly class: string;
  readonly title: string;
  readonly risk: string;
  readonly state: string;
  readonly summary: string;
  readonly remediation: string[];
  readonly evidence: unknown[];
  readonly attack: string[];
  readonly family: string | null;
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly resolvedAt: string | null;
}

/** A device as the admin API shows it. */
export interface DeviceView {
  readonly id: string;
  readonly platform: string;
  readonly ownership: string;
  readonly user: string | null;
  readonly groups: string[];
  readonly name: string | null;
  readonly model: string | null;
  readonly manufacturer: string | null;
  readonly osVersion: string | null;
  readonly agentVersion: string | null;
  readonly certFingerprint: string;
  readonly enrolledAt: string;
  readonly lastSeenAt: string | null;
  readonly riskLevel: string;
  readonly complianceState: string;
  readonly labels: string[];
  readonly retiredAt: string | null;
}

export function toDeviceView(row: DeviceRow): DeviceView {
  return {
    id: row.id,
    platform: row.platform,
    ownership: row.ownership,
    user: row.user,
    groups: JSON.parse(row.groups) as string[],
    name: row.name,
    model: row.model,
    manufacturer: row.manufacturer,
    osVersion: row.os_version,
    agentVersion: row.agent_version,
    certFingerprint: row.cert_fingerprint,
    enrolledAt: row.enrolled_at,
    lastSeenAt: row.last_seen_at,
    riskLevel: row.risk_level,
    complianceState: row.compliance_state,
    labels: JSON.parse(row.labels) as string[],
    retiredAt: row.retired_at,
  };
}

export function toThreatView(row: ThreatRow): ThreatView {
  return {
    id: row.id,
    key: row.key,
    typeId: row.type_id,
    class: row.class,
    title: row.title,
    risk: row.risk,
    state: row.state,
    summary: row.summary,
    remediation: JSON.parse(row.remediation) as string[],
    evidence: JSON.parse(row.evidence) as unknown[],
    attack: JSON.parse(row.attack) as string[],
    family: row.family,
    firstSeen: row.first_seen,
    lastSeen: row.last_seen,
    resolvedAt: row.resolved_at,
  };
}

/** The device's state as the agent sees it (docs/agent-protocol.md §5). */
export interface DeviceStatus {
  readonly deviceId: string;
  readonly riskLevel: string;
  readonly compliance: { readonly state: string; readonly failingRules: { rule: string; reason: string }[] };
  readonly labels: string[];
  readonly threats: {
    key: string;
    typeId: string;
    title: string;
    risk: string;
    summary: string;
    remediation: string[];
  }[];
}

/** Device reads and admin device actions. */
export type DeviceService = ReturnType<typeof createDeviceService>;

/** Creates the device service. */
export function createDeviceService(ctx: Pick<ServiceContext, 'db' | 'now' | 'devicesChanged'>) {
  const { db, dialect } = ctx.db;

  /**
   * Moves the device's `last_seen_at` to now. A device that is not compliant may have failed only
   * because it had gone silent (the `unresponsive` rule): a device that has reported is re-rated through the one
   * device-state module (cause `report`, trigger `device.status`), so that checking in makes it
   * responsive again at once. Returns the device row as it is now.
   */
  async function markSeen(device: DeviceRow): Promise<DeviceRow> {
    const now = ctx.now();
    const lastSeen = { last_seen_at: now.toISOString() };
    // Compliant: checking in cannot improve it. Never reported (no snapshot): `unknown` until the
    // first report, as at enrollment.
    if (
      device.compliance_state === 'compliant' ||
      (await findSnapshot(db, device.tenant_id, device.id)) === undefined
    ) {
      await updateDevice(db, device.tenant_id, device.id, lastSeen);
      return { ...device, ...lastSeen };
    }
    const { row, written } = await db.transaction().execute(async (trx) => {
      await updateDevice(trx, device.tenant_id, device.id, lastSeen);
      const result = await rerateDevices(trx, {
        tenantId: device.tenant_id,
        scope: { kind: 'ids', ids: [device.id] },
        at: now,
        cause: 'report',
        trigger: 'device.status',
        allCompliance: true,
      });
      return { row: await findDeviceById(trx, device.tenant_id, device.id), written: result.written };
    });
    if (written.length > 0) await ctx.devicesChanged?.(device.tenant_id, written); // after commit
    return row ?? { ...device, ...lastSeen };
  }

  return {
    /** The status reply for an authenticated device. */
    async getDeviceStatus(seen: DeviceRow): Promise<DeviceStatus> {
      const device = await markSeen(seen);
      const threats = await listDeviceThreats(db, device.tenant_id, device.id, ['active']);
      // The failing rules of the last evaluation (kept with the newest report's outcome).
      const latest = await findLatestReportOutcome(db, device.tenant_id, device.id);
      const failingRules =
        latest === undefined
          ? []
          : ((JSON.parse(latest) as Partial<DeviceStatus>).compliance?.failingRules ?? []);
      return {
        deviceId: device.id,
        riskLevel: device.risk_level,
        compliance: { state: device.compliance_state, failingRules },
        labels: JSON.parse(device.labels) as string[],
        threats: threats.map((threat) => ({
          key: threat.key,
          typeId: threat.type_id,
          title: threat.title,
          risk: threat.risk,
          summary: threat.summary,
          remediation: JSON.parse(threat.remediation) as string[],
        })),
      };
    },

    async listDevices(
      principal: Principal,
      filter: DeviceFilter,
      page: { readonly limit: number; readonly after?: string },
    ): Promise<{ items: DeviceView[]; nextCursor: string | null }> {
      requirePermission(principal, 'devices:read');
      const rows = await listDevices(db, principal.tenantId, filter, { ...page, limit: page.limit + 1 });
      const items = rows.slice(0, page.limit).map(toDeviceView);
      const last = items.at(-1);
      return { items, nextCursor: rows.length > page.limit && last !== undefined ? last.id : null };
    },

    async getDevice(principal: Principal, id: string) {
      requirePermission(principal, 'devices:read');
      const row = await findDeviceById(db, principal.tenantId, id);
      if (row === undefined) throw errors.notFound('device');
      const threats = await listDeviceThreats(db, principal.tenantId, id, ['active', 'resolved', 'ignored']);
      const history = await listDeviceHistory(db, principal.tenantId, id, 100);
      return {
        device: toDeviceView(row),
        threats: threats.map(toThreatView),
        history: history.map((entry) => ({
          at: entry.at,
          kind: entry.kind,
          details: JSON.parse(entry.details) as Record<string, unknown>,
        })),
      };
    },

    /**
     * Retires a device and revokes its certificate: its signature no longer verifies; audited. With
     * `erase`, its personal data is removed in the same transaction (privacy/device-erasure.ts) and
     * the audit log records who erased what kinds and how many rows (`device.erase`); a retired
     * device can be erased later too.
     */
    async retireDevice(
      principal: Principal,
      id: string,
      options: { readonly erase?: boolean } = {},
    ): Promise<DeviceView> {
      requirePermission(principal, 'devices:write');
      const at = ctx.now().toISOString();
      const view = await db.transaction().execute(async (trx) => {
        const row = await findDeviceById(trx, principal.tenantId, id);
        if (row === undefined) throw errors.notFound('device');
        const erase = async () => {
          if (options.erase !== true) return;
          const counts = await eraseDeviceData(trx, principal.tenantId, id);
          await appendAudit(trx, dialect, {
            tenantId: principal.tenantId,
            actor: actorOf(principal),
            action: 'device.erase',
            target: id,
            details: { kinds: Object.keys(counts), counts },
            at,
          });
        };
        if (row.retired_at !== null) {
          await erase();
          return options.erase === true
            ? { ...toDeviceView(row), user: 'erased', name: null }
            : toDeviceView(row);
        }
        await updateDevice(trx, principal.tenantId, id, {
          retired_at: at,
          labels: '[]',
          reevaluate_at: null,
        });
        // Revoked in the same transaction: every access check and device request refuse the
        // certificate from the commit on, whatever the device row says later.
        await insertRevokedCertificate(trx, {
          tenant_id: principal.tenantId,
          serial: row.cert_serial,
          fingerprint: row.cert_fingerprint,
          device_id: id,
          reason: 'retired',
          revoked_at: at,
        });
        // A retired device loses its MTD labels; the event tells connectors to drop them too.
        const state = (labels: readonly string[]) => ({
          riskLevel: row.risk_level,
          complianceState: row.compliance_state,
          labels: [...labels],
        });
        await recordStateChange(
          trx,
          {
            tenantId: principal.tenantId,
            deviceId: id,
            cause: 'retire',
            trigger: 'device.retire',
            at,
            before: state(JSON.parse(row.labels) as string[]),
            after: state([]),
            reasons: { failingRules: [], threatsOpened: [], threatsResolved: [] },
          },
          await nextStateSequence(trx, principal.tenantId, id),
        );
        await appendAudit(trx, dialect, {
          tenantId: principal.tenantId,
          actor: actorOf(principal),
          action: 'device.retire',
          target: id,
          at,
        });
        await erase();
        const view = { ...toDeviceView(row), retiredAt: at, labels: [] };
        return options.erase === true
          ? { ...view, user: row.user === null ? null : 'erased', name: null }
          : view;
      });
      await ctx.devicesChanged?.(principal.tenantId, [id]); // after commit: caches refuse it at once
      return view;
    },
  };
}
