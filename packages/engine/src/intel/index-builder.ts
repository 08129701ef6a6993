import { createHash } from 'node:crypto';
import { normalizeHost } from '../detectors/host.ts';
import type { IndicatorHit, IndicatorKind, IntelLookup, Provenance } from '../types.ts';
import {
  isCanonicalIpv4,
  isNormalDomain,
  normalizeDomain,
  normalizeIndicator,
  normalizeIp,
  normalizeUrl,
  splitHostPort,
} from './normalize.ts';
import type { OsIntel } from './os-intel.ts';
import { buildOsIntel } from './os-intel-builder.ts';
import {
  addKey,
  appIdKey,
  appIdTailKey,
  type BitFilter,
  createBitFilter,
  domainKey,
  filterDomainSuffixes,
  hasKey,
  hexDigitsFor,
  hexKey,
  NO_KEY,
  NOT_NORMAL,
} from './prefilter.ts';
import type { ParsedFeed } from './types.ts';

/** Counts of what an index holds. */
export interface IntelStats {
  readonly indicators: number;
  readonly byKind: Readonly<Partial<Record<IndicatorKind, number>>>;
  /** Indicator entries per feed (a value listed by two feeds counts for both). */
  readonly byFeed: Readonly<Record<string, number>>;
  readonly files: number;
  readonly kev: number;
  readonly exploitedAndroid: number;
  readonly iosReleases: number;
  readonly eolCycles: number;
}

/** The in-memory intel index: O(1) indicator lookups with provenance, plus the OS data. */
export interface IntelIndex extends IntelLookup {
  /**
   * Digest (SHA-256 hex, first 16 chars) of the indexed files: their feed, format, version and
   * content digest (or, for feeds parsed without `parseIntelFile`, their counts).
   */
  readonly version: string;
  stats(): IntelStats;
}

interface MutableHit {
  readonly kind: IndicatorKind;
  readonly value: string;
  readonly provenance: Provenance[];
}

function sameSource(a: Provenance, b: Provenance): boolean {
  return a.feed === b.feed && a.family === b.family && a.category === b.category;
}

/**
 * True when `normalizeIndicator(kind, value)` can only return `value` itself or `undefined`, so a
 * miss on the raw value is final. For the kinds looked up for every app: a package id with nothing
 * to trim and no upper case; a hash of the exact length with no upper case (dropping a separator
 * would shorten it, so it could not become valid). `toLowerCase` returns its input when nothing
 * changes, which is far cheaper than a regex or a char loop. For the kinds looked up per visited
 * host or connection: a lower-case ASCII domain, a canonical IPv4 address (one regex each).
 * Other kinds always normalise.
 */
function isNormalForm(kind: IndicatorKind, value: string): boolean {
  switch (kind) {
    case 'app-id':
      return value === value.trim() && value === value.toLowerCase();
    case 'cert-sha1':
    case 'file-sha1':
      return value.length === 40 && value === value.toLowerCase();
    case 'file-md5':
      return value.length === 32 && value === value.toLowerCase();
    case 'cert-sha256':
    case 'file-sha256':
      return value.length === 64 && value === value.toLowerCase();
    case 'domain':
      return isNormalDomain(value);
    case 'ip':
      return isCanonicalIpv4(value);
    default:
      return false;
  }
}

/** A Map's miss filter over `key` of every indexed value (values without a key are never filtered). */
function filterOf(map: ReadonlyMap<string, unknown>, key: (value: string) => number): BitFilter {
  const filter = createBitFilter(map.size);
  for (const value of map.keys()) {
    const k = key(value);
    if (k !== NO_KEY) addKey(filter, k);
  }
  return filter;
}

type Normaliser = (
  map: ReadonlyMap<string, MutableHit>,
  kind: IndicatorKind,
  value: string,
) => IndicatorHit | undefined;

/**
 * The lookup of package ids: a clear filter bit is a final miss (see prefilter.ts); otherwise the
 * exact value, then its normal form. (Not shared with `hashFinder`, so that each key function is
 * called from a call site of its own and inlined.)
 */
function appIdFinder(
  map: ReadonlyMap<string, MutableHit> | undefined,
  findNormalised: Normaliser,
): (value: string) => IndicatorHit | undefined {
  if (map === undefined) return () => undefined;
  const tailFilter = filterOf(map, appIdTailKey);
  const filter = filterOf(map, appIdKey);
  return function findAppId(value: string): IndicatorHit | undefined {
    // Two filters: the tail key (five characters) rejects most misses; the full key (nine) the rest.
    const tail = appIdTailKey(value);
    if (tail !== NO_KEY && !hasKey(tailFilter, tail)) return undefined;
    const key = appIdKey(value);
    if (key !== NO_KEY && !hasKey(filter, key)) return undefined;
    const direct = map.get(value);
    return direct !== undefined ? direct : findNormalised(map, 'app-id', value);
  };
}

