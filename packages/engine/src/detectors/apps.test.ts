import { describe, expect, it } from 'vitest';
import { cleanAndroidSnapshot, cleanApp, detectorContext, fakeIntel } from '../../test-support/snapshots.ts';
import type { App } from '../schema/app.ts';
import type { Provenance } from '../types.ts';
import { detectMaliciousApps } from './app.ts';
import { detectAppProvenance, detectDangerousPermissions } from './app-rules.ts';
import { detectAppThreats } from './apps.ts';
import type { AssessSettings, Finding } from './types.ts';

const truthspy: Provenance = {
  feed: 'stalkerware-indicators',
  family: 'TheTruthSpy',
  category: 'stalkerware',
};
const adware: Provenance = { feed: 'list', category: 'adware' };
const PLATFORM = 'cd'.repeat(32);
const intel = fakeIntel([
  ['app-id', 'com.apspy.app', truthspy],
  ['cert-sha256', PLATFORM, adware],
  ['file-sha256', 'ef'.repeat(32), adware],
]);

/** Findings in a fixed order (the fused detector goes app by app, the others detector by detector). */
const sorted = (findings: readonly Finding[]) =>
  findings.map((f) => JSON.stringify(f)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

const apps: App[] = [
  cleanApp({ id: 'com.android.a', system: true, installer: null, certSha256: PLATFORM }),
  cleanApp({ id: 'com.android.b', system: true, installer: null, certSha256: PLATFORM }),
  cleanApp({ id: 'com.apspy.app', installer: null }),
  cleanApp({ id: 'com.store.app', installer: 'com.android.vending', fileSha256: 'ef'.repeat(32) }),
  cleanApp({ id: 'a.debug', certSubject: 'CN=Android Debug,O=Android,C=US' }),
  cleanApp({
    id: 'a.trojan',
    installer: 'com.android.vending',
    specialAccess: ['accessibility', 'overlay'],
    permissions: ['android.permission.READ_SMS'],
  }),
  cleanApp({
    id: 'a.system.admin',
    system: true,
    specialAccess: ['accessibility', 'device-admin', 'default-sms'],
  }),
  cleanApp({ id: 'com.apspy.app', installer: 'com.google.android.documentsui' }),
];

describe('detectAppThreats', () => {
  it.each<[string, Partial<AssessSettings>]>([
    ['default settings', {}],
    ['trusted signers', { trustedSigners: ['aa'.repeat(32)] }],
  ])('finds what the three app detectors find, with %s', (_name, settings) => {
    const ctx = detectorContext(cleanAndroidSnapshot({ apps }), { intel, settings });
    const separate = [
      ...detectMaliciousApps(ctx),
      ...detectAppProvenance(ctx),
      ...detectDangerousPermissions(ctx),
    ];
    const fused = detectAppThreats(ctx);
    expect(fused.length).toBeGreaterThanOrEqual(8);
    expect(sorted(fused)).toEqual(sorted(separate));
  });
});
