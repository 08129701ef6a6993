import {
  assess,
  type Classification,
  type ComplianceAttestation,
  type CompliancePolicy,
  CompliancePolicySchema,
  type ComplianceState,
  parseThreatRisk,
  type RatedThreat,
  type RiskLevel,
  rateDevice,
  type Snapshot,
  type ThreatRisk,
} from '@riskgate/engine';
import { Value } from '@sinclair/typebox/value';
import type { Kysely } from 'kysely';
import { expect } from 'vitest';
import type { DialectName } from '../src/db/database.ts';
import type { Database } from '../src/db/types.ts';
import { type DeviceStateChanged, DeviceStateChangedV1 } from '../src/device-state/events.ts';
import type { IntelSource } from '../src/intel/intel-source.ts';
import { type AccessHarness, createAccessHarness, type EnrolledDevice, PROXY_SECRET } from './access.ts';

/** The host of the one resource of {@link createCompliantAccessHarness}. */
export const GATED_HOST = 'mail.acme.test';

/** An access harness with one resource whose access policy requires a compliant device. */
export async function createCompliantAccessHarness(
  dialect: DialectName,
  options?: Parameters<typeof createAccessHarness>[1],
): Promise<AccessHarness> {
  const h = await createAccessHarness(dialect, options);
  await h.addResource({ id: 'mail', name: 'Mail', kind: 'http-app', hosts: [GATED_HOST] });
  await h.addPolicy({
    id: 'compliant',
    name: 'Require compliant',
    state: 'on',
    assignment: {},
    grant: { kind: 'require-compliant' },
  });
  return h;
}

/** The status `/v1/access/check` answers for the device on {@link GATED_HOST} (200 allow, 403 deny). */
export async function accessStatusOf(h: Pick<AccessHarness, 'app'>, device: EnrolledDevice): Promise<number> {
  const reply = await h.app.inject({
    method: 'GET',
    url: '/v1/access/check',
    headers: {
      host: GATED_HOST,
      'x-client-cert-sha256': device.fingerprint,
      'x-riskgate-proxy-secret': PROXY_SECRET,
    },
  });
  return reply.statusCode;
}

/** A compliance policy document with one rule: the device's threat level at or under `maxThreatLevel`. */
export const compliancePolicy = (maxThreatLevel: string, enabled = true) => ({
  name: `max ${maxThreatLevel}`,
  assignment: {},
  rules: { maxThreatLevel },
  gracePeriodHours: 0,
  actions: [],
  unresponsive: { afterDays: 30, treatAs: 'compliant' },
  enabled,
});

/** A device's state as a from-scratch re-assessment gives it. */
export interface ScratchState {
  readonly riskLevel: RiskLevel;
  readonly complianceState: ComplianceState;
  readonly labels: readonly string[];
  readonly failingRules: readonly { readonly policyId: string; readonly rule: string }[];
  /** Keys of every threat the re-assessment detects, whatever its triage state. */
  readonly detectedKeys: readonly string[];
}

/**
 * Re-assesses a device from what is stored, with the engine only: its snapshot against the
 * current intel and the tenant's overrides (`assess`), the admin's triage decisions (an ignored
 * or resolved key stays so), then `rateDevice` with the tenant's policies. No server code: this is
 * the reference every path into `device-state/` must agree with.
 */
export async function recomputeFromScratch(
  db: Kysely<Database>,
  intel: IntelSource,
  tenantId: string,
  deviceId: string,
  now: Date,
): Promise<ScratchState> {
  const device = await db
    .selectFrom('devices')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', deviceId)
    .executeTakeFirstOrThrow();
  const stored = await db
    .selectFrom('snapshots')
    .select('snapshot')
    .where('device_id', '=', deviceId)
    .executeTakeFirst();
  const snapshot = stored === undefined ? undefined : (JSON.parse(stored.snapshot) as Snapshot);
  const triage = new Map(
    (
      await db
        .selectFrom('threats')
        .select(['key', 'state'])
        .where('tenant_id', '=', tenantId)
        .where('device_id', '=', deviceId)
        .execute()
    ).map((row) => [row.key, row.state] as const),
  );
  const byType: Record<string, ThreatRisk> = {};
  const byFamily: Record<string, ThreatRisk> = {};
  for (const row of await db
    .selectFrom('threat_type_overrides')
    .select(['type_id', 'risk'])
    .where('tenant_id', '=', tenantId)
    .execute()) {
    const risk = parseThreatRisk(row.risk);
    if (risk === undefined) continue;
    if (row.type_id.startsWith('family:')) byFamily[row.type_id.slice('family:'.length)] = risk;
    else byType[row.type_id] = risk;
  }
  const classification: Classification = { byType, byFamily };
  const policies: CompliancePolicy[] = [];
  for (const row of await db
    .selectFrom('compliance_policies')
    .select('doc')
    .where('tenant_id', '=', tenantId)
    .execute()) {
    const doc: unknown = JSON.parse(row.doc);
    if (Value.Check(CompliancePolicySchema, doc)) policies.push(doc);
  }
  const detections =
    snapshot === undefined
      ? []
      : assess(snapshot, intel.lookup(tenantId), classification, { now }).detections;
  const threats: RatedThreat[] = detections.map((d) => {
    const decided = triage.get(d.key);
    return {
      risk: d.risk,
      state: decided === 'ignored' || decided === 'resolved' ? decided : 'active',
    };
  });
  const rating = rateDevice({
    threats,
    device: {
      platform: device.platform,
      ownership: device.ownership,
      user: device.user ?? '',
      groups: JSON.parse(device.groups) as string[],
      ...((snapshot?.device.osVersion ?? device.os_version)
        ? { osVersion: snapshot?.device.osVersion ?? device.os_version ?? '' }
        : {}),
      ...(snapshot?.device.securityPatch !== undefined ? { patchLevel: snapshot.device.securityPatch } : {}),
      ...(snapshot?.integrity.screenLock !== undefined ? { screenLock: snapshot.integrity.screenLock } : {}),
      ...(snapshot?.integrity.encrypted !== undefined ? { encrypted: snapshot.integrity.encrypted } : {}),
      ...attestationOf(snapshot),
      lastSeenAt: new Date(device.last_seen_at ?? device.enrolled_at),
      ...(device.noncompliant_since !== null
        ? { noncompliantSince: new Date(device.noncompliant_since) }
        : {}),
    },
    labels: JSON.parse(device.labels) as string[],
    policies,
    now,
  });
  return {
    riskLevel: rating.riskLevel,
    complianceState: rating.compliance.state,
    labels: rating.labels,
    failingRules: rating.compliance.failingRules.map((r) => ({ policyId: r.policyId, rule: r.rule })),
    detectedKeys: detections.map((d) => d.key),
  };
}

