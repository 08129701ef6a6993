/**
 * Seeds an enrolled fleet FAST for the re-rate and scale benchmarks: rows go straight into the
 * migrated tables through Kysely, many rows per statement and many statements per transaction
 * (no enrollment, no reports). Everything is generated from the seed.
 */
import type { Rng } from '@riskgate/agent';
import { type App, labelsFor, type RiskLevel, type Snapshot } from '@riskgate/engine';
import type { Insertable, Kysely } from 'kysely';
import type {
  Database,
  DevicesTable,
  SnapshotsTable,
  ThreatsTable,
} from '../../packages/server/src/db/types.ts';

/** The threat type the re-rate benchmark reclassifies, and its catalog default. */
export const RERATED_TYPE = 'app.adware';
export const RERATED_TYPE_DEFAULT = 'low';

/** What was seeded: ids and what each device holds, to compute the expected state afterwards. */
export interface SeededFleet {
  readonly ids: readonly string[];
  /** Devices with an active {@link RERATED_TYPE} threat. */
  readonly withType: ReadonlySet<string>;
  /** Devices with an active high-risk threat of another type (they stay high whatever happens to the type). */
  readonly withHigh: ReadonlySet<string>;
  /** Planted app id → the devices whose snapshot holds it. */
  readonly planted: ReadonlyMap<string, readonly string[]>;
}

export interface SeedOptions {
  readonly tenantId: string;
  readonly devices: number;
  /** Store a snapshot per device (the intel re-assessment reads them). */
  readonly snapshots: boolean;
  /** App ids to plant, each in this fraction of the snapshots. */
  readonly plant: readonly string[];
  readonly plantFraction: number;
  /** Fraction of devices with an active {@link RERATED_TYPE} threat, and with an active high threat. */
  readonly typeFraction: number;
  readonly highFraction: number;
  readonly at: Date;
  readonly progress: (message: string) => void;
}

const PER_TRANSACTION = 10_000;
const ROWS_PER_STATEMENT = 1000;

function storeApp(rng: Rng): App {
  const id = `com.vendor${rng.int(1, 5000)}.app${rng.int(1, 40)}`;
  return {
    id,
    name: id,
    version: `${rng.int(1, 20)}.${rng.int(0, 9)}`,
    installer: 'com.android.vending',
    certSha256: rng.hex(32),
    certSha1: rng.hex(20),
    fileSha256: rng.hex(32),
    permissions: ['android.permission.INTERNET'],
    system: false,
  };
}

/** A small but realistic Android snapshot: device, integrity, network and 4–8 apps. */
function snapshotOf(rng: Rng, at: Date, extra: readonly App[]): Snapshot {
  const apps = Array.from({ length: rng.int(4, 8) }, () => storeApp(rng));
  return {
    schemaVersion: 1,
    collectedAt: at.toISOString(),
    device: {
      platform: 'android',
      osVersion: rng.pick(['14', '15', '16']),
      securityPatch: '2026-11-01',
      model: rng.pick(['Pixel 9', 'Pixel 8a', 'SM-S921B', 'SM-A556B']),
      manufacturer: 'Google',
      agentVersion: '1.0.0',
    },
    integrity: {
      rooted: false,
      bootloaderLocked: true,
      verifiedBootState: 'green',
      selinux: 'enforcing',
      developerOptions: false,
      usbDebugging: false,
      unknownSources: false,
      screenLock: true,
      encrypted: true,
      appVerification: true,
    },
    apps: [...apps, ...extra],
    network: {
      connection: 'wifi',
      wifi: {
        ssid: `Office-${rng.int(1, 50)}`,
        bssid: rng.hex(6).replace(/(..)(?!$)/g, '$1:'),
        security: 'wpa2',
        captivePortal: false,
      },
      dns: { servers: ['192.168.1.1'] },
      tlsProbes: [],
      downgradeProbes: [],
      gatewayMacHistory: [],
      userCaCertificates: [],
    },
  };
}

