import { IntelParseError, isRecord, parseJson, str, strArray } from '../errors.ts';
import { normalizeAndroidVersion, normalizePatchLevel } from '../normalize.ts';
import {
  type AndroidPatchScope,
  type AndroidVulnerability,
  emptyFeed,
  type KevEntry,
  type ParsedFeed,
  type ParseOptions,
} from '../types.ts';

/**
 * The patch level and scope a bulletin link gives: Android (`…/bulletin/2024-11-01`, with a
 * `#2022-06-05-security-patch-level` anchor winning), Pixel (`…/bulletin/pixel/2024-06-01`) or
 * Samsung (`securityUpdate.smsb?year=2021&month=10`).
 */
export function patchLevelFromUrl(url: string): { level: string; scope: AndroidPatchScope } | undefined {
  const pixel = /source\.android\.com\/(?:docs\/)?security\/bulletin\/pixel\/(\d{4}-\d{2}-\d{2})/i.exec(url);
  if (pixel?.[1] !== undefined) return { level: pixel[1], scope: 'pixel' };
  const android = /source\.android\.com\/(?:docs\/)?security\/bulletin\/(\d{4}-\d{2}-\d{2})/i.exec(url);
  if (android?.[1] !== undefined) {
    const anchor = /#(\d{4}-\d{2}-\d{2})-security-patch-level/i.exec(url);
    return { level: anchor?.[1] ?? android[1], scope: 'android' };
  }
  const samsung = /securityUpdate\.smsb\?year=(\d{4})&month=(\d{1,2})/i.exec(url);
  if (samsung?.[1] !== undefined && samsung[2] !== undefined) {
    return { level: `${samsung[1]}-${samsung[2].padStart(2, '0')}-01`, scope: 'samsung' };
  }
  return undefined;
}

/** Parses the CISA Known Exploited Vulnerabilities catalog JSON. */
export function parseKev(text: string, fileName: string, options: ParseOptions = {}): ParsedFeed {
  const data = parseJson(text, fileName);
  if (!isRecord(data) || !Array.isArray(data.vulnerabilities)) {
    throw new IntelParseError(fileName, 'not a CISA KEV catalog (no "vulnerabilities" array)', { line: 1 });
  }
  const feed = emptyFeed(options.feed ?? 'cisa-kev', 'cisa-kev', fileName);
  const version = str(data, 'catalogVersion');
  if (version !== undefined) feed.version = version;
  data.vulnerabilities.forEach((entry: unknown, index) => {
    const where = `vulnerabilities[${index}]`;
    const cveId = isRecord(entry) ? str(entry, 'cveID') : undefined;
    if (!isRecord(entry) || cveId === undefined || !/^CVE-\d{4}-\d+$/.test(cveId)) {
      throw new IntelParseError(fileName, 'entry without a valid cveID', { object: where });
    }
    const notes = str(entry, 'notes') ?? '';
    const fix = notes
      .split(/[;\s]+/)
      .map(patchLevelFromUrl)
      .find((f) => f !== undefined);
    const kev: { -readonly [K in keyof KevEntry]: KevEntry[K] } = {
      cveId,
      vendorProject: str(entry, 'vendorProject') ?? '',
      product: str(entry, 'product') ?? '',
      name: str(entry, 'vulnerabilityName') ?? cveId,
      dateAdded: str(entry, 'dateAdded') ?? '',
      knownRansomwareCampaignUse: str(entry, 'knownRansomwareCampaignUse') === 'Known',
      notes,
    };
    if (fix !== undefined) {
      kev.fixedPatchLevel = fix.level;
      kev.patchScope = fix.scope;
    }
    feed.kev.push(kev);
  });
  return feed;
}

function recordsOf(data: unknown): unknown[] {
  if (Array.isArray(data)) return data;
  if (isRecord(data) && Array.isArray(data.vulns)) return data.vulns;
  return [data];
}

