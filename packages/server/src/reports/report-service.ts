import { createHash } from 'node:crypto';
import {
  applyEvents,
  assess,
  type Detection,
  type Report,
  rateDevice,
  type Snapshot,
} from '@riskgate/engine';
import type { DeviceChangeReservation } from '../access/access-system.ts';
import type { WrittenDeviceState } from '../access/decision-cache.ts';
import type { AttestationService } from '../attestation/attestation-service.ts';
import { appendAudit } from '../audit/audit-service.ts';
import { INTEL_SCOPE } from '../cluster/cluster-scopes.ts';
import type { ServiceContext } from '../context.ts';
import { isStateChange } from '../device-state/events.ts';
import { recordStateChange } from '../device-state/record.ts';
import type { DeviceStatus } from '../devices/device-service.ts';
import { AppError } from '../errors.ts';
import type { IntelSource } from '../intel/intel-source.ts';
import type { Metrics } from '../metrics.ts';
import { threatTypeOfKey } from '../privacy/device-erasure.ts';
import type { AccessThreatRow } from '../queries/access-devices.ts';
import { findClusterVersion } from '../queries/cluster-versions.ts';
import type { DeviceRow } from '../queries/devices.ts';
import {
  findReportOutcome,
  listStoredThreats,
  lockDeviceAndInsertReport,
  type ReportStateWrite,
  readIngestStart,
  storeReportState,
} from '../queries/report-ingest.ts';
import { findSnapshot } from '../queries/reports.ts';
import {
  createIngestConfigBuilder,
  INGEST_SETTING_KEYS,
  type IngestConfig,
  type IngestConfigReader,
} from './ingest-config.ts';
import { redactSnapshot } from './privacy.ts';
import { diffThreats, type ThreatDiff } from './threat-diff.ts';
import { storeThreatDiff } from './threat-store.ts';

/** The reply to a report: the status plus the report id and whether it was a retry. */
export interface ReportOutcome extends DeviceStatus {
  readonly reportId: string;
  readonly duplicate: boolean;
}

/** Report ingestion. */
export interface ReportService {
  /**
   * Ingests one report of an authenticated device: applies it to the latest snapshot, assesses it,
   * evaluates compliance, diffs threats, and stores snapshot, threats, device state, labels,
   * history, audit and outbox in one transaction. Resolves only after commit. A retried report id
   * returns the stored outcome with `duplicate: true`.
   */
  ingestReport(device: DeviceRow, report: Report): Promise<ReportOutcome>;
}