/** The lookup of one hash kind (signer SHA-1 / SHA-256, APK SHA-256), as `appIdFinder`. */
function hashFinder(
  map: ReadonlyMap<string, MutableHit> | undefined,
  kind: IndicatorKind,
  findNormalised: Normaliser,
): (value: string) => IndicatorHit | undefined {
  if (map === undefined) return () => undefined;
  const filter = createBitFilter(map.size);
  // Only the digits the filter's bits need are read (every value is keyed the same way).
  const digits = hexDigitsFor(filter);
  for (const indexed of map.keys()) {
    const k = hexKey(indexed, digits);
    if (k !== NO_KEY) addKey(filter, k);
  }
  return function findByHash(value: string): IndicatorHit | undefined {
    const key = hexKey(value, digits);
    if (key !== NO_KEY && !hasKey(filter, key)) return undefined;
    const direct = map.get(value);
    return direct !== undefined ? direct : findNormalised(map, kind, value);
  };
}

/** The hit for `domain` or its nearest listed parent of two labels or more, without the filter. */
function walkDomainSlowly(map: ReadonlyMap<string, MutableHit>, domain: string): IndicatorHit | undefined {
  let current = domain;
  for (;;) {
    const hit = map.get(current);
    if (hit !== undefined) return hit;
    const dot = current.indexOf('.');
    const parent = current.slice(dot + 1);
    // Stop before a bare TLD: the parent must still have two labels.
    if (dot === -1 || !parent.includes('.')) return undefined;
    current = parent;
  }
}

/**
 * Builds the index from parsed feeds. A value listed by several feeds keeps the provenance of
 * each; the same feed and family listing a value twice (e.g. `ioc.yaml` and `network.csv`) is
 * kept once. Values were normalised by the parsers; lookups normalise their input the same way.
 */
