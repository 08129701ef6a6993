import {
  type CompliancePolicy,
  labelsFor,
  type RiskLevel,
  rateDevice,
  riskLevelOfRank,
  type Snapshot,
  THREAT_RISKS,
} from '@riskgate/engine';
import type { Kysely } from 'kysely';
import type { Database, DevicesTable } from '../db/types.ts';
import { newId } from '../ids.ts';
import {
  type DeviceStateUpdate,
  insertStateEvents,
  listDeviceRanks,
  listDevicesByIds,
  listDevicesWithSnapshots,
  type RatedDeviceRow,
  type RatingScope,
  type StateEventRow,
  writeDeviceStateGroup,
  writeReevaluateAt,
} from '../queries/device-rating.ts';
import type { DeviceRow } from '../queries/devices.ts';
import { listCompliancePolicyDocs } from '../queries/reports.ts';
import {
  type DeviceStateView,
  isStateChange,
  type StateCause,
  type StateChangeReasons,
  stateChangedEvent,
} from './events.ts';
import { deviceFactsOf, parsePolicyDocs, readsSnapshot } from './facts.ts';

export { complianceDeviceOf, parsePolicyDocs, readsSnapshot } from './facts.ts';

/** Threat keys a cause opened or resolved on one device (they go into the event's reasons). */
export interface ThreatChanges {
  readonly opened: readonly string[];
  readonly resolved: readonly string[];
}

/** Which devices changed state and why. */
export interface RerateParams {
  readonly tenantId: string;
  readonly scope: RatingScope;
  readonly at: Date;
  readonly cause: StateCause;
  /** e.g. `threat.ignore`, `threat-type.override`, `compliance-policy.update`. */
  readonly trigger: string;
  /**
   * Re-evaluate compliance of every device in scope (a policy, a threat's state or time changed),
   * not only of devices whose risk level moved.
   */
  readonly allCompliance?: boolean;
  /** Per device id: threats the cause opened or resolved. */
  readonly threats?: ReadonlyMap<string, ThreatChanges>;
  /**
   * The state timer: a device failing because its verified attestation expired is recorded with
   * cause `attestation` (trigger `attestation.expired`) instead of `cause`.
   */
  readonly attestationExpiry?: boolean;
}

/** One device whose stored state changed. */
export interface DeviceStateChange {
  readonly deviceId: string;
  readonly from: { readonly riskLevel: string; readonly complianceState: string };
  readonly to: { readonly riskLevel: RiskLevel; readonly complianceState: string };
  readonly labels: readonly string[];
}

/** Result of {@link rerateDevices}. */
export interface RerateResult {
  readonly examined: number;
  readonly changed: readonly DeviceStateChange[];
  /** Every device whose row was written (decision caches must refresh these). */
  readonly written: readonly string[];
}

/** A device's new state as the bulk path computes it. */
interface Rated {
  readonly state: DevicesTable['compliance_state'];
  readonly since: string | null;
  readonly failingRules: StateChangeReasons['failingRules'];
  /** When time alone may change it (the engine's `reevaluateAt`), ISO; `null`: never. */
  readonly reevaluateAt: string | null;
  /** A verified attestation expired by `at` and a policy requiring attestation now fails for it. */
  readonly attestationExpired: boolean;
}

// Frozen: one array shared by every result (the type is mutable; nothing writes to it).
const NO_FAILURES = Object.freeze([]) as unknown as StateChangeReasons['failingRules'];
const NO_CHANGES: ThreatChanges = { opened: [], resolved: [] };

/**
 * Rates each device with the engine's `rateDevice`. The SQL MAX over active threats gives the one
 * threat that decides the level, so the device is rated from it. Devices are only loaded when a
 * policy is enabled, and their snapshots only when a policy has a rule that reads one (a
 * threat-level-only policy does not: loading and parsing 5,000 snapshots was a quarter of a
 * reclassification's time). With no enabled policy `rateDevice` gives `compliant` and no failure
 * whatever the device: that result is used without loading anything.
 */
async function rate(
  trx: Kysely<Database>,
  tenantId: string,
  pending: readonly RatedDeviceRow[],
  at: Date,
): Promise<Map<string, Rated>> {
  const out = new Map<string, Rated>();
  if (pending.length === 0) return out;
  const policies: CompliancePolicy[] = parsePolicyDocs(await listCompliancePolicyDocs(trx, tenantId));
  if (!policies.some((policy) => policy.enabled)) {
    for (const row of pending)
      out.set(row.id, {
        state: 'compliant',
        since: null,
        failingRules: NO_FAILURES,
        reevaluateAt: null,
        attestationExpired: false,
      });
    return out;
  }
  const withSnapshots = policies.some(readsSnapshot);
  for (let start = 0; start < pending.length; start += 500) {
    const chunk = pending.slice(start, start + 500);
    const ranks = new Map(chunk.map((row) => [row.id, row.rank] as const));
    const ids = [...ranks.keys()];
    const rows: (DeviceRow & { readonly snapshot: string | null })[] = withSnapshots
      ? await listDevicesWithSnapshots(trx, tenantId, { ids, limit: chunk.length })
      : (await listDevicesByIds(trx, tenantId, ids)).map((row) => ({ ...row, snapshot: null }));
    for (const row of rows) {
      const snapshot = row.snapshot === null ? undefined : (JSON.parse(row.snapshot) as Snapshot);
      const top = THREAT_RISKS[ranks.get(row.id) ?? 0] ?? 'high';
      const device = deviceFactsOf(row, snapshot);
      const { compliance } = rateDevice({
        threats: [{ risk: top, state: 'active' }],
        device,
        labels: [],
        policies,
        now: at,
      });
      const validUntil = device.attestation?.state === 'verified' ? device.attestation.validUntil : undefined;
      out.set(row.id, {
        state: compliance.state,
        since: compliance.noncompliantSince?.toISOString() ?? null,
        failingRules: compliance.failingRules.map((r) => ({ policyId: r.policyId, rule: r.rule })),
        reevaluateAt: compliance.reevaluateAt?.toISOString() ?? null,
        attestationExpired:
          validUntil !== undefined &&
          validUntil.getTime() <= at.getTime() &&
          compliance.failingRules.some((r) => r.rule === 'requireAttestation'),
      });
    }
  }
  return out;
}