/** Creates the report service. */
export function createReportService(
  ctx: Pick<ServiceContext, 'db' | 'now' | 'logger'>,
  deps: {
    /**
     * The intel to assess with; with `ensure`, the stored feeds as this node holds them: each report
     * first brings them up to the database's `intel` version (read with the report's first
     * statement), so no report is assessed with feeds older than the database's.
     */
    readonly intel: IntelSource & { ensure?(version: number): Promise<void> };
    readonly metrics: Pick<Metrics, 'assessmentSeconds'>;
    /** Server-side hardware attestation; without it, attestation claims stay as reported. */
    readonly attestation?: Pick<AttestationService, 'prepareIngest'>;
    /** Called after the transaction commits and before the reply (decision caches, events). */
    readonly onDeviceChanged?: (tenantId: string, deviceId: string) => Promise<void>;
    /**
     * Preferred over `onDeviceChanged` when given: called inside the transaction once everything is
     * written; the reservation gets the committed state (so the cache need not read it back).
     */
    readonly reserveDeviceChange?: (tenantId: string, deviceId: string) => DeviceChangeReservation;
    /** Reads the tenant's overrides, policies and privacy settings; a fresh reader by default. */
    readonly readConfig?: IngestConfigReader;
  },
): ReportService {
  const { db, dialect } = ctx.db;
  const readConfig = deps.readConfig;
  const buildConfig = createIngestConfigBuilder();

  /** The stored outcome of a retried report id, and the tenant's ingest configuration. */
  async function start(
    device: DeviceRow,
    reportId: string,
  ): Promise<{ earlier: ReportOutcome | undefined; config: IngestConfig }> {
    if (readConfig !== undefined) {
      const earlier = await storedOutcome(device, reportId);
      if (deps.intel.ensure !== undefined) await deps.intel.ensure(await findClusterVersion(db, INTEL_SCOPE));
      return { earlier, config: await readConfig(db, device.tenant_id) };
    }
    // All in one statement (one round trip on PostgreSQL).
    const read = await readIngestStart(db, dialect, {
      tenantId: device.tenant_id,
      deviceId: device.id,
      reportId,
      settingKeys: INGEST_SETTING_KEYS,
      versionScope: INTEL_SCOPE,
    });
    if (read.outcome === undefined) await deps.intel.ensure?.(read.version);
    return {
      earlier: read.outcome === undefined ? undefined : duplicateOf(read.outcome),
      config: buildConfig(read.config),
    };
  }

  async function storedOutcome(device: DeviceRow, reportId: string): Promise<ReportOutcome | undefined> {
    const stored = await findReportOutcome(db, dialect, device.tenant_id, device.id, reportId);
    return stored === undefined ? undefined : duplicateOf(stored);
  }

  return {
    async ingestReport(device, report) {
      const { earlier, config } = await start(device, report.reportId);
      if (earlier !== undefined) return earlier;
      const now = ctx.now();
      const at = now.toISOString();
      const tenantId = device.tenant_id;

      let snapshot: Snapshot;
      if (report.kind === 'full') {
        snapshot = report.snapshot;
      } else {
        const previous = await findSnapshot(db, tenantId, device.id);
        if (previous === undefined)
          throw new AppError('conflict', 'send a full snapshot before incremental events');
        snapshot = applyEvents(JSON.parse(previous) as Snapshot, report.events);
      }

      // Verify the attestation chain (async) before the transaction; the challenge is consumed in it.
      const attestation = await deps.attestation?.prepareIngest(device, snapshot, now);
      if (attestation !== undefined) snapshot = attestation.snapshot;

      const started = performance.now();
      const assessment = assess(
        attestation?.assessed ?? snapshot,
        deps.intel.lookup(tenantId),
        config.classification,
        {
          now,
          settings: config.assessSettings,
          ...(attestation === undefined ? {} : { extraDetectors: attestation.detectors }),
        },
      );

      let reservation: DeviceChangeReservation | undefined;
      let written: WrittenDeviceState | undefined;
      let outcome: ReportOutcome | undefined;
      let notified = false;
      try {
        outcome = await db.transaction().execute(async (trx) => {
          const {
            device: current,
            fresh,
            snapshotDigest,
          } = await lockDeviceAndInsertReport(trx, dialect, {
            tenant_id: tenantId,
            device_id: device.id,
            report_id: report.reportId,
            received_at: at,
          });
          if (current === undefined || current.retired_at !== null)
            throw new AppError('bad_signature', 'device is retired');
          if (!fresh) return undefined; // a concurrent retry of the same report committed first
          await attestation?.commit(trx);
          const stored = await listStoredThreats(trx, dialect, tenantId, device.id);
          const ignored = new Set(stored.filter((row) => row.state === 'ignored').map((row) => row.key));
          const rating = rateDevice({
            threats: assessment.detections.map((detection) => ({
              risk: detection.risk,
              state: ignored.has(detection.key) ? 'ignored' : 'active',
            })),
            device: {
              platform: current.platform,
              ownership: current.ownership,
              user: current.user ?? '',
              groups: JSON.parse(current.groups) as string[],
              osVersion: snapshot.device.osVersion,
              ...(snapshot.device.securityPatch !== undefined
                ? { patchLevel: snapshot.device.securityPatch }
                : {}),
              ...(snapshot.integrity.screenLock !== undefined
                ? { screenLock: snapshot.integrity.screenLock }
                : {}),
              ...(snapshot.integrity.encrypted !== undefined
                ? { encrypted: snapshot.integrity.encrypted }
                : {}),
              ...(attestation?.compliance !== undefined ? { attestation: attestation.compliance } : {}),
              lastSeenAt: now,
              ...(current.noncompliant_since !== null
                ? { noncompliantSince: new Date(current.noncompliant_since) }
                : {}),
            },
            labels: JSON.parse(current.labels) as string[],
            policies: config.policies,
            now,
          });
          const { riskLevel, compliance } = rating;
          const labels = [...rating.labels];
          deps.metrics.assessmentSeconds.observe((performance.now() - started) / 1000);

          const diff = diffThreats(stored, assessment.detections);
          const touchedThreatIds = await storeThreatDiff(trx, {
            tenantId,
            deviceId: device.id,
            diff,
            at,
            touch: 'caller',
          });

          // Personal devices: keep only what matched (no app inventory, no network names).
          const kept =
            current.ownership === 'personal' && config.privacy.personalDevices === 'matches-only'
              ? redactSnapshot(snapshot, assessment.detections)
              : snapshot;
          const changed = riskLevel !== current.risk_level || compliance.state !== current.compliance_state;
          const before = {
            riskLevel: current.risk_level,
            complianceState: current.compliance_state,
            labels: JSON.parse(current.labels) as string[],
          };
          const after = { riskLevel, complianceState: compliance.state, labels };
          const reasons = {
            failingRules: compliance.failingRules.map((rule) => ({
              policyId: rule.policyId,
              rule: rule.rule,
            })),
            threatsOpened: [
              ...diff.created.map((detection) => detection.key),
              ...diff.seenAgain.filter(({ row }) => row.state === 'resolved').map(({ row }) => row.key),
            ],
            threatsResolved: diff.resolved.map((row) => row.key),
          };
          // The device row is locked by `lockDeviceAndInsertReport`: its sequence cannot move under us.
          let sequence = Number(current.state_sequence);
          if (isStateChange(before, after, reasons)) {
            sequence += 1;
            const draft = {
              tenantId,
              deviceId: device.id,
              cause: 'report' as const,
              trigger: report.reportId,
              at,
            };
            await recordStateChange(trx, { ...draft, before, after, reasons }, sequence);
          }
          const change = {
            from: { riskLevel: current.risk_level, complianceState: current.compliance_state },
            to: { riskLevel, complianceState: compliance.state },
            labels,
            // Threat types, not keys: a key names the app or domain, and the audit log is never
            // rewritten, so it must hold nothing an erasure has to remove (docs/privacy.md).
            newThreats: reasons.threatsOpened.map(threatTypeOfKey),
            resolvedThreats: reasons.threatsResolved.map(threatTypeOfKey),
            reportId: report.reportId,
          };
          if (changed) {
            await appendAudit(trx, dialect, {
              tenantId,
              actor: `device:${device.id}`,
              action: 'device.state-change',
              target: device.id,
              details: change,
              at,
            });
          }

          const active = assessment.detections.filter((detection) => !ignored.has(detection.key));
          const result: ReportOutcome = {
            reportId: report.reportId,
            duplicate: false,
            deviceId: device.id,
            riskLevel,
            compliance: {
              state: compliance.state,
              failingRules: compliance.failingRules.map((rule) => ({ rule: rule.rule, reason: rule.reason })),
            },
            labels,
            threats: active.map((detection) => ({
              key: detection.key,
              typeId: detection.typeId,
              title: detection.title,
              risk: detection.risk,
              summary: detection.summary,
              remediation: [...detection.remediation],
            })),
          };
          const deviceState = {
            risk_level: riskLevel,
            compliance_state: compliance.state,
            labels: JSON.stringify(labels),
            os_version: snapshot.device.osVersion,
            model: snapshot.device.model,
            manufacturer: snapshot.device.manufacturer,
            agent_version: snapshot.device.agentVersion,
            noncompliant_since: compliance.noncompliantSince?.toISOString() ?? null,
            state_sequence: sequence,
            reevaluate_at: compliance.reevaluateAt?.toISOString() ?? null,
          };
          if (deps.reserveDeviceChange !== undefined) {
            written = {
              row: { ...current, ...deviceState },
              activeThreats: activeThreatsAfter(diff),
            };
            // While this transaction still orders the device's commits (see the slot's docs).
            reservation = deps.reserveDeviceChange(tenantId, device.id);
          }
          notified = await storeReportState(trx, dialect, {
            tenantId,
            deviceId: device.id,
            reportId: report.reportId,
            at,
            touchedThreatIds,
            snapshot: changedSnapshot(JSON.stringify(kept), snapshotDigest),
            device: deviceState,
            outcome: JSON.stringify(result),
            ...(reservation?.notification === undefined ? {} : { notification: reservation.notification }),
          });
          return result;
        });
      } catch (error) {
        await reservation?.failed();
        throw error;
      }
      if (outcome !== undefined) {
        if (reservation !== undefined && written !== undefined)
          await reservation.committed(written, notified);
        else await deps.onDeviceChanged?.(tenantId, device.id);
        return outcome;
      }
      const raced = await storedOutcome(device, report.reportId);
      if (raced === undefined) throw new Error('report vanished after a concurrent insert');
      return raced;
    },
  };
}

