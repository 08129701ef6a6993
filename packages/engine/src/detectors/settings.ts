import type { AssessSettings, KnownNetwork, PatchAgeThresholds } from './types.ts';

/** Defaults used when a tenant has not configured a setting. */
export const DEFAULT_ASSESS_SETTINGS: AssessSettings = Object.freeze({
  patchAgeDays: Object.freeze({ low: 60, medium: 120, high: 180 }),
  knownStores: Object.freeze([
    'com.android.vending', // Google Play
    'com.amazon.venezia', // Amazon Appstore
    'com.sec.android.app.samsungapps', // Galaxy Store
    'com.huawei.appmarket', // Huawei AppGallery
    'com.xiaomi.mipicks', // Xiaomi GetApps
    'com.xiaomi.market',
    'com.heytap.market', // OPPO / OnePlus
    'com.oppo.market',
    'com.bbk.appstore', // vivo
    'app-store',
    'testflight',
  ]),
  trustedSigners: Object.freeze([]),
  knownNetworks: Object.freeze([]),
  allowedProxyHosts: Object.freeze([]),
  trustedDnsServers: Object.freeze([]),
  trustedCaSha256: Object.freeze([]),
  allowedProfileIds: Object.freeze([]),
  gatewayChangeWindowHours: 24,
  requireAttestation: false,
});

/** Sets the detectors look values up in, derived from the settings' lists. */
export interface AssessSettingsLookups {
  /** `knownStores`. */
  readonly knownStores: ReadonlySet<string>;
  /** `trustedSigners`, lower-case. */
  readonly trustedSigners: ReadonlySet<string>;
  /** `trustedCaSha256`, lower-case. */
  readonly trustedCaSha256: ReadonlySet<string>;
  /** `allowedProfileIds`. */
  readonly allowedProfileIds: ReadonlySet<string>;
}

/**
 * Settings with every value filled in and the lookup sets built, once (by
 * {@link resolveAssessSettings}): what the detectors receive. A caller that assesses many snapshots
 * with the same settings (the server, per tenant) resolves them once and passes the result to
 * `assess`; the engine keeps no memo of its own.
 */
export interface ResolvedAssessSettings extends AssessSettings {
  readonly lookups: AssessSettingsLookups;
}

/** The one implementation, so that `assess` can tell resolved settings from partial ones. */
class ResolvedSettings implements ResolvedAssessSettings {
  readonly patchAgeDays: PatchAgeThresholds;
  readonly knownStores: readonly string[];
  readonly trustedSigners: readonly string[];
  readonly knownNetworks: readonly KnownNetwork[];
  readonly allowedProxyHosts: readonly string[];
  readonly trustedDnsServers: readonly string[];
  readonly trustedCaSha256: readonly string[];
  readonly allowedProfileIds: readonly string[];
  readonly gatewayChangeWindowHours: number;
  readonly requireAttestation: boolean;
  readonly lookups: AssessSettingsLookups;

  constructor(settings: AssessSettings) {
    this.patchAgeDays = settings.patchAgeDays;
    this.knownStores = settings.knownStores;
    this.trustedSigners = settings.trustedSigners;
    this.knownNetworks = settings.knownNetworks;
    this.allowedProxyHosts = settings.allowedProxyHosts;
    this.trustedDnsServers = settings.trustedDnsServers;
    this.trustedCaSha256 = settings.trustedCaSha256;
    this.allowedProfileIds = settings.allowedProfileIds;
    this.gatewayChangeWindowHours = settings.gatewayChangeWindowHours;
    this.requireAttestation = settings.requireAttestation;
    this.lookups = Object.freeze({
      knownStores: new Set(settings.knownStores),
      trustedSigners: new Set(settings.trustedSigners.map((sha) => sha.toLowerCase())),
      trustedCaSha256: new Set(settings.trustedCaSha256.map((sha) => sha.toLowerCase())),
      allowedProfileIds: new Set(settings.allowedProfileIds),
    });
    Object.freeze(this);
  }
}

/**
 * Merges partial tenant settings over the defaults (arrays replace, `patchAgeDays` merges) and
 * builds the lookup sets. The result is a snapshot of `partial`: later changes to it are not seen.
 */
export function resolveAssessSettings(partial: Partial<AssessSettings> = {}): ResolvedAssessSettings {
  return new ResolvedSettings({
    ...DEFAULT_ASSESS_SETTINGS,
    ...partial,
    patchAgeDays: { ...DEFAULT_ASSESS_SETTINGS.patchAgeDays, ...partial.patchAgeDays },
  });
}

/** Whether `settings` came from {@link resolveAssessSettings} (a copy or a spread did not). */
export function isResolvedAssessSettings(
  settings: Partial<AssessSettings> | ResolvedAssessSettings,
): settings is ResolvedAssessSettings {
  return settings instanceof ResolvedSettings;
}

/** The defaults, resolved (an immutable constant). */
export const RESOLVED_DEFAULT_SETTINGS: ResolvedAssessSettings = resolveAssessSettings();
