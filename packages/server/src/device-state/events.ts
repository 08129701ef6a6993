import { RISK_LEVELS } from '@riskgate/engine';
import { type Static, Type } from '@sinclair/typebox';

/** The outbox topic of a device's state change. */
export const DEVICE_STATE_CHANGED = 'device.state-changed';

/** What made a device's state change; one value per path into `device-state/`. */
export const STATE_CAUSES = [
  'report',
  'triage',
  'override',
  'policy',
  'intel',
  'retire',
  'timer',
  'attestation',
] as const;
export type StateCause = (typeof STATE_CAUSES)[number];

const COMPLIANCE_STATES = ['unknown', 'compliant', 'in-grace-period', 'noncompliant'] as const;

const literals = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));

const DeviceStateSchema = Type.Object(
  {
    riskLevel: literals(RISK_LEVELS),
    complianceState: literals(COMPLIANCE_STATES),
    /** Every label the device carries, the MTD risk label included (`MTD - High Risk`). */
    labels: Type.Array(Type.String()),
  },
  { additionalProperties: false },
);
export type DeviceStateView = Static<typeof DeviceStateSchema>;

/**
 * `device.state-changed`, version 1: the one contract connectors read from the outbox. Emitted in
 * the transaction that changes a device's risk level, compliance state or labels, or opens or
 * resolves one of its threats. Adding an optional field keeps version 1; anything else is version 2.
 */
export const DeviceStateChangedV1 = Type.Object(
  {
    schemaVersion: Type.Literal(1),
    type: Type.Literal(DEVICE_STATE_CHANGED),
    /** Unique per event; equals the outbox row id (consumers de-duplicate on it). */
    eventId: Type.String({ minLength: 1 }),
    tenantId: Type.String({ minLength: 1 }),
    deviceId: Type.String({ minLength: 1 }),
    /** 1, 2, 3… per device, in commit order: a gap means a missed event. */
    sequence: Type.Integer({ minimum: 1 }),
    cause: literals(STATE_CAUSES),
    /** What exactly: the report id, or the admin action (`threat.ignore`, `compliance-policy.update`, …). */
    trigger: Type.String(),
    /** ISO 8601 time of the change. */
    at: Type.String({ minLength: 20 }),
    before: DeviceStateSchema,
    after: DeviceStateSchema,
    reasons: Type.Object(
      {
        /** The compliance rules the device fails after the change, with their policy. */
        failingRules: Type.Array(
          Type.Object({ policyId: Type.String(), rule: Type.String() }, { additionalProperties: false }),
        ),
        /** Threat keys that became active (new, reported again, reactivated by an admin). */
        threatsOpened: Type.Array(Type.String()),
        /** Threat keys that stopped counting (no longer reported, resolved or ignored by an admin). */
        threatsResolved: Type.Array(Type.String()),
      },
      { additionalProperties: false },
    ),
  },
  {
    $id: 'https://riskgate.dev/schema/device.state-changed.v1.json',
    title: 'device.state-changed v1',
    additionalProperties: false,
  },
);
export type DeviceStateChanged = Static<typeof DeviceStateChangedV1>;

/** The reasons part of an event. */
export type StateChangeReasons = DeviceStateChanged['reasons'];

/** Everything of an event but what the writer assigns (id and sequence). */
export type StateChangeDraft = Omit<DeviceStateChanged, 'schemaVersion' | 'type' | 'eventId' | 'sequence'>;

/** The event, with its keys in schema order (the outbox stores exactly this). */
export function stateChangedEvent(
  draft: StateChangeDraft,
  eventId: string,
  sequence: number,
): DeviceStateChanged {
  return {
    schemaVersion: 1,
    type: DEVICE_STATE_CHANGED,
    eventId,
    tenantId: draft.tenantId,
    deviceId: draft.deviceId,
    sequence,
    cause: draft.cause,
    trigger: draft.trigger,
    at: draft.at,
    before: draft.before,
    after: draft.after,
    reasons: draft.reasons,
  };
}

/** Whether a change is worth an event: risk, compliance or labels moved, or a threat opened or resolved. */
export function isStateChange(
  before: DeviceStateView,
  after: DeviceStateView,
  reasons: Pick<StateChangeReasons, 'threatsOpened' | 'threatsResolved'>,
): boolean {
  return (
    before.riskLevel !== after.riskLevel ||
    before.complianceState !== after.complianceState ||
    before.labels.length !== after.labels.length ||
    before.labels.some((label, i) => label !== after.labels[i]) ||
    reasons.threatsOpened.length > 0 ||
    reasons.threatsResolved.length > 0
  );
}
