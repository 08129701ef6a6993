import type { IndicatorCategory, IndicatorKind, Provenance } from '../types.ts';

/** The intel file formats the parsers understand (see `detectFormat`). */
export type IntelFormat =
  | 'stalkerware-yaml'
  | 'stalkerware-samples-csv'
  | 'stalkerware-network-csv'
  | 'stix2'
  | 'mvt-list'
  | 'maltrail'
  | 'domain-list'
  | 'cisa-kev'
  | 'osv'
  | 'cve5'
  | 'sofa-ios'
  | 'sofa-apple-releases'
  | 'eol-product'
  | 'eol-release-data'
  | 'ioc-text'
  | 'hash-list'
  | 'ip-list'
  | 'ioc-csv'
  | 'misp';

/** One indicator as parsed: a normalised value of one kind and where it came from. */
export interface IndicatorRecord {
  readonly kind: IndicatorKind;
  readonly value: string;
  readonly provenance: Provenance;
}

/** Which devices an Android fix applies to: every Android device or only one OEM's. */
export type AndroidPatchScope = 'android' | 'pixel' | 'samsung';

/** One CISA KEV entry, with the patch level that fixes it when the notes name a bulletin. */
export interface KevEntry {
  readonly cveId: string;
  readonly vendorProject: string;
  readonly product: string;
  readonly name: string;
  readonly dateAdded: string;
  readonly knownRansomwareCampaignUse: boolean;
  readonly notes: string;
  /** `YYYY-MM-DD` patch level from an Android / Pixel / Samsung bulletin link in the notes. */
  readonly fixedPatchLevel?: string;
  readonly patchScope?: AndroidPatchScope;
}

/** An Android vulnerability: affected OS versions and the security patch level that fixes it. */
export interface AndroidVulnerability {
  /** Record id: `ASB-A-…`, `CVE-…`. */
  readonly id: string;
  /** CVE ids (the id itself for CVE records, aliases for OSV). */
  readonly cves: readonly string[];
  /** Affected Android major versions (`12`, `12L`, `13`); empty means all versions. */
  readonly androidVersions: readonly string[];
  /** Security patch level that fixes it, `YYYY-MM-DD`. */
  readonly fixedPatchLevel: string;
  readonly scope: AndroidPatchScope;
  readonly component?: string;
  readonly severity?: string;
  readonly reference?: string;
  readonly feed: string;
}

/** One iOS / iPadOS security release. */
export interface IosRelease {
  readonly version: string;
  readonly build?: string;
  /** `YYYY-MM-DD`. */
  readonly releaseDate?: string;
  readonly name: string;
  /** CVEs fixed by this release. */
  readonly cves: readonly string[];
  /** CVEs fixed by this release that Apple says were actively exploited. */
  readonly exploitedCves: readonly string[];
  /** Model identifiers (`iPhone14,2`); empty when the feed does not say. */
  readonly supportedDevices: readonly string[];
  readonly reference?: string;
  readonly feed: string;
}

/** One endoflife.date release cycle of a product (an OS version or a device model). */
export interface EolCycle {
  /** endoflife.date product, e.g. `android`, `ios`, `pixel`, `samsung-mobile`, `iphone`. */
  readonly product: string;
  readonly cycle: string;
  readonly label?: string;
  readonly releaseDate?: string;
  /** End of security support: `true` (ended, date unknown), `false` (supported) or a `YYYY-MM-DD` date. */
  readonly eol: boolean | string;
  /** End of active support (iOS: a newer major exists). */
  readonly eoas?: boolean | string;
  readonly latest?: string;
  readonly apiVersion?: string;
  readonly link?: string;
  readonly feed: string;
}

/** An OS point release and its date (endoflife.date release-data `versions`). */
export interface OsPointRelease {
  readonly product: string;
  readonly version: string;
  readonly date?: string;
}

/** A model identifier and its marketing name (SOFA `Devices`). */
export interface DeviceModelName {
  readonly id: string;
  readonly name: string;
}

/** Everything one intel file yielded. Arrays are always present (possibly empty). */
export interface ParsedFeed {
  /** Feed id, e.g. `stalkerware-indicators`, `mvt:ResidentBat`, `maltrail`, `cisa-kev`. */
  readonly feed: string;
  readonly format: IntelFormat;
  /** The file it came from, as given to the parser. */
  readonly source: string;
  /** The feed's own version when it has one (KEV `catalogVersion`, SOFA `UpdateHash`…). */
  readonly version?: string;
  /** SHA-256 (hex) of the file's text, set by `parseIntelFile`; feeds the index version. */
  readonly digest?: string;
  /** The family / campaign the whole file is about, when the parser could tell (write-ups, lists). */
  readonly family?: string;
  /** Where that family came from (`title`, `file name`, `folder`, or the context's `from`). */
  readonly familyFrom?: string;
  /** The category the whole file is about (write-ups, lists), even when it holds no indicator. */
  readonly category?: IndicatorCategory;
  /** The context the file was parsed with (set by `parseIntelFile`), kept so a stored copy parses the same. */
  readonly context?: ParseContext;
  readonly indicators: readonly IndicatorRecord[];
  readonly kev: readonly KevEntry[];
  readonly androidVulnerabilities: readonly AndroidVulnerability[];
  readonly iosReleases: readonly IosRelease[];
  readonly eolCycles: readonly EolCycle[];
  readonly osPointReleases: readonly OsPointRelease[];
  readonly deviceModels: readonly DeviceModelName[];
  /** Entries skipped on purpose (regex trails, path-only URLs, unsupported pattern types), with why. */
  readonly skipped: readonly string[];
}

/** Overrides a caller (e.g. a configured intel source) may give a parser. */
export interface ParseOptions {
  readonly feed?: string;
  /**
   * What the file's surroundings say (the loader: the STIX bundle beside it, the write-up beside it,
   * the campaign folder it is in). Lists and write-ups take their family and category from here
   * before guessing from their own words; curated feeds with their own attribution ignore it.
   */
  readonly context?: ParseContext;
}

/** The family, category and report a file inherits from the files around it. */
export interface ParseContext {
  readonly family?: string;
  readonly category?: IndicatorCategory;
  readonly reference?: string;
  /** Where the context came from, for `intel check` (`bundle.stix2`, `README.md`, `folder`). */
  readonly from?: string;
}

/** A `ParsedFeed` with every array empty, to fill in. */
export function emptyFeed(
  feed: string,
  format: IntelFormat,
  source: string,
): {
  -readonly [K in keyof ParsedFeed]: ParsedFeed[K] extends readonly (infer T)[] ? T[] : ParsedFeed[K];
} {
  return {
    feed,
    format,
    source,
    indicators: [],
    kev: [],
    androidVulnerabilities: [],
    iosReleases: [],
    eolCycles: [],
    osPointReleases: [],
    deviceModels: [],
    skipped: [],
  };
}