/** The snapshot to store with its digest, or `undefined` when the stored one has that digest. */
function changedSnapshot(text: string, storedDigest: string | null): ReportStateWrite['snapshot'] {
  const digest = createHash('sha256').update(text).digest('base64url');
  return digest === storedDigest ? undefined : { text, digest };
}

function duplicateOf(stored: string): ReportOutcome {
  return { ...(JSON.parse(stored) as ReportOutcome), duplicate: true };
}

/**
 * The device's active threats after a diff was stored, oldest first, as the decision cache reads
 * them: threats seen again that are not ignored (with the detection's columns), then new ones.
 */
function activeThreatsAfter(diff: ThreatDiff): AccessThreatRow[] {
  const rows: { first_seen: string; threat: AccessThreatRow }[] = [];
  for (const { row, detection } of diff.seenAgain) {
    if (row.state === 'ignored') continue;
    rows.push({ first_seen: row.first_seen, threat: accessThreatOf(detection) });
  }
  rows.sort((a, b) => (a.first_seen < b.first_seen ? -1 : a.first_seen > b.first_seen ? 1 : 0));
  const out = rows.map((entry) => entry.threat);
  for (const detection of diff.created) out.push(accessThreatOf(detection));
  return out;
}

function accessThreatOf(detection: Detection): AccessThreatRow {
  return {
    type_id: detection.typeId,
    title: detection.title,
    risk: detection.risk,
    remediation: JSON.stringify(detection.remediation),
  };
}
