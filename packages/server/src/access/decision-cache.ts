import type {
  AccessDevice,
  AccessThreat,
  ComplianceState,
  Ownership,
  Platform,
  RiskLevel,
  ThreatRisk,
} from '@riskgate/engine';
import type { Kysely } from 'kysely';
import type { Database } from '../db/types.ts';
import type { DeviceStateChanged } from '../events/device-events.ts';
import {
  type AccessDeviceRow,
  findAccessDevice,
  findAccessDeviceByFingerprint,
  listActiveThreatsForAccess,
} from '../queries/access-devices.ts';

/** A device as the decision cache keeps it: what the engine needs plus tenant, labels and certificate. */
export interface CachedDevice extends AccessDevice {
  readonly tenantId: string;
  readonly labels: readonly string[];
  readonly fingerprint: string;
  /** Increases with every state this node applied for the device. */
  readonly version: number;
}

/**
 * Each node's in-memory copy of device access state. Reads are synchronous on a hit; a miss loads
 * from the database once. Every load and every refresh of one device runs in a per-device queue,
 * so the state applied last is always the state read last: after `refresh` (called once a
 * transaction committed) resolves, no decision can see the state from before that commit.
 */
export interface DecisionCache {
  /** The cached device, without loading. */
  peek(deviceId: string): CachedDevice | undefined;
  /** The device presenting a certificate with this SHA-256 fingerprint (lower-case hex). */
  byFingerprint(fingerprint: string): Promise<CachedDevice | undefined>;
  /** A device of the tenant by id (loads it on a miss). */
  byId(tenantId: string, deviceId: string): Promise<CachedDevice | undefined>;
  /** Re-reads a device after its state changed and returns the event describing the new state. */
  refresh(tenantId: string, deviceId: string): Promise<DeviceStateChanged | undefined>;
  /** Drops a device (e.g. when a refresh failed, so the next decision reloads it). */
  evict(deviceId: string): void;
  /** Forgets every device (after missed events, e.g. a lost LISTEN connection). */
  clear(): void;
  readonly size: number;
}

const EMPTY: readonly never[] = Object.freeze([]);
const RISKS: ReadonlySet<string> = new Set(['secured', 'low', 'medium', 'high']);
const COMPLIANCE: ReadonlySet<string> = new Set(['compliant', 'in-grace-period', 'noncompliant', 'unknown']);
const THREAT_RISKS: ReadonlySet<string> = new Set(['none', 'low', 'medium', 'high']);

/** Shares equal small values (tenant ids, group lists, label lists, versions) between devices. */
class Interner {
  private readonly strings = new Map<string, string>();
  private readonly lists = new Map<string, readonly string[]>();

  string(value: string): string {
    const found = this.strings.get(value);
    if (found !== undefined) return found;
    if (this.strings.size < 50_000) this.strings.set(value, value);
    return value;
  }

  /** A frozen list from its JSON text, shared with every device holding the same list. */
  list(json: string): readonly string[] {
    if (json === '[]') return EMPTY;
    const found = this.lists.get(json);
    if (found !== undefined) return found;
    const parsed: unknown = JSON.parse(json);
    const list = Object.freeze(
      Array.isArray(parsed)
        ? parsed.filter((v): v is string => typeof v === 'string').map((v) => this.string(v))
        : [],
    );
    if (this.lists.size < 50_000) this.lists.set(json, list);
    return list;
  }
}

function parseSteps(json: string): readonly string[] {
  try {
    const parsed: unknown = JSON.parse(json);
    return Array.isArray(parsed) ? parsed.filter((v): v is string => typeof v === 'string') : EMPTY;
  } catch {
    return EMPTY;
  }
}