/**
 * Compliance's view of the stored snapshot's attestation, from the snapshot alone: the server
 * stores its own verdict there (`fail` failed; `pass` by key attestation verified, until its
 * `validUntil`); anything else is not attested.
 */
function attestationOf(snapshot: Snapshot | undefined): { attestation?: ComplianceAttestation } {
  const stored = snapshot?.integrity.attestation;
  if (stored?.verdict === 'fail') return { attestation: { state: 'failed' } };
  if (stored?.verdict !== 'pass' || stored.method !== 'android-key-attestation') return {};
  return {
    attestation: {
      state: 'verified',
      ...(stored.securityLevel === undefined ? {} : { securityLevel: stored.securityLevel }),
      ...(stored.validUntil === undefined ? {} : { validUntil: new Date(stored.validUntil) }),
    },
  };
}

/** The device's `device.state-changed` events in sequence order, each checked against the schema. */
export async function stateEventsOf(db: Kysely<Database>, deviceId: string): Promise<DeviceStateChanged[]> {
  const rows = await db
    .selectFrom('outbox')
    .select(['id', 'topic', 'payload', 'tenant_id'])
    .where('topic', '=', 'device.state-changed')
    .execute();
  const events: DeviceStateChanged[] = [];
  for (const row of rows) {
    const payload: unknown = JSON.parse(row.payload);
    expect(Value.Check(DeviceStateChangedV1, payload), row.payload).toBe(true);
    const event = payload as DeviceStateChanged;
    expect(event.eventId).toBe(row.id);
    expect(event.tenantId).toBe(row.tenant_id);
    if (event.deviceId === deviceId) events.push(event);
  }
  return events.sort((a, b) => a.sequence - b.sequence);
}

/**
 * Asserts that the stored device, its last event and its event sequence agree with a from-scratch
 * re-assessment; returns the recomputed state.
 */
export async function expectDeviceMatchesScratch(
  db: Kysely<Database>,
  intel: IntelSource,
  tenantId: string,
  deviceId: string,
  now: Date,
  context = '',
): Promise<ScratchState> {
  const scratch = await recomputeFromScratch(db, intel, tenantId, deviceId, now);
  const row = await db
    .selectFrom('devices')
    .select(['risk_level', 'compliance_state', 'labels', 'state_sequence', 'retired_at'])
    .where('id', '=', deviceId)
    .executeTakeFirstOrThrow();
  const stored = {
    riskLevel: row.risk_level,
    complianceState: row.compliance_state,
    labels: JSON.parse(row.labels) as string[],
  };
  const expected = {
    riskLevel: scratch.riskLevel,
    complianceState: scratch.complianceState,
    labels: scratch.labels,
  };
  if (row.retired_at === null) expect(stored, `device row ${context}`).toEqual(expected);
  const events = await stateEventsOf(db, deviceId);
  expect(
    events.map((e) => e.sequence),
    `sequence ${context}`,
  ).toEqual(events.map((_, i) => i + 1));
  expect(Number(row.state_sequence), `state_sequence ${context}`).toBe(events.length);
  const last = events.at(-1);
  if (last !== undefined && row.retired_at === null) {
    expect(last.after, `last event ${context}`).toEqual(expected);
    // (failing rules may change without a state change, so the last event's reasons can be older)
  }
  return scratch;
}
