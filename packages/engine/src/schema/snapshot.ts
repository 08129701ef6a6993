import { type Static, Type } from '@sinclair/typebox';
import { AppSchema } from './app.ts';
import { BoundedArray, HostName, IpAddress, LIMITS, Timestamp } from './common.ts';
import { DeviceInfoSchema, IntegritySchema } from './device.ts';
import { NetworkSchema } from './network.ts';

/** Version of the telemetry schema; bumped on any incompatible change. */
export const SNAPSHOT_SCHEMA_VERSION = 1;

/** A domain the device looked up or visited (only sent when the tenant's privacy setting allows). */
export const VisitedDomainSchema = Type.Object(
  {
    domain: HostName,
    at: Timestamp,
    /** The addresses the DNS answer gave, when the agent saw it (optional; matched against IP indicators). */
    answers: Type.Optional(BoundedArray(IpAddress, LIMITS.dnsAnswers)),
  },
  { additionalProperties: false },
);
export type VisitedDomain = Static<typeof VisitedDomainSchema>;

/** A remote address the device connected to (optional, like visited domains). */
export const ConnectionSchema = Type.Object(
  {
    ip: IpAddress,
    port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
    at: Type.Optional(Timestamp),
  },
  { additionalProperties: false },
);
export type Connection = Static<typeof ConnectionSchema>;

/**
 * A device's full telemetry at one time. The engine assesses exactly this document; the server
 * keeps the latest one per device and applies incremental events on top (see `applyEvents`).
 */
export const SnapshotSchema = Type.Object(
  {
    schemaVersion: Type.Literal(SNAPSHOT_SCHEMA_VERSION),
    /** When the agent collected this state. */
    collectedAt: Timestamp,
    device: DeviceInfoSchema,
    integrity: IntegritySchema,
    apps: BoundedArray(AppSchema, LIMITS.apps),
    network: NetworkSchema,
    /** Recent DNS lookups / visited domains, oldest first. Optional (privacy setting). */
    visitedDomains: Type.Optional(BoundedArray(VisitedDomainSchema, LIMITS.visitedDomains)),
    /** Recent remote connections, oldest first. Optional (privacy setting). */
    connections: Type.Optional(BoundedArray(ConnectionSchema, LIMITS.connections)),
    /** Running process names (iOS spyware indicators are process names). Optional. */
    processes: Type.Optional(BoundedArray(Type.String({ minLength: 1, maxLength: 256 }), LIMITS.processes)),
  },
  {
    $id: 'https://riskgate.dev/schema/snapshot/v1',
    title: 'Riskgate device snapshot',
    additionalProperties: false,
  },
);

/** A device snapshot (see `SnapshotSchema`). */
export type Snapshot = Static<typeof SnapshotSchema>;