function threat(tenantId: string, deviceId: string, typeId: string, risk: string, at: string): ThreatsTable {
  return {
    tenant_id: tenantId,
    id: `thr_${deviceId.slice(4)}_${typeId}`,
    device_id: deviceId,
    key: `${typeId}:seeded`,
    type_id: typeId,
    class: 'app',
    risk,
    default_risk: risk,
    state: 'active',
    title: typeId === RERATED_TYPE ? 'Adware' : 'Stalkerware',
    summary: `${typeId} found by the seed`,
    evidence: '[{"kind":"app","id":"com.example.seeded"}]',
    attack: '["T1430"]',
    family: null,
    remediation: '["Uninstall the app"]',
    first_seen: at,
    last_seen: at,
    resolved_at: null,
  };
}

function chunks<T>(rows: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) out.push(rows.slice(i, i + ROWS_PER_STATEMENT));
  return out;
}

/** Inserts `options.devices` devices (and snapshots, threats) in transactions of 10,000 devices. */
export async function seedFleet(db: Kysely<Database>, rng: Rng, options: SeedOptions): Promise<SeededFleet> {
  const { tenantId } = options;
  const iso = options.at.toISOString();
  const ids: string[] = [];
  const withType = new Set<string>();
  const withHigh = new Set<string>();
  const planted = new Map<string, string[]>(options.plant.map((pkg) => [pkg, []]));
  for (let start = 0; start < options.devices; start += PER_TRANSACTION) {
    const count = Math.min(PER_TRANSACTION, options.devices - start);
    const devices: Insertable<DevicesTable>[] = [];
    const snapshots: SnapshotsTable[] = [];
    const threats: ThreatsTable[] = [];
    for (let i = 0; i < count; i++) {
      const id = `dev_${rng.hex(10)}`;
      ids.push(id);
      let level: RiskLevel = 'secured';
      if (rng.chance(options.typeFraction)) {
        withType.add(id);
        threats.push(threat(tenantId, id, RERATED_TYPE, RERATED_TYPE_DEFAULT, iso));
        level = 'low';
      }
      if (rng.chance(options.highFraction)) {
        withHigh.add(id);
        threats.push(threat(tenantId, id, 'app.stalkerware', 'high', iso));
        level = 'high';
      }
      const extra: App[] = [];
      for (const pkg of options.plant)
        if (rng.chance(options.plantFraction)) {
          planted.get(pkg)?.push(id);
          extra.push({ ...storeApp(rng), id: pkg, name: pkg });
        }
      devices.push({
        tenant_id: tenantId,
        id,
        platform: 'android',
        ownership: rng.chance(0.8) ? 'corporate' : 'personal',
        user: `user${rng.int(1, Math.max(1, options.devices >> 1))}@example.com`,
        groups: rng.chance(0.5) ? '["staff"]' : '["staff","sales"]',
        name: null,
        model: 'Pixel 9',
        manufacturer: 'Google',
        os_version: '16',
        public_key_jwk: '{}',
        cert_serial: id,
        cert_fingerprint: rng.hex(32),
        enrollment_token_id: null,
        enrolled_at: '2026-01-01T00:00:00.000Z',
        last_seen_at: iso,
        agent_version: '1.0.0',
        risk_level: level,
        compliance_state: level === 'high' ? 'noncompliant' : 'compliant',
        labels: JSON.stringify(labelsFor([], level)),
        retired_at: null,
        noncompliant_since: level === 'high' ? iso : null,
      });
      if (options.snapshots)
        snapshots.push({
          tenant_id: tenantId,
          device_id: id,
          snapshot: JSON.stringify(snapshotOf(rng, options.at, extra)),
          digest: null,
          updated_at: iso,
        });
    }
    await db.transaction().execute(async (trx) => {
      for (const rows of chunks(devices)) await trx.insertInto('devices').values(rows).execute();
      for (const rows of chunks(snapshots)) await trx.insertInto('snapshots').values(rows).execute();
      for (const rows of chunks(threats)) await trx.insertInto('threats').values(rows).execute();
    });
    options.progress(
      `seeded ${(start + count).toLocaleString('en-US')}/${options.devices.toLocaleString('en-US')} devices`,
    );
  }
  return { ids, withType, withHigh, planted };
}
