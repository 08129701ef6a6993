import {
  type AccessDevice,
  type AccessThreat,
  type ComplianceState,
  type Ownership,
  type Platform,
  parseRiskLevel,
  parseThreatRisk,
  RISK_LEVELS,
  type RiskLevel,
} from '@riskgate/engine';
import type { Kysely } from 'kysely';
import type { Database } from '../db/types.ts';
import type { DeviceStateChanged } from '../events/device-events.ts';
import {
  type AccessDeviceRow,
  type AccessThreatRow,
  findAccessDevice,
  findAccessDeviceByFingerprint,
  listAccessDevicesByIds,
  listActiveThreatsForAccess,
  listActiveThreatsForAccessByDevices,
} from '../queries/access-devices.ts';

/** A device as the decision cache keeps it: what the engine needs plus tenant and certificate. */
export interface CachedDevice extends AccessDevice {
  readonly tenantId: string;
  readonly fingerprint: string;
  /** Increases with every state this node applied for the device. */
  readonly version: number;
}

/** The state a transaction wrote for a device, as {@link DeviceChangeSlot.apply} takes it. */
export interface WrittenDeviceState {
  /** The device row as committed. */
  readonly row: AccessDeviceRow;
  /** Its active threats as committed, oldest first (ignored for a secured device). */
  readonly activeThreats: readonly AccessThreatRow[];
}

/**
 * A place in a device's queue taken while a transaction that changes the device still holds what
 * orders its commit (the SQLite connection; on PostgreSQL the device row lock). Exactly one of
 * `apply` (after the commit) or `abandon` (no commit, or not known) must be called: until then
 * later loads and refreshes of the device wait.
 */
export interface DeviceChangeSlot {
  /** Stores the committed state without reading it back and returns the event describing it. */
  apply(state: WrittenDeviceState): Promise<DeviceStateChanged | undefined>;
  /** Re-reads the device from the database instead (as {@link DecisionCache.refresh}). */
  abandon(): Promise<DeviceStateChanged | undefined>;
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
  /**
   * The cached device presenting this certificate, without loading: what {@link byFingerprint}
   * resolves to on a hit, with no promise (the forward-auth hot path).
   */
  peekFingerprint(fingerprint: string): CachedDevice | undefined;
  /** The device presenting a certificate with this SHA-256 fingerprint (lower-case hex). */
  byFingerprint(fingerprint: string): Promise<CachedDevice | undefined>;
  /** A device of the tenant by id (loads it on a miss). */
  byId(tenantId: string, deviceId: string): Promise<CachedDevice | undefined>;
  /** Re-reads a device after its state changed and returns the event describing the new state. */
  refresh(tenantId: string, deviceId: string): Promise<DeviceStateChanged | undefined>;
  /**
   * Takes the device's next place in its queue for a change being committed now; the change is
   * applied there, so changes reach the cache in the order they took their places.
   */
  reserve(tenantId: string, deviceId: string): DeviceChangeSlot;
  /**
   * {@link refresh} for many devices of a tenant (bulk re-rating): a few set-based reads per chunk
   * of ids instead of two queries per device. One event per device still present.
   */
  refreshMany(tenantId: string, deviceIds: readonly string[]): Promise<DeviceStateChanged[]>;
  /** Drops a device (e.g. when a refresh failed, so the next decision reloads it). */
  evict(deviceId: string): void;
  /** Forgets every device (after missed events, e.g. a lost LISTEN connection). */
  clear(): void;
  readonly size: number;
}

const EMPTY: readonly never[] = Object.freeze([]);
/** Ids per bulk refresh read: far below SQLite's 32,766 parameters, small enough to interleave decisions. */
const REFRESH_CHUNK = 1000;
const COMPLIANCE: ReadonlySet<string> = new Set(['compliant', 'in-grace-period', 'noncompliant', 'unknown']);

/** Shares equal small values (tenant ids, group lists, label lists, versions) between devices. */
class Interner {
  private readonly strings = new Map<string, string>();
  private readonly lists = new Map<string, readonly string[]>();
  private readonly threats = new Map<string, AccessThreat>();

  string(value: string): string {
    const found = this.strings.get(value);
    if (found !== undefined) return found;
    if (this.strings.size < 50_000) this.strings.set(value, value);
    return value;
  }