function androidVersionsOf(values: readonly string[]): string[] {
  const out = new Set<string>();
  for (const value of values)
    for (const part of value.split(/[\s,]+/)) {
      const version = normalizeAndroidVersion(part);
      if (version !== undefined) out.add(version);
    }
  return [...out];
}

/**
 * Parses Android OSV records (`ASB-A-…`, `PUB-A-…`; a single record, an array, or `{vulns: […]}`).
 * The fixing patch level comes from `ranges` events (`"fixed": "12:2022-01-01"`, kernel
 * `":2022-06-05"`), else from `ecosystem_specific.spl`.
 */
export function parseOsv(text: string, fileName: string, options: ParseOptions = {}): ParsedFeed {
  const feed = emptyFeed(options.feed ?? 'android-osv', 'osv', fileName);
  recordsOf(parseJson(text, fileName)).forEach((record, index) => {
    const id = isRecord(record) ? str(record, 'id') : undefined;
    const where = `record ${index}${id === undefined ? '' : ` ${id}`}`;
    if (!isRecord(record) || id === undefined || !Array.isArray(record.affected)) {
      throw new IntelParseError(fileName, 'not an OSV record (needs "id" and "affected")', { object: where });
    }
    const cves = [id, ...strArray(record, 'aliases')].filter((a) => a.startsWith('CVE-'));
    const advisory = Array.isArray(record.references)
      ? record.references.find(
          (r): r is { url: string } => isRecord(r) && typeof r.url === 'string' && r.type === 'ADVISORY',
        )?.url
      : undefined;
    for (const affected of record.affected as unknown[]) {
      if (!isRecord(affected) || !isRecord(affected.package)) {
        throw new IntelParseError(fileName, 'affected entry without package', { object: where });
      }
      if (affected.package.ecosystem !== 'Android') {
        feed.skipped.push(`${where}: ecosystem ${String(affected.package.ecosystem)} is not Android`);
        continue;
      }
      const specific = isRecord(affected.ecosystem_specific) ? affected.ecosystem_specific : {};
      const byLevel = new Map<string, Set<string>>();
      const ranges = Array.isArray(affected.ranges) ? affected.ranges : [];
      for (const range of ranges) {
        if (!isRecord(range) || !Array.isArray(range.events)) continue;
        for (const event of range.events) {
          const fixed = isRecord(event) ? str(event, 'fixed') : undefined;
          const match = fixed === undefined ? null : /^([^:]*):(\d{4}-\d{2}-\d{2})$/.exec(fixed);
          if (match === null || match[2] === undefined) continue;
          const versions = byLevel.get(match[2]) ?? new Set<string>();
          const version = normalizeAndroidVersion(match[1] ?? '');
          if (version !== undefined) versions.add(version);
          byLevel.set(match[2], versions);
        }
      }
      const spl = normalizePatchLevel(str(specific, 'spl') ?? '');
      if (byLevel.size === 0 && spl !== undefined)
        byLevel.set(spl, new Set(androidVersionsOf(strArray(affected, 'versions'))));
      if (byLevel.size === 0) {
        feed.skipped.push(`${where}: no fixing patch level`);
        continue;
      }
      for (const [level, versions] of byLevel) {
        const vuln: { -readonly [K in keyof AndroidVulnerability]: AndroidVulnerability[K] } = {
          id,
          cves,
          androidVersions: [...versions],
          fixedPatchLevel: level,
          scope: 'android',
          component: String(affected.package.name ?? ''),
          feed: feed.feed,
        };
        const severity = str(specific, 'severity');
        if (severity !== undefined) vuln.severity = severity;
        if (advisory !== undefined) vuln.reference = advisory;
        feed.androidVulnerabilities.push(vuln);
      }
    }
  });
  return feed;
}

interface CveShape {
  versions: string[];
  lessThan?: string;
}

