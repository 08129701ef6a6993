import type { WifiSecurity } from '../schema/network.ts';
import type { Snapshot } from '../schema/snapshot.ts';
import type { Evidence, IntelLookup, ThreatRisk } from '../types.ts';
import type { ResolvedAssessSettings } from './settings.ts';

/** A Wi-Fi network the tenant knows: used to spot rogue access points imitating it. */
export interface KnownNetwork {
  readonly ssid: string;
  /** The security the real network uses; a weaker one on the same SSID is a rogue AP. */
  readonly security: WifiSecurity;
  /** The real access points, lower-case `aa:bb:…`. When given, any other BSSID is a rogue AP. */
  readonly bssids?: readonly string[];
  /** DNS servers this network hands out; others while on it mean DNS hijack. */
  readonly dnsServers?: readonly string[];
}

/** Patch age (days since the security patch level) at which the patch threat reaches each risk. */
export interface PatchAgeThresholds {
  readonly low: number;
  readonly medium: number;
  readonly high: number;
}

/**
 * Tenant-tunable thresholds and allow-lists used by detectors. `assess()` fills unspecified
 * values from `DEFAULT_ASSESS_SETTINGS` (see detectors/settings.ts).
 */
export interface AssessSettings {
  readonly patchAgeDays: PatchAgeThresholds;
  /** Installer ids counted as app stores (Android installer packages, iOS `app-store`, `testflight`). */
  readonly knownStores: readonly string[];
  /** Signing certificate SHA-256s (lower-case hex) trusted for apps from outside a store. */
  readonly trustedSigners: readonly string[];
  readonly knownNetworks: readonly KnownNetwork[];
  /** Proxy hosts (lower-case) that are expected, e.g. the company proxy. */
  readonly allowedProxyHosts: readonly string[];
  /** DNS servers that are expected on any network (e.g. company resolvers). */
  readonly trustedDnsServers: readonly string[];
  /** User-installed CA certificates (SHA-256, lower-case hex) the tenant trusts. */
  readonly trustedCaSha256: readonly string[];
  /** iOS configuration profile identifiers the tenant trusts. */
  readonly allowedProfileIds: readonly string[];
  /** A gateway MAC change on one access point counts as ARP spoofing for this many hours. */
  readonly gatewayChangeWindowHours: number;
  /**
   * Whether a missing attestation (absent, or verdict `unavailable`) raises `device.attestation-missing`.
   * Off by default: agents without attestation support would otherwise never be `secured`.
   */
  readonly requireAttestation: boolean;
}

/** Everything a detector may look at. Detectors are pure: no I/O, no clock except `now`. */
export interface DetectorContext {
  readonly snapshot: Snapshot;
  readonly intel: IntelLookup;
  readonly now: Date;
  /** Every value filled in, with the lookup sets built once (see `resolveAssessSettings`). */
  readonly settings: ResolvedAssessSettings;
}

/**
 * What a detector found: one threat instance before the catalog and the tenant classification are
 * applied. `assess()` turns findings into `Detection`s.
 */
export interface Finding {
  /** Catalog id, e.g. `app.stalkerware`. */
  readonly typeId: string;
  /** What the threat is about, for the stable key `<typeId>:<subject>` (app id, host, BSSID…). */
  readonly subject?: string;
  /** Malware / app family, when known (classification can override by family). */
  readonly family?: string;
  /** Short human summary of this instance. */
  readonly summary: string;
  readonly evidence: readonly Evidence[];
  /** Instance-specific risk that replaces the catalog default (e.g. by patch age); tenant overrides still win. */
  readonly risk?: ThreatRisk;
  /** Values for the catalog's remediation templates, e.g. `{ app: 'Copy9', host: 'mail.example.com' }`. */
  readonly params?: Readonly<Record<string, string>>;
  /** Remediation steps that replace the catalog's templates for this instance. */
  readonly remediation?: readonly string[];
}

/** A detector: a pure function from a snapshot (and intel) to findings. */
export type Detector = (ctx: DetectorContext) => Finding[];