  /**
   * A frozen threat shared by every device holding the same type, risk, title and remediation
   * (titles and steps repeat across a fleet: one copy instead of one per device).
   */
  threat(row: Pick<AccessThreatRow, 'type_id' | 'risk' | 'title' | 'remediation'>): AccessThreat {
    const key = `${row.type_id}\u0000${row.risk}\u0000${row.title}\u0000${row.remediation}`;
    const found = this.threats.get(key);
    if (found !== undefined) return found;
    const threat: AccessThreat = Object.freeze({
      typeId: this.string(row.type_id),
      title: this.string(row.title),
      risk: parseThreatRisk(row.risk) ?? 'high',
      remediation: Object.freeze(parseSteps(row.remediation).map((step) => this.string(step))),
    });
    if (this.threats.size < 50_000) this.threats.set(key, threat);
    return threat;
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

const VERSION_RANGE = 2 ** 24;
const PLATFORMS: readonly Platform[] = ['android', 'ios'];
const OWNERSHIPS: readonly Ownership[] = ['corporate', 'personal'];
const COMPLIANCE_STATES: readonly ComplianceState[] = [
  'unknown',
  'compliant',
  'in-grace-period',
  'noncompliant',
];

/** Platform (1 bit), ownership (1), risk (2), compliance (2), retired (1) in one small integer. */
function packFlags(
  platform: Platform,
  ownership: Ownership,
  risk: RiskLevel,
  compliance: ComplianceState,
  retired: boolean,
): number {
  return (
    Math.max(0, PLATFORMS.indexOf(platform)) |
    (Math.max(0, OWNERSHIPS.indexOf(ownership)) << 1) |
    (Math.max(0, RISK_LEVELS.indexOf(risk)) << 2) |
    (Math.max(0, COMPLIANCE_STATES.indexOf(compliance)) << 4) |
    (retired ? 64 : 0)
  );
}

/**
 * One cached device in a fixed-shape object: ten fields, the enums packed into `flags` and read
 * through prototype getters, strings shared between devices where they repeat. Measured about 330 bytes per
 * secured device (64-bit V8 without pointer compression), both map entries included.
 */
/** Hex fingerprint → the map key: its bytes as a latin1 string (32 one-byte characters). */
function fingerprintKey(hex: string): string {
  return Buffer.from(hex, 'hex').toString('latin1');
}

/** Most presented fingerprints remembered per cache; past it the memo starts over. */
const PRESENTED_KEYS_LIMIT = 4096;

/**
 * {@link fingerprintKey} of presented fingerprints, remembered (bounded): a lookup instead of a
 * Buffer per check (a device presents the same one on every request). One per decision cache, so
 * one runtime's traffic never evicts another's.
 */
function createPresentedKeys(): (hex: string) => string {
  const keys = new Map<string, string>();
  return (hex) => {
    let key = keys.get(hex);
    if (key === undefined) {
      key = fingerprintKey(hex);
      if (keys.size >= PRESENTED_KEYS_LIMIT) keys.clear();
      keys.set(hex, key);
    }
    return key;
  };
}

class CompactDevice implements CachedDevice {
  constructor(
    readonly tenantId: string,
    readonly deviceId: string,
    readonly user: string,
    readonly groups: readonly string[],
    private readonly agent: string | undefined,
    readonly threats: readonly AccessThreat[],
    /** The certificate's SHA-256 as a 32-character binary string (half the size of hex). */
    readonly fingerprintKey: string,
    /** Enums in bits 0-6, the version in bits 7-30 (a small integer, never a boxed number). */
    private readonly flags: number,
  ) {}

  /** Increases with every state applied for the device (wraps after 2^24 updates; compared for equality). */
  get version(): number {
    return this.flags >>> 7;
  }

  get platform(): Platform {
    return PLATFORMS[this.flags & 1] ?? 'android';
  }
  get ownership(): Ownership {
    return OWNERSHIPS[(this.flags >> 1) & 1] ?? 'corporate';
  }
  get riskLevel(): RiskLevel {
    return RISK_LEVELS[(this.flags >> 2) & 3] ?? 'high';
  }
  get complianceState(): ComplianceState {
    return COMPLIANCE_STATES[(this.flags >> 4) & 3] ?? 'unknown';
  }
  get retired(): boolean {
    return (this.flags & 64) !== 0;
  }
  get agentVersion(): string | undefined {
    return this.agent;
  }
  get fingerprint(): string {
    return Buffer.from(this.fingerprintKey, 'latin1').toString('hex');
  }
}

/** Creates a node's decision cache over the database (the source of truth on a miss). */
export function createDecisionCache(db: Kysely<Database>): DecisionCache {
  const devices = new Map<string, CompactDevice>();
  const byFingerprint = new Map<string, string>();
  const queues = new Map<string, Promise<unknown>>();
  const intern = new Interner();
  const presentedKey = createPresentedKeys();
  /**
   * Fingerprint keys of certificates this node has read as revoked. Revocation is final, so a row
   * that does not say (one a report transaction wrote) cannot bring a revoked certificate back.
   */
  const revokedKeys = new Set<string>();
  let nextVersion = 1;

  function riskOf(row: AccessDeviceRow): RiskLevel {
    return parseRiskLevel(row.risk_level) ?? 'high';
  }

  /** Builds the entry; `preloaded` are the device's active threats when already read in bulk. */
  async function build(row: AccessDeviceRow, preloaded?: readonly AccessThreatRow[]): Promise<CompactDevice> {
    const riskLevel = riskOf(row);
    // Threat texts only for devices at risk: a secured device has nothing to remediate.
    let threats: readonly AccessThreat[] = EMPTY;
    if (riskLevel !== 'secured') {
      const rows = preloaded ?? (await listActiveThreatsForAccess(db, row.tenant_id, row.id));
      threats = rows.map((t) => intern.threat(t));
    }
    const complianceState = (
      COMPLIANCE.has(row.compliance_state) ? row.compliance_state : 'unknown'
    ) as ComplianceState;
    const certKey = fingerprintKey(row.cert_fingerprint);
    if (row.cert_revoked === true || Number(row.cert_revoked) === 1) revokedKeys.add(certKey);
    // A revoked certificate is refused like a retired device (`device-retired`), even when the
    // device row was set back to not retired.
    const retired = row.retired_at !== null || revokedKeys.has(certKey);
    return new CompactDevice(
      intern.string(row.tenant_id),
      row.id,
      row.user ?? '',
      intern.list(row.groups),
      row.agent_version === null ? undefined : intern.string(row.agent_version),
      threats,
      certKey,
      (nextVersion++ % VERSION_RANGE) * 128 +
        packFlags(row.platform as Platform, row.ownership as Ownership, riskLevel, complianceState, retired),
    );
  }

  function store(device: CompactDevice): void {
    const previous = devices.get(device.deviceId);
    if (previous !== undefined && previous.fingerprintKey !== device.fingerprintKey)
      byFingerprint.delete(previous.fingerprintKey);
    devices.set(device.deviceId, device);
    byFingerprint.set(device.fingerprintKey, device.deviceId);
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

  /** Runs `task` after every earlier task of any of the devices; later tasks of each wait for it. */
  function serializedMany<T>(deviceIds: readonly string[], task: () => Promise<T>): Promise<T> {
    const befores: Promise<unknown>[] = [];
    for (const id of deviceIds) {
      const before = queues.get(id);
      if (before !== undefined) befores.push(before);
    }
    const run = befores.length === 0 ? task() : Promise.all(befores).then(task, task);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    for (const id of deviceIds) queues.set(id, settled);
    void settled.then(() => {
      for (const id of deviceIds) if (queues.get(id) === settled) queues.delete(id);
    });
    return run;
  }

  function forget(deviceId: string): void {
    const gone = devices.get(deviceId);
    if (gone !== undefined) byFingerprint.delete(gone.fingerprintKey);
    devices.delete(deviceId);
  }

  /** {@link reload} of many devices with two set-based reads (devices, then threats of those at risk). */
  async function reloadMany(
    tenantId: string,
    deviceIds: readonly string[],
  ): Promise<{ device: CompactDevice; labels: string }[]> {
    const rows = await listAccessDevicesByIds(db, tenantId, deviceIds);
    const atRisk = rows.filter((row) => riskOf(row) !== 'secured').map((row) => row.id);
    const threats = new Map<string, AccessThreatRow[]>();
    for (const t of await listActiveThreatsForAccessByDevices(db, tenantId, atRisk)) {
      const list = threats.get(t.device_id);
      if (list === undefined) threats.set(t.device_id, [t]);
      else list.push(t);
    }
    const found = new Set<string>();
    const out: { device: CompactDevice; labels: string }[] = [];
    for (const row of rows) {
      found.add(row.id);
      const device = await build(row, threats.get(row.id) ?? EMPTY);
      store(device);
      out.push({ device, labels: row.labels });
    }
    for (const id of deviceIds) if (!found.has(id)) forget(id);
    return out;
  }

  function eventOf(device: CompactDevice, labels: string): DeviceStateChanged {
    return {
      type: 'device-state-changed',
      tenantId: device.tenantId,
      deviceId: device.deviceId,
      riskLevel: device.riskLevel,
      complianceState: device.complianceState,
      labels: parseSteps(labels),
      retired: device.retired,
      activeThreats: device.threats.map((t) => ({ typeId: t.typeId, title: t.title, risk: t.risk })),
      version: device.version,
    };
  }

  /** Reads the row inside the device's queue and stores it (or forgets a deleted device). */
  async function reload(
    tenantId: string,
    deviceId: string,
  ): Promise<{ device: CompactDevice; labels: string } | undefined> {
    const row = await findAccessDevice(db, tenantId, deviceId);
    if (row === undefined) {
      const gone = devices.get(deviceId);
      if (gone !== undefined) byFingerprint.delete(gone.fingerprintKey);
      devices.delete(deviceId);
      return undefined;
    }
    const device = await build(row);
    store(device);
    return { device, labels: row.labels };
  }

  function loadThrough(tenantId: string, deviceId: string): Promise<CompactDevice | undefined> {
    return serialized(deviceId, async () => {
      const cached = devices.get(deviceId);
      if (cached !== undefined && cached.tenantId === tenantId) return cached;
      return (await reload(tenantId, deviceId))?.device;
    });
  }

  return {
    peek: (deviceId) => devices.get(deviceId),
    peekFingerprint(fingerprint) {
      const id = byFingerprint.get(presentedKey(fingerprint));
      return id === undefined ? undefined : devices.get(id);
    },
    async byFingerprint(fingerprint) {
      const key = fingerprintKey(fingerprint);
      const id = byFingerprint.get(key);
      const hit = id === undefined ? undefined : devices.get(id);
      if (hit !== undefined) return hit;
      const row = await findAccessDeviceByFingerprint(db, fingerprint);
      if (row === undefined) return undefined;
      const device = await loadThrough(row.tenant_id, row.id);
      return device?.fingerprintKey === key ? device : undefined;
    },
    async byId(tenantId, deviceId) {
      const hit = devices.get(deviceId);
      if (hit !== undefined) return hit.tenantId === tenantId ? hit : undefined;
      return loadThrough(tenantId, deviceId);
    },
    async refresh(tenantId, deviceId) {
      const loaded = await serialized(deviceId, () => reload(tenantId, deviceId));
      return loaded === undefined ? undefined : eventOf(loaded.device, loaded.labels);
    },
    reserve(tenantId, deviceId) {
      type Loaded = Awaited<ReturnType<typeof reload>>;
      let open: ((task: () => Promise<Loaded>) => void) | undefined;
      const gate = new Promise<() => Promise<Loaded>>((resolve) => {
        open = resolve;
      });
      const run = serialized(deviceId, async () => (await gate)());
      const settle = async (task: () => Promise<Loaded>) => {
        if (open === undefined) throw new Error('a device change slot is settled once');
        open(task);
        open = undefined;
        const loaded = await run;
        return loaded === undefined ? undefined : eventOf(loaded.device, loaded.labels);
      };
      return {
        apply: (state) =>
          settle(async () => {
            const device = await build(state.row, state.activeThreats);
            store(device);
            return { device, labels: state.row.labels };
          }),
        abandon: () => settle(() => reload(tenantId, deviceId)),
      };
    },
    async refreshMany(tenantId, deviceIds) {
      const events: DeviceStateChanged[] = [];
      const unique = [...new Set(deviceIds)];
      for (let start = 0; start < unique.length; start += REFRESH_CHUNK) {
        const chunk = unique.slice(start, start + REFRESH_CHUNK);
        const loaded = await serializedMany(chunk, () => reloadMany(tenantId, chunk));
        for (const { device, labels } of loaded) events.push(eventOf(device, labels));
      }
      return events;
    },
    evict: forget,
    clear() {
      devices.clear();
      byFingerprint.clear();
    },
    get size() {
      return devices.size;
    },
  };
}