/**
 * The one place device state changes for admin-side causes (triage, overrides, policy edits,
 * feed changes, the timer, retire), for one device or a whole fleet, in the caller's
 * transaction: recomputes the state of the devices in scope from their stored threats (risk
 * level from a GROUP BY over active threats), MTD risk labels, and compliance (for devices whose
 * level changed, or all with `allCompliance`); writes the changed devices grouped by identical
 * new state with set-based statements; and for every device whose risk, compliance or labels
 * changed (or whose threats the cause opened or resolved) one `device.state-changed` event with
 * the next sequence number, in the outbox and in history. The caller writes the audit entry and,
 * after commit, refreshes decision caches for `written` (see `commitStateChange`).
 */
export async function rerateDevices(trx: Kysely<Database>, params: RerateParams): Promise<RerateResult> {
  const { tenantId, at } = params;
  const iso = at.toISOString();
  const ranked = await listDeviceRanks(trx, tenantId, params.scope);
  const pending = ranked.filter(
    (row) =>
      params.allCompliance === true ||
      riskLevelOfRank(row.rank) !== row.risk_level ||
      params.threats?.has(row.id) === true,
  );
  const rated = await rate(trx, tenantId, pending, at);
  const groups = new Map<string, { update: DeviceStateUpdate; emits: boolean; rows: RatedDeviceRow[] }>();
  const drafts = new Map<
    string,
    {
      before: DeviceStateView;
      after: DeviceStateView;
      reasons: StateChangeReasons;
      cause: StateCause;
      trigger: string;
    }
  >();
  const reevaluate: { id: string; at: string | null }[] = [];
  for (const row of pending) {
    const outcome = rated.get(row.id);
    if (outcome === undefined) continue;
    if (outcome.reevaluateAt !== row.reevaluate_at) reevaluate.push({ id: row.id, at: outcome.reevaluateAt });
    const level = riskLevelOfRank(row.rank);
    const labelsBefore = JSON.parse(row.labels) as string[];
    const labels = labelsFor(labelsBefore, level);
    const labelsText = JSON.stringify(labels);
    const before: DeviceStateView = {
      riskLevel: row.risk_level,
      complianceState: row.compliance_state,
      labels: labelsBefore,
    };
    const after: DeviceStateView = { riskLevel: level, complianceState: outcome.state, labels };
    const threats = params.threats?.get(row.id) ?? NO_CHANGES;
    const reasons: StateChangeReasons = {
      failingRules: outcome.failingRules,
      threatsOpened: [...threats.opened],
      threatsResolved: [...threats.resolved],
    };
    const emits = isStateChange(before, after, reasons);
    if (!emits && outcome.since === row.noncompliant_since) continue;
    if (emits)
      drafts.set(row.id, {
        before,
        after,
        reasons,
        ...(params.attestationExpiry === true && outcome.attestationExpired
          ? { cause: 'attestation' as const, trigger: 'attestation.expired' }
          : { cause: params.cause, trigger: params.trigger }),
      });
    const update: DeviceStateUpdate = {
      riskLevel: level,
      labels: labelsText,
      complianceState: outcome.state,
      noncompliantSince: outcome.since,
    };
    const key = JSON.stringify([update, emits]);
    let group = groups.get(key);
    if (group === undefined) {
      group = { update, emits, rows: [] };
      groups.set(key, group);
    }
    group.rows.push(row);
  }

  const changed: DeviceStateChange[] = [];
  const written: string[] = [];
  const events: StateEventRow[] = [];
  for (const group of groups.values()) {
    const sequences = await writeDeviceStateGroup(
      trx,
      tenantId,
      group.rows.map((row) => row.id),
      group.update,
      group.emits,
    );
    for (const { id, state_sequence } of sequences) {
      written.push(id);
      const draft = drafts.get(id);
      if (draft === undefined) continue;
      const eventId = newId('out');
      const event = stateChangedEvent({ tenantId, deviceId: id, at: iso, ...draft }, eventId, state_sequence);
      events.push({
        tenantId,
        deviceId: id,
        eventId,
        historyId: newId('his'),
        at: iso,
        payload: JSON.stringify(event),
      });
      if (
        draft.before.riskLevel !== draft.after.riskLevel ||
        draft.before.complianceState !== draft.after.complianceState
      )
        changed.push({
          deviceId: id,
          from: { riskLevel: draft.before.riskLevel, complianceState: draft.before.complianceState },
          to: { riskLevel: draft.after.riskLevel, complianceState: draft.after.complianceState },
          labels: draft.after.labels,
        });
    }
  }
  await insertStateEvents(trx, events);
  await writeReevaluateAt(trx, tenantId, reevaluate);
  return { examined: ranked.length, changed, written };
}
