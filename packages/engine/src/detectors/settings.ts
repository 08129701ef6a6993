import type { AssessSettings } from './types.ts';

/** Defaults used when a tenant has not configured a setting. */
export const DEFAULT_ASSESS_SETTINGS: AssessSettings = {
  patchAgeDays: { low: 60, medium: 120, high: 180 },
  knownStores: [
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
  ],
  trustedSigners: [],
  knownNetworks: [],
  allowedProxyHosts: [],
  trustedDnsServers: [],
  trustedCaSha256: [],
  allowedProfileIds: [],
  gatewayChangeWindowHours: 24,
  requireAttestation: false,
};

/** Merges partial tenant settings over the defaults (arrays replace, `patchAgeDays` merges). */
export function resolveAssessSettings(partial: Partial<AssessSettings> = {}): AssessSettings {
  return {
    ...DEFAULT_ASSESS_SETTINGS,
    ...partial,
    patchAgeDays: { ...DEFAULT_ASSESS_SETTINGS.patchAgeDays, ...partial.patchAgeDays },
  };
}
