import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

/** Real indicators the device profiles plant, with where each came from. */
export interface ProfileIntel {
  /** Stalkerware apps that have both a package id and a signing certificate SHA-1 (ioc.yaml). */
  readonly stalkerware: readonly { family: string; packageId: string; certSha1: string }[];
  /** Android spyware from an MVT STIX 2.1 feed: app ids and signing-certificate SHA-256s. */
  readonly spyware: {
    readonly family: string;
    readonly appIds: readonly string[];
    readonly certSha256: readonly string[];
  };
  /** Phishing domains (blocklistproject sample). */
  readonly phishingDomains: readonly string[];
  /** C2 domains: stalkerware `hosts` and maltrail Android trails. */
  readonly c2Domains: readonly { family: string; domain: string }[];
  /** Android releases (endoflife.date): cycle and security end (`false` while supported). */
  readonly androidReleases: readonly { cycle: string; eol: string | false }[];
  /** iOS releases: cycle, latest version, security end. */
  readonly iosReleases: readonly { cycle: string; latest: string; eol: string | false }[];
  /** Google Pixel phones (endoflife.date `pixel`), newest first: cycle id, label, security end. */
  readonly pixelModels: readonly { cycle: string; label: string; eol: string | false }[];
}

/**
 * The datasets directory: `RISKGATE_DATASETS`, else `<repoRoot>/../shared/datasets` (CI clones the
 * repository with `shared/` beside it).
 */
export function locateDatasets(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const fromEnv = env.RISKGATE_DATASETS;
  if (fromEnv !== undefined && fromEnv !== '') return resolve(fromEnv);
  const repoRoot = resolve(import.meta.dirname, '../../../..');
  return resolve(repoRoot, '..', 'shared', 'datasets');
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v) => typeof v === 'string') : [];
const dateText = (value: unknown): string | false =>
  value instanceof Date ? value.toISOString().slice(0, 10) : typeof value === 'string' ? value : false;

function lines(path: string): string[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

function releases(path: string): Record<string, unknown>[] {
  const doc: unknown = parse(readFileSync(path, 'utf8'));
  return isRecord(doc) && Array.isArray(doc.releases) ? doc.releases.filter(isRecord) : [];
}

/** STIX `[app:id='…']`-style patterns of one bundle, by key. */
function stixPatterns(path: string): Map<string, string[]> {
  const bundle: unknown = JSON.parse(readFileSync(path, 'utf8'));
  const objects = isRecord(bundle) && Array.isArray(bundle.objects) ? bundle.objects.filter(isRecord) : [];
  const byKey = new Map<string, string[]>();
  for (const object of objects) {
    const match =
      typeof object.pattern === 'string' ? /^\[([\w:.'-]+)\s*=\s*'([^']+)'\]$/.exec(object.pattern) : null;
    if (match?.[1] === undefined || match[2] === undefined) continue;
    byKey.set(match[1], [...(byKey.get(match[1]) ?? []), match[2]]);
  }
  return byKey;
}

/**
 * Loads the indicators the profiles use from the datasets directory (see /work/shared/datasets
 * SOURCES.md). Throws with the path when a file is missing.
 */
export function loadProfileIntel(dir: string = locateDatasets()): ProfileIntel {
  if (!existsSync(dir)) throw new Error(`datasets directory not found: ${dir} (set RISKGATE_DATASETS)`);
  const ioc: unknown = parse(readFileSync(join(dir, 'stalkerware-indicators', 'ioc.yaml'), 'utf8'));
  const stalkerware = (Array.isArray(ioc) ? ioc.filter(isRecord) : []).flatMap((entry) => {
    const packageId = strings(entry.packages)[0];
    const certSha1 = strings(entry.certificates)[0];
    if (packageId === undefined || certSha1 === undefined || !/^[0-9A-Fa-f]{40}$/.test(certSha1)) return [];
    return [{ family: String(entry.name), packageId, certSha1: certSha1.toLowerCase() }];
  });
  const stix = stixPatterns(join(dir, 'mvt-indicators', 'ResidentBat', 'residentbat.stix2'));
  const trailsDir = join(dir, 'maltrail-mobile-trails', 'trails');
  const maltrail = readdirSync(trailsDir)
    .filter((name) => name.startsWith('android_') && name.endsWith('.txt'))
    .sort()
    .slice(0, 40)
    .flatMap((name) =>
      lines(join(trailsDir, name))
        .filter((line) => /^[a-z0-9.-]+\.[a-z]{2,}$/i.test(line))
        .slice(0, 5)
        .map((domain) => ({
          family: name.slice('android_'.length, -'.txt'.length),
          domain: domain.toLowerCase(),
        })),
    );
  const stalkerHosts = lines(join(dir, 'stalkerware-indicators', 'hosts'))
    .slice(0, 200)
    .map((domain) => ({ family: 'stalkerware-indicators', domain: domain.toLowerCase() }));
  return {
    stalkerware,
    spyware: {
      family: 'ResidentBat',
      appIds: stix.get('app:id') ?? [],
      certSha256: (stix.get('app:cert.sha256') ?? []).map((hash) => hash.toLowerCase()),
    },
    phishingDomains: lines(join(dir, 'phishing-domains-blocklistproject', 'phishing-nl.sample.txt'))
      .map((line) => line.split(/\s+/).at(-1) ?? '')
      .filter((domain) => /^[a-z0-9.-]+\.[a-z]{2,}$/i.test(domain))
      .slice(0, 2000),
    c2Domains: [...stalkerHosts, ...maltrail],
    androidReleases: releases(join(dir, 'endoflife-products', 'android.yaml')).map((release) => ({
      cycle: String(release.releaseCycle),
      eol: dateText(release.eol),
    })),
    iosReleases: releases(join(dir, 'endoflife-products', 'ios.yaml')).map((release) => ({
      cycle: String(release.releaseCycle),
      latest: String(release.latest ?? release.releaseCycle),
      eol: dateText(release.eol),
    })),
    pixelModels: releases(join(dir, 'endoflife-products', 'pixel.yaml')).flatMap((release) =>
      typeof release.releaseLabel === 'string'
        ? [{ cycle: String(release.releaseCycle), label: release.releaseLabel, eol: dateText(release.eol) }]
        : [],
    ),
  };
}
