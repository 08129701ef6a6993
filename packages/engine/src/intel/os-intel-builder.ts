import { buildOsEolCycles, DeviceEolIndex } from './device-eol.ts';
import { compareVersions } from './normalize.ts';
import type { ExploitedAndroidVulnerability, ExploitedIosRelease, OsIntel } from './os-intel.ts';
import type {
  AndroidPatchScope,
  AndroidVulnerability,
  EolCycle,
  IosRelease,
  KevEntry,
  ParsedFeed,
} from './types.ts';

function maxDate(a: string, b: string): string {
  return a >= b ? a : b;
}

/** Joins KEV with the Android records by CVE; KEV entries with a bulletin link stand alone. */
function joinAndroid(kev: ReadonlyMap<string, KevEntry>, records: readonly AndroidVulnerability[]) {
  const byCve = new Map<string, AndroidVulnerability[]>();
  for (const record of records) {
    for (const cve of record.cves) {
      const list = byCve.get(cve) ?? [];
      list.push(record);
      byCve.set(cve, list);
    }
  }
  const out: ExploitedAndroidVulnerability[] = [];
  for (const entry of kev.values()) {
    const joined = byCve.get(entry.cveId) ?? [];
    if (joined.length === 0 && entry.fixedPatchLevel === undefined) continue;
    // The device is safe only at or after every fix level the sources name (the latest one).
    let level = entry.fixedPatchLevel ?? '';
    let scope: AndroidPatchScope | undefined = entry.patchScope;
    const versions = new Set<string>();
    let allVersions = joined.length === 0;
    for (const record of joined) {
      level = maxDate(level, record.fixedPatchLevel);
      if (record.scope !== 'android' || scope === undefined) scope = record.scope;
      if (record.androidVersions.length === 0) allVersions = true;
      for (const v of record.androidVersions) versions.add(v);
    }
    const vuln: { -readonly [K in keyof ExploitedAndroidVulnerability]: ExploitedAndroidVulnerability[K] } = {
      cveId: entry.cveId,
      kev: entry,
      androidVersions: allVersions ? [] : [...versions],
      fixedPatchLevel: level,
      scope: scope ?? 'android',
      feeds: [...new Set(['cisa-kev', ...joined.map((r) => r.feed)])],
      records: joined.map((r) => r.id),
    };
    const reference = joined.find((r) => r.reference !== undefined)?.reference;
    if (reference !== undefined) vuln.reference = reference;
    out.push(vuln);
  }
  return out;
}

/** Merges iOS releases of several files by version (SOFA's iOS feed first: it has dates and models). */
function mergeIos(releases: readonly IosRelease[]): Map<string, IosRelease[]> {
  const byKey = new Map<string, IosRelease>();
  for (const release of releases) {
    const key = `${release.version}|${release.build ?? ''}`;
    const sameVersion =
      release.build === undefined
        ? [...byKey.values()].find((r) => r.version === release.version)
        : undefined;
    const existing = byKey.get(key) ?? sameVersion;
    if (existing === undefined) {
      byKey.set(key, release);
      continue;
    }
    const merged: IosRelease = {
      ...existing,
      cves: [...new Set([...existing.cves, ...release.cves])],
      exploitedCves: [...new Set([...existing.exploitedCves, ...release.exploitedCves])],
    };
    byKey.set(`${existing.version}|${existing.build ?? ''}`, merged);
  }
  const byMajor = new Map<string, IosRelease[]>();
  for (const release of byKey.values()) {
    const major = release.version.split('.')[0] ?? release.version;
    const list = byMajor.get(major) ?? [];
    list.push(release);
    byMajor.set(major, list);
  }
  for (const list of byMajor.values()) list.sort((a, b) => compareVersions(b.version, a.version));
  return byMajor;
}

/** Builds the OS intel (vulnerabilities, iOS releases, end-of-life data) from parsed feeds. */
export function buildOsIntel(feeds: readonly ParsedFeed[]): OsIntel | undefined {
  const kev = new Map<string, KevEntry>();
  const records: AndroidVulnerability[] = [];
  const ios: IosRelease[] = [];
  const eol = new Map<string, EolCycle[]>();
  const models = new Map<string, string>();
  const feedIds: { kev?: string; kevVersion?: string; sofa?: string; eol?: string } = {};
  // SOFA's iOS feed first, so that its dates and model lists win when merging.
  const ordered = [...feeds].sort(
    (a, b) => Number(b.format === 'sofa-ios') - Number(a.format === 'sofa-ios'),
  );
  for (const feed of ordered) {
    for (const entry of feed.kev) kev.set(entry.cveId, entry);
    if (feed.kev.length > 0) {
      feedIds.kev = feed.feed;
      if (feed.version !== undefined) feedIds.kevVersion = feed.version;
    }
    records.push(...feed.androidVulnerabilities);
    ios.push(...feed.iosReleases);
    if (feed.iosReleases.length > 0) feedIds.sofa = feed.feed;
    for (const cycle of feed.eolCycles) {
      const list = eol.get(cycle.product) ?? [];
      list.push(cycle);
      eol.set(cycle.product, list);
      feedIds.eol = cycle.feed;
    }
    for (const model of feed.deviceModels) models.set(model.id.toLowerCase(), model.name);
  }
  if (kev.size === 0 && records.length === 0 && ios.length === 0 && eol.size === 0) return undefined;
  const exploitedAndroid = joinAndroid(kev, records);
  const iosByMajor = mergeIos(ios);
  const exploitedByMajor = new Map<string, ExploitedIosRelease[]>();
  for (const [major, list] of iosByMajor) {
    const exploited: ExploitedIosRelease[] = [];
    for (const release of list) {
      const cves = new Set(release.exploitedCves);
      for (const cve of release.cves) if (kev.has(cve)) cves.add(cve);
      if (cves.size > 0) exploited.push({ release, exploitedCves: [...cves] });
    }
    exploitedByMajor.set(major, exploited);
  }
  const eolCycles = (product: string): readonly EolCycle[] => eol.get(product) ?? [];
  const deviceModelName = (id: string) => models.get(id.toLowerCase());
  // Lookups derived from the data, built here once: the intel owns them (no engine-wide memo).
  const osCycles = buildOsEolCycles(eolCycles);
  const devices = new DeviceEolIndex(eolCycles, deviceModelName);
  return {
    kev: (cveId) => kev.get(cveId.toUpperCase()),
    exploitedAndroid,
    exploitedIosReleases: (major) => exploitedByMajor.get(major) ?? [],
    iosReleases: (major) => iosByMajor.get(major) ?? [],
    eolCycles,
    osEolCycle: (product, major) => osCycles.get(`${product}:${major}`),
    deviceEolCycles: (device) => devices.find(device),
    deviceModelName,
    feeds: feedIds,
    deviceModels: [...models].map(([id, name]) => ({ id, name })),
  };
}