/** Creates a node's decision cache over the database (the source of truth on a miss). */
export function createDecisionCache(db: Kysely<Database>): DecisionCache {
  const devices = new Map<string, CachedDevice>();
  const byFingerprint = new Map<string, string>();
  const queues = new Map<string, Promise<unknown>>();
  const intern = new Interner();
  let nextVersion = 1;

  async function build(row: AccessDeviceRow): Promise<CachedDevice> {
    const riskLevel = (RISKS.has(row.risk_level) ? row.risk_level : 'high') as RiskLevel;
    // Threat texts only for devices at risk: a secured device has nothing to remediate.
    let threats: readonly AccessThreat[] = EMPTY;
    if (riskLevel !== 'secured') {
      const rows = await listActiveThreatsForAccess(db, row.tenant_id, row.id);
      threats = rows.map((t) => ({
        typeId: intern.string(t.type_id),
        title: t.title,
        risk: (THREAT_RISKS.has(t.risk) ? t.risk : 'high') as ThreatRisk,
        remediation: parseSteps(t.remediation),
      }));
    }
    return {
      tenantId: intern.string(row.tenant_id),
      deviceId: row.id,
      user: row.user ?? '',
      groups: intern.list(row.groups),
      platform: intern.string(row.platform) as Platform,
      ownership: intern.string(row.ownership) as Ownership,
      riskLevel,
      complianceState: (COMPLIANCE.has(row.compliance_state)
        ? row.compliance_state
        : 'unknown') as ComplianceState,
      retired: row.retired_at !== null,
      ...(row.agent_version === null ? {} : { agentVersion: intern.string(row.agent_version) }),
      threats,
      labels: intern.list(row.labels),
      fingerprint: row.cert_fingerprint,
      version: nextVersion++,
    };
  }

  function store(device: CachedDevice): void {
    const previous = devices.get(device.deviceId);
    if (previous !== undefined && previous.fingerprint !== device.fingerprint)
      byFingerprint.delete(previous.fingerprint);
    devices.set(device.deviceId, device);
    byFingerprint.set(device.fingerprint, device.deviceId);
  }

  /** Runs `task` after every earlier task of the same device. */
  function serialized<T>(deviceId: string, task: () => Promise<T>): Promise<T> {
    const before = queues.get(deviceId) ?? Promise.resolve();
    const run = before.then(task, task);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    queues.set(deviceId, settled);
    void settled.then(() => {
      if (queues.get(deviceId) === settled) queues.delete(deviceId);
    });
    return run;
  }

  /** Reads the row inside the device's queue and stores it (or forgets a deleted device). */
  async function reload(tenantId: string, deviceId: string): Promise<CachedDevice | undefined> {
    const row = await findAccessDevice(db, tenantId, deviceId);
    if (row === undefined) {
      const gone = devices.get(deviceId);
      if (gone !== undefined) byFingerprint.delete(gone.fingerprint);
      devices.delete(deviceId);
      return undefined;
    }
    const device = await build(row);
    store(device);
    return device;
  }

  function loadThrough(tenantId: string, deviceId: string): Promise<CachedDevice | undefined> {
    return serialized(deviceId, async () => {
      const cached = devices.get(deviceId);
      return cached !== undefined && cached.tenantId === tenantId ? cached : reload(tenantId, deviceId);
    });
  }

  return {
    peek: (deviceId) => devices.get(deviceId),
    async byFingerprint(fingerprint) {
      const id = byFingerprint.get(fingerprint);
      const hit = id === undefined ? undefined : devices.get(id);
      if (hit !== undefined) return hit;
      const row = await findAccessDeviceByFingerprint(db, fingerprint);
      if (row === undefined) return undefined;
      const device = await loadThrough(row.tenant_id, row.id);
      return device?.fingerprint === fingerprint ? device : undefined;
    },
    async byId(tenantId, deviceId) {
      const hit = devices.get(deviceId);
      if (hit !== undefined) return hit.tenantId === tenantId ? hit : undefined;
      return loadThrough(tenantId, deviceId);
    },
    async refresh(tenantId, deviceId) {
      const device = await serialized(deviceId, () => reload(tenantId, deviceId));
      if (device === undefined) return undefined;
      return {
        type: 'device-state-changed',
        tenantId: device.tenantId,
        deviceId: device.deviceId,
        riskLevel: device.riskLevel,
        complianceState: device.complianceState,
        labels: device.labels,
        retired: device.retired,
        activeThreats: device.threats.map((t) => ({ typeId: t.typeId, title: t.title, risk: t.risk })),
        version: device.version,
      };
    },
    evict(deviceId) {
      const gone = devices.get(deviceId);
      if (gone !== undefined) byFingerprint.delete(gone.fingerprint);
      devices.delete(deviceId);
    },
    clear() {
      devices.clear();
      byFingerprint.clear();
    },
    get size() {
      return devices.size;
    },
  };
}