function cveAffected(container: unknown): CveShape {
  const shape: CveShape = { versions: [] };
  if (!isRecord(container) || !Array.isArray(container.affected)) return shape;
  for (const affected of container.affected) {
    if (!isRecord(affected) || !/android/i.test(String(affected.product ?? ''))) continue;
    for (const v of Array.isArray(affected.versions) ? affected.versions : []) {
      if (!isRecord(v) || v.status !== 'affected') continue;
      const lessThan = normalizePatchLevel(str(v, 'lessThan') ?? '');
      if (lessThan !== undefined) shape.lessThan = lessThan;
      else shape.versions.push(...androidVersionsOf([str(v, 'version') ?? '']));
    }
  }
  return shape;
}

/**
 * Parses CVE JSON 5 records (one record or an array). Handles the Android shapes seen in
 * cvelistV5: an affected-version list, one free-text version string (`Android-11 Android-12L`),
 * a CISA ADP `lessThan` patch level (`versionType: custom`) and a product-wide "Android kernel".
 * The fixing patch level is the `lessThan` level, else the bulletin linked in the references.
 */
export function parseCve5(text: string, fileName: string, options: ParseOptions = {}): ParsedFeed {
  const feed = emptyFeed(options.feed ?? 'cvelist', 'cve5', fileName);
  recordsOf(parseJson(text, fileName)).forEach((record, index) => {
    const meta = isRecord(record) && isRecord(record.cveMetadata) ? record.cveMetadata : undefined;
    const id = meta === undefined ? undefined : str(meta, 'cveId');
    const where = `record ${index}${id === undefined ? '' : ` ${id}`}`;
    if (
      !isRecord(record) ||
      record.dataType !== 'CVE_RECORD' ||
      id === undefined ||
      !isRecord(record.containers)
    ) {
      throw new IntelParseError(fileName, 'not a CVE JSON 5 record', { object: where });
    }
    const { cna, adp } = record.containers;
    const cnaShape = cveAffected(cna);
    const shapes = [cnaShape, ...(Array.isArray(adp) ? adp.map(cveAffected) : [])];
    const isAndroid =
      shapes.some((s) => s.versions.length > 0 || s.lessThan !== undefined) ||
      (isRecord(cna) &&
        Array.isArray(cna.affected) &&
        cna.affected.some((a) => isRecord(a) && /android/i.test(String(a.product ?? ''))));
    if (!isAndroid) {
      feed.skipped.push(`${where}: not an Android record`);
      return;
    }
    const urls =
      isRecord(cna) && Array.isArray(cna.references)
        ? cna.references.flatMap((r) => (isRecord(r) && typeof r.url === 'string' ? [r.url] : []))
        : [];
    const bulletin = urls
      .map((u) => ({ url: u, fix: patchLevelFromUrl(u) }))
      .find((b) => b.fix !== undefined);
    const lessThan = shapes.find((s) => s.lessThan !== undefined)?.lessThan;
    const level = lessThan ?? bulletin?.fix?.level;
    if (level === undefined) {
      feed.skipped.push(`${where}: no fixing patch level (no bulletin link or lessThan)`);
      return;
    }
    const assigner = str(meta ?? {}, 'assignerShortName') ?? '';
    const scope: AndroidPatchScope =
      bulletin?.fix?.scope ?? (/google_devices/i.test(assigner) ? 'pixel' : 'android');
    const versions =
      cnaShape.versions.length > 0
        ? cnaShape.versions
        : (shapes.find((s) => s.versions.length > 0)?.versions ?? []);
    const vuln: { -readonly [K in keyof AndroidVulnerability]: AndroidVulnerability[K] } = {
      id,
      cves: [id],
      androidVersions: [...new Set(versions)],
      fixedPatchLevel: level,
      scope,
      feed: feed.feed,
    };
    if (bulletin !== undefined) vuln.reference = bulletin.url;
    feed.androidVulnerabilities.push(vuln);
  });
  return feed;
}
