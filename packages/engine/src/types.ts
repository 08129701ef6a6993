/**
 * Core vocabulary shared by every part of the engine (see docs/ARCHITECTURE.md, "Vocabulary").
 * This file is the contract between the detectors, the intel index, risk, compliance and access.
 * It holds types only: no logic, no I/O.
 */

import type { OsIntel } from './intel/os-intel.ts';

/** Risk of one threat. `none` means "recorded, but does not raise the device's risk level". */
export type ThreatRisk = 'none' | 'low' | 'medium' | 'high';

/** Risk level of a device: the highest risk among its active threats, `secured` when there is none. */
export type RiskLevel = 'secured' | 'low' | 'medium' | 'high';

export type ThreatClass = 'app' | 'os' | 'device' | 'network' | 'web';

export type Platform = 'android' | 'ios';
export type Ownership = 'corporate' | 'personal';

/**
 * What an indicator says about the thing it matches. Detectors map these to threat types
 * (e.g. `stalkerware` → `app.stalkerware`).
 */
export type IndicatorCategory =
  | 'stalkerware'
  | 'watchware'
  | 'spyware'
  | 'trojan'
  | 'banking-trojan'
  | 'adware'
  | 'riskware'
  | 'root-enabler'
  | 'malware'
  | 'phishing'
  | 'c2';

/** The kinds of indicator the index can hold. Values are stored normalised (see intel/normalize.ts). */
export type IndicatorKind =
  | 'app-id' // Android package name or iOS bundle id, lower-cased
  | 'cert-sha1' // signing certificate SHA-1, lower-case hex
  | 'cert-sha256' // signing certificate SHA-256, lower-case hex
  | 'file-sha256' // APK / file SHA-256, lower-case hex
  | 'file-sha1' // APK / file SHA-1, lower-case hex (public reports often list only SHA-1 or MD5)
  | 'file-md5' // APK / file MD5, lower-case hex
  | 'domain' // host name, lower-case, IDN as punycode, no trailing dot
  | 'ip' // IPv4 / IPv6 address in canonical text form
  | 'url' // full URL as given by the feed (lower-cased scheme and host)
  | 'process' // process name (iOS spyware)
  | 'profile-id' // iOS configuration profile identifier
  | 'android-property' // Android system property name
  | 'file-path'
  | 'file-name' // file name without directory (iOS spyware artefacts)
  | 'email';

/** Where an indicator came from: kept on every indicator and copied into threat evidence. */
export interface Provenance {
  /** Feed id, e.g. `stalkerware-indicators`, `mvt:ResidentBat`, `maltrail`, `blocklistproject-phishing`. */
  readonly feed: string;
  /** Malware / app family, e.g. `TheTruthSpy`, `ResidentBat`, `cerberus`. */
  readonly family?: string;
  readonly category: IndicatorCategory;
  /** A URL or text reference from the feed (report, blog post). */
  readonly reference?: string;
  /** Where in the feed: `ioc.yaml#TheTruthSpy`, `android_cerberus.txt:12`, `indicator--…`. */
  readonly source?: string;
  /**
   * The stored feed this indicator was loaded from, when it came through the server's feed store
   * (admin API upload or `riskgate intel import`): its record id, name and upload / import time.
   * Set by the server when it loads the feed; parsers leave it out.
   */
  readonly feedRecord?: FeedRecord;
}

/** A stored intel feed as evidence names it: id, name (file name or path), and when it was loaded. */
export interface FeedRecord {
  readonly id: string;
  readonly name: string;
  /** ISO time of the upload (admin API) or the import (`riskgate intel import`). */
  readonly importedAt: string;
  /** `fetch`: fetched from the feed's upstream (the time is the fetch's). */
  readonly via: 'upload' | 'import' | 'startup' | 'fetch';
}

/** One piece of evidence: what on the device matched which indicator of which feed. */
export interface Evidence {
  /** What was observed, e.g. `app`, `certificate`, `apk`, `domain`, `tls-probe`, `wifi`, `setting`. */
  readonly subject: string;
  /** The observed value, e.g. `com.apspy.app`, `a1b2…`, `evil.example`. */
  readonly observed: string;
  /** The indicator kind that matched, when an indicator matched. */
  readonly indicatorKind?: IndicatorKind;
  /** The indicator value that matched (may be a parent domain of the observed host). */
  readonly indicator?: string;
  readonly provenance?: Provenance;
  /** Free-form detail for rule-based detections, e.g. `{ expected: 'WPA2', observed: 'open' }`. */
  readonly detail?: Readonly<Record<string, string | number | boolean | null>>;
}

/**
 * A detection produced by `assess()`. `key` identifies the same threat across reports so that the
 * server can diff new / still active / resolved: it is `<typeId>:<subject>` (e.g.
 * `app.stalkerware:com.apspy.app`, `device.rooted`, `network.tls-mitm:mail.example.com`).
 */
export interface Detection {
  readonly key: string;
  readonly typeId: string;
  readonly class: ThreatClass;
  /** Effective risk after the tenant classification was applied. */
  readonly risk: ThreatRisk;
  /** The catalog's default risk, kept so the explanation can say what was overridden. */
  readonly defaultRisk: ThreatRisk;
  readonly title: string;
  /** Short human summary of this instance, e.g. "TheTruthSpy stalkerware (com.apspy.app)". */
  readonly summary: string;
  readonly family?: string;
  readonly attack: readonly string[];
  readonly evidence: readonly Evidence[];
  /** Plain-language steps for the end user, specific to this instance where possible. */
  readonly remediation: readonly string[];
}

/**
 * Tenant overrides of threat risk. `byType` overrides a threat type's default risk; `byFamily`
 * (keys lower-cased) overrides it for one malware family and wins over `byType`.
 */
export interface Classification {
  readonly byType?: Readonly<Record<string, ThreatRisk>>;
  readonly byFamily?: Readonly<Record<string, ThreatRisk>>;
}

/** An indicator hit: the normalised indicator value that matched and every feed that lists it. */
export interface IndicatorHit {
  readonly kind: IndicatorKind;
  /** The indicator as held in the index (for domains: possibly a parent of the observed host). */
  readonly value: string;
  readonly provenance: readonly Provenance[];
}

/**
 * The read side of the intel index that detectors use. Implementations normalise the value they
 * are given (case, IDN, defanging) before looking it up. Lookups must be O(1) / O(labels).
 */
export interface IntelLookup {
  /** Exact lookup of one indicator; `undefined` when nothing lists it. */
  find(kind: IndicatorKind, value: string): IndicatorHit | undefined;
  /** Host lookup: the exact host first, then each parent domain (`a.b.evil.com` → `b.evil.com` → `evil.com`), never a bare TLD. */
  findDomain(host: string): IndicatorHit | undefined;
  /**
   * Optional: the same as `findDomain(normalizeHost(host))` for a host as a device reports it, in
   * one pass over a host already in normal form (nearly all of them). Lookups without it are
   * called that way.
   */
  findHost?(host: string): IndicatorHit | undefined;
  /**
   * Vulnerability and end-of-life data for the OS detectors (KEV joined with Android records,
   * SOFA iOS releases, endoflife.date). Absent when no such feed is loaded.
   */
  readonly os?: OsIntel;
}