export function buildIntelIndex(feeds: readonly ParsedFeed[]): IntelIndex {
  const maps = new Map<IndicatorKind, Map<string, MutableHit>>();
  const byFeed: Record<string, number> = {};
  const summaries: string[] = [];
  for (const feed of feeds) {
    const counts = [feed.indicators, feed.kev, feed.androidVulnerabilities, feed.iosReleases, feed.eolCycles]
      .map((list) => list.length)
      .join(',');
    summaries.push(
      [
        feed.feed,
        feed.format,
        feed.source,
        feed.version ?? '',
        feed.digest ?? counts,
        feed.context === undefined ? '' : JSON.stringify(feed.context),
      ].join('\u0000'),
    );
    for (const { kind, value, provenance } of feed.indicators) {
      let map = maps.get(kind);
      if (map === undefined) {
        map = new Map();
        maps.set(kind, map);
      }
      const hit = map.get(value);
      if (hit === undefined) {
        map.set(value, { kind, value, provenance: [provenance] });
      } else if (!hit.provenance.some((p) => sameSource(p, provenance))) {
        hit.provenance.push(provenance);
      } else continue;
      byFeed[provenance.feed] = (byFeed[provenance.feed] ?? 0) + 1;
    }
  }
  const os: OsIntel | undefined = buildOsIntel(feeds);
  const version = createHash('sha256').update(summaries.sort().join('\n')).digest('hex').slice(0, 16);

  const lookup = (kind: IndicatorKind, value: string): IndicatorHit | undefined => maps.get(kind)?.get(value);
  /** Lookup after a miss on the raw value: normalise, unless that cannot change it, and retry. */
  const findNormalised = (
    map: ReadonlyMap<string, MutableHit>,
    kind: IndicatorKind,
    value: string,
  ): IndicatorHit | undefined => {
    // A miss on a value normalisation cannot change is final: skip the regexes (hot per app).
    if (isNormalForm(kind, value)) return undefined;
    const normalised = normalizeIndicator(kind, value);
    return normalised === undefined || normalised === value ? undefined : map.get(normalised);
  };
  const appIds = appIdFinder(maps.get('app-id'), findNormalised);
  const certSha1 = hashFinder(maps.get('cert-sha1'), 'cert-sha1', findNormalised);
  const certSha256 = hashFinder(maps.get('cert-sha256'), 'cert-sha256', findNormalised);
  const fileSha256 = hashFinder(maps.get('file-sha256'), 'file-sha256', findNormalised);
  const fileSha1 = hashFinder(maps.get('file-sha1'), 'file-sha1', findNormalised);
  const fileMd5 = hashFinder(maps.get('file-md5'), 'file-md5', findNormalised);
  // Named function expressions, so that CPU profiles name these closures.
  const find = function find(kind: IndicatorKind, value: string): IndicatorHit | undefined {
    // The kinds looked up for every app go through their miss filter (no Map lookup of the kind).
    if (kind === 'app-id') return appIds(value);
    if (kind === 'cert-sha256') return certSha256(value);
    if (kind === 'cert-sha1') return certSha1(value);
    if (kind === 'file-sha256') return fileSha256(value);
    if (kind === 'file-sha1') return fileSha1(value);
    if (kind === 'file-md5') return fileMd5(value);
    const map = maps.get(kind);
    if (map === undefined) return undefined;
    // Fast path: the value is already normalised.
    const direct = map.get(value);
    return direct !== undefined ? direct : findNormalised(map, kind, value);
  };
  const domains = maps.get('domain');
  const domainFilter = domains === undefined ? undefined : filterOf(domains, domainKey);
  /**
   * The hit for `host` or its nearest listed parent of two labels or more when `host` is in normal
   * form (one pass, see `filterDomainSuffixes`); `NOT_NORMAL` when it is not.
   */
  const walkDomain = function walkDomain(host: string): IndicatorHit | undefined | typeof NOT_NORMAL {
    if (domains === undefined || domainFilter === undefined)
      return isNormalDomain(host) ? undefined : NOT_NORMAL;
    const starts = filterDomainSuffixes(host, domainFilter);
    if (starts === NOT_NORMAL || starts === undefined) return starts;
    for (const start of starts) {
      const hit = domains.get(start === 0 ? host : host.slice(start));
      if (hit !== undefined) return hit;
    }
    return undefined;
  };
  const findDomain = function findDomain(host: string): IndicatorHit | undefined {
    // Fast path: an already-normal name (never an IP literal, URL or host:port) needs no parsing.
    const fast = walkDomain(host);
    if (fast !== NOT_NORMAL) return fast;
    let trimmed = host.trim();
    const literal = normalizeIp(trimmed.replace(/^\[|\]$/g, ''));
    if (literal !== undefined) return lookup('ip', literal);
    // Tolerate `host:port` and URLs (rare in callers, so only then pay for the parsing).
    if (trimmed.includes('/') || trimmed.includes(':')) {
      const url = normalizeUrl(trimmed);
      const { host: bare } = splitHostPort(url === undefined ? trimmed : (url.split('/')[0] ?? url));
      const ip = normalizeIp(bare.replace(/^\[|\]$/g, ''));
      if (ip !== undefined) return lookup('ip', ip);
      trimmed = bare;
    }
    const domain = normalizeDomain(trimmed);
    if (domain === undefined || domains === undefined) return undefined;
    // A normalised name is in normal form unless punycode made it longer than 253 chars.
    const hit = walkDomain(domain);
    return hit === NOT_NORMAL ? walkDomainSlowly(domains, domain) : hit;
  };
  /**
   * `findDomain(normalizeHost(host))`: a host the one-pass filter finds in normal form is its own
   * `normalizeHost` (lower-case ASCII, no trailing dot), so its answer is final; others (upper
   * case, IDN, trailing dots…) are normalised as the detectors do and looked up.
   */
  const findHost = function findHost(host: string): IndicatorHit | undefined {
    const fast = walkDomain(host);
    return fast !== NOT_NORMAL ? fast : findDomain(normalizeHost(host));
  };
  // Counted now so that the index does not keep the parsed feeds alive.
  const files = feeds.length;
  const kevCount = feeds.reduce((n, f) => n + f.kev.length, 0);
  const iosReleases = feeds.reduce((n, f) => n + f.iosReleases.length, 0);
  const eolCycles = feeds.reduce((n, f) => n + f.eolCycles.length, 0);
  const stats = (): IntelStats => {
    const byKind: Partial<Record<IndicatorKind, number>> = {};
    let indicators = 0;
    for (const [kind, map] of maps) {
      byKind[kind] = map.size;
      indicators += map.size;
    }
    return {
      indicators,
      byKind,
      byFeed: { ...byFeed },
      files,
      kev: kevCount,
      exploitedAndroid: os?.exploitedAndroid.length ?? 0,
      iosReleases,
      eolCycles,
    };
  };
  return os === undefined
    ? { version, find, findDomain, findHost, stats }
    : { version, find, findDomain, findHost, stats, os };
}
