/**
 * Seeded 200-app Android snapshots for the engine benchmark: device, integrity and network from the
 * agent's clean-device profile, an app inventory of random but realistic package ids and hashes,
 * visited domains, and, with a probability drawn from the seed, real indicators from the datasets.
 */
import { cleanAndroid, type ProfileIntel, type Rng } from '@riskgate/agent';
import type { App, ParsedFeed, Snapshot } from '@riskgate/engine';

/** Real indicator values (from the parsed datasets) that snapshots may carry. */
export interface RealIndicators {
  readonly appIds: readonly string[];
  readonly certSha1: readonly string[];
  readonly certSha256: readonly string[];
  readonly fileSha256: readonly string[];
  readonly domains: readonly string[];
}

/** The app-level and domain indicators of the parsed feeds, deduplicated. */
export function collectRealIndicators(feeds: readonly ParsedFeed[]): RealIndicators {
  const sets = {
    'app-id': new Set<string>(),
    'cert-sha1': new Set<string>(),
    'cert-sha256': new Set<string>(),
    'file-sha256': new Set<string>(),
    domain: new Set<string>(),
  };
  for (const feed of feeds)
    for (const { kind, value } of feed.indicators)
      if (kind in sets) sets[kind as keyof typeof sets].add(value);
  return {
    appIds: [...sets['app-id']],
    certSha1: [...sets['cert-sha1']],
    certSha256: [...sets['cert-sha256']],
    fileSha256: [...sets['file-sha256']],
    domains: [...sets.domain],
  };
}

const SYLLABLES = [
  'ka',
  'lo',
  'mi',
  'ver',
  'to',
  'zen',
  'ra',
  'bit',
  'on',
  'sky',
  'nu',
  'pix',
  'go',
  'fy',
  'el',
];
const TLDS = ['com', 'com', 'com', 'org', 'io', 'net', 'app', 'de', 'fr', 'co'];
const PRODUCTS = [
  'mail',
  'notes',
  'scan',
  'wallet',
  'fit',
  'radio',
  'game',
  'reader',
  'chat',
  'maps',
  'bank',
];
const SYSTEM_PREFIXES = ['com.android.', 'com.google.android.', 'com.samsung.android.', 'android.ext.'];
const PERMISSIONS = [
  'android.permission.INTERNET',
  'android.permission.ACCESS_NETWORK_STATE',
  'android.permission.CAMERA',
  'android.permission.RECORD_AUDIO',
  'android.permission.READ_CONTACTS',
  'android.permission.ACCESS_FINE_LOCATION',
  'android.permission.POST_NOTIFICATIONS',
  'android.permission.FOREGROUND_SERVICE',
  'android.permission.RECEIVE_BOOT_COMPLETED',
  'android.permission.READ_SMS',
];

function word(rng: Rng): string {
  let out = '';
  for (let i = rng.int(2, 3); i > 0; i--) out += rng.pick(SYLLABLES);
  return out;
}

/** A plausible package id; about 3% carry upper-case letters, as some real ones do (`com.UCMobile.intl`). */
function packageId(rng: Rng): string {
  const vendor = word(rng);
  const id = `${rng.pick(TLDS)}.${vendor}.${rng.pick(PRODUCTS)}${rng.chance(0.3) ? rng.int(2, 99) : ''}`;
  return rng.chance(0.03) ? id.replace(vendor, vendor[0]?.toUpperCase() + vendor.slice(1)) : id;
}

function iso(now: Date, rng: Rng, maxDays: number): string {
  return new Date(now.getTime() - rng.int(1, maxDays * 86_400) * 1000).toISOString();
}

function makeApps(rng: Rng, now: Date, count: number): App[] {
  // System apps share the platform key, as on real devices.
  const platformSha1 = rng.hex(20);
  const platformSha256 = rng.hex(32);
  const systemCount = rng.int(60, 90);
  const ids = new Set<string>();
  const apps: App[] = [];
  while (apps.length < count) {
    const system = apps.length < systemCount;
    const id = system ? `${rng.pick(SYSTEM_PREFIXES)}${word(rng)}` : packageId(rng);
    if (ids.has(id)) continue;
    ids.add(id);
    const sideloaded = !system && rng.chance(0.01);
    apps.push({
      id,
      version: `${rng.int(1, 30)}.${rng.int(0, 40)}.${rng.int(0, 99)}`,
      installer: system ? null : sideloaded ? 'com.google.android.packageinstaller' : 'com.android.vending',
      system,
      certSha1: system ? platformSha1 : rng.hex(20),
      certSha256: system ? platformSha256 : rng.hex(32),
      fileSha256: rng.hex(32),
      ...(system ? {} : { permissions: rng.sample(PERMISSIONS, rng.int(2, 7)).sort() }),
      firstInstallTime: iso(now, rng, 900),
    });
  }
  return apps;
}

/** What was planted in a snapshot (to check afterwards that the engine found it). */
export interface Planted {
  readonly kind: 'app-id' | 'cert-sha1' | 'cert-sha256' | 'file-sha256' | 'domain';
  readonly value: string;
}

export interface GeneratedSnapshot {
  readonly snapshot: Snapshot;
  readonly planted: readonly Planted[];
}

export interface GenerateOptions {
  readonly rng: Rng;
  readonly now: Date;
  readonly profileIntel: ProfileIntel;
  readonly real: RealIndicators;
  readonly apps: number;
  /** Chance, per indicator kind, that the snapshot carries one real indicator of that kind. */
  readonly plantChance: number;
}

/** One snapshot with exactly `options.apps` apps and 20–40 visited domains. */
export function generateSnapshot(options: GenerateOptions): GeneratedSnapshot {
  const { rng, now, real } = options;
  const base = cleanAndroid({ rng, intel: options.profileIntel, now, agentVersion: '0.1.0' });
  const apps = makeApps(rng, now, options.apps);
  const visited = Array.from({ length: rng.int(20, 40) }, () => ({
    domain: `${rng.chance(0.5) ? 'www.' : rng.chance(0.3) ? `${rng.pick(PRODUCTS)}.` : ''}${word(rng)}.${rng.pick(TLDS)}`,
    at: iso(now, rng, 2),
  }));
  const planted: Planted[] = [];
  const plantApp = (kind: Planted['kind'], values: readonly string[], field: 'id' | keyof App) => {
    if (values.length === 0 || !rng.chance(options.plantChance)) return;
    const value = rng.pick(values);
    const at = rng.int(0, apps.length - 1);
    const app = apps[at];
    if (app === undefined || apps.some((other) => other.id === value)) return;
    apps[at] = { ...app, [field]: value, system: false, installer: null };
    planted.push({ kind, value });
  };
  plantApp('app-id', real.appIds, 'id');
  plantApp('cert-sha1', real.certSha1, 'certSha1');
  plantApp('cert-sha256', real.certSha256, 'certSha256');
  plantApp('file-sha256', real.fileSha256, 'fileSha256');
  if (real.domains.length > 0 && rng.chance(options.plantChance)) {
    const domain = rng.pick(real.domains);
    visited.splice(rng.int(0, visited.length), 0, { domain, at: iso(now, rng, 1) });
    planted.push({ kind: 'domain', value: domain });
  }
  return { snapshot: { ...base, apps, visitedDomains: visited }, planted };
}
