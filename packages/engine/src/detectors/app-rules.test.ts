import { describe, expect, it } from 'vitest';
import {
  cleanAndroidSnapshot,
  cleanApp,
  cleanIosSnapshot,
  detectorContext,
  keysOf,
} from '../../test-support/snapshots.ts';
import type { App } from '../schema/app.ts';
import { detectAppProvenance, detectDangerousPermissions } from './app-rules.ts';
import type { AssessSettings } from './types.ts';

const TRUSTED = 'aa'.repeat(32);

describe('detectAppProvenance', () => {
  it.each<[string, App[], Partial<AssessSettings>, string[]]>([
    ['clean snapshot', cleanAndroidSnapshot().apps, {}, []],
    ['store install', [cleanApp({ id: 'a.b', installer: 'com.android.vending' })], {}, []],
    ['unknown installer (absent) is not flagged', [{ id: 'a.b' }], {}, []],
    ['system app without installer', [cleanApp({ id: 'a.b', installer: null, system: true })], {}, []],
    ['no installer (adb)', [cleanApp({ id: 'a.b', installer: null })], {}, ['app.sideloaded:a.b']],
    [
      'mixed installers in a row, each judged on its own',
      [
        cleanApp({ id: 'a.one', installer: 'com.android.vending' }),
        cleanApp({ id: 'a.two', installer: 'com.android.vending' }),
        cleanApp({ id: 'a.three', installer: 'com.google.android.documentsui' }),
        cleanApp({ id: 'a.four', installer: 'com.google.android.documentsui' }),
        cleanApp({ id: 'a.five', installer: null }),
        cleanApp({ id: 'a.six', installer: 'com.android.vending' }),
        cleanApp({ id: 'a.seven', installer: 'com.google.android.documentsui', system: true }),
        cleanApp({ id: 'a.eight', installer: 'com.google.android.documentsui' }),
      ],
      {},
      ['app.sideloaded:a.three', 'app.sideloaded:a.four', 'app.sideloaded:a.five', 'app.sideloaded:a.eight'],
    ],
    [
      'file manager install',
      [cleanApp({ id: 'a.b', installer: 'com.google.android.documentsui' })],
      {},
      ['app.sideloaded:a.b'],
    ],
    [
      'iOS enterprise app',
      [cleanApp({ id: 'com.corp.tool', installer: 'enterprise' })],
      {},
      ['app.sideloaded:com.corp.tool'],
    ],
    [
      'tenant-added store',
      [cleanApp({ id: 'a.b', installer: 'org.fdroid.fdroid' })],
      { knownStores: ['org.fdroid.fdroid'] },
      [],
    ],
    [
      'debug-signed app',
      [cleanApp({ id: 'a.b', certSubject: 'CN=Android Debug,O=Android,C=US' })],
      {},
      ['app.unknown-signer:a.b'],
    ],
    [
      'AOSP test key signed app',
      [cleanApp({ id: 'a.b', certSubject: 'EMAILADDRESS=android@android.com, CN=Android, O=Android' })],
      {},
      ['app.unknown-signer:a.b'],
    ],
    [
      'sideloaded with untrusted signer when trusted signers are set',
      [cleanApp({ id: 'a.b', installer: null, certSha256: 'ee'.repeat(32) })],
      { trustedSigners: [TRUSTED] },
      ['app.sideloaded:a.b', 'app.unknown-signer:a.b'],
    ],
    [
      'sideloaded with a trusted signer',
      [cleanApp({ id: 'a.b', installer: null, certSha256: TRUSTED.toUpperCase() })],
      { trustedSigners: [TRUSTED] },
      ['app.sideloaded:a.b'],
    ],
  ])('%s', (_name, apps, settings, expected) => {
    const findings = detectAppProvenance(detectorContext(cleanAndroidSnapshot({ apps }), { settings }));
    expect(keysOf(findings)).toEqual(expected);
  });

  it('is clean on a clean iOS snapshot', () => {
    expect(detectAppProvenance(detectorContext(cleanIosSnapshot()))).toEqual([]);
  });
});

const SMS = 'android.permission.RECEIVE_SMS';
const OVERLAY = 'android.permission.SYSTEM_ALERT_WINDOW';

describe('detectDangerousPermissions', () => {
  it.each<[string, Partial<App>, boolean]>([
    ['no special access', { permissions: [SMS, OVERLAY] }, false],
    ['accessibility alone', { specialAccess: ['accessibility'] }, false],
    ['accessibility + SMS', { specialAccess: ['accessibility'], permissions: [SMS] }, false],
    [
      'accessibility + device admin, no messages',
      { specialAccess: ['accessibility', 'device-admin'] },
      false,
    ],
    [
      'accessibility + SMS + device admin',
      { specialAccess: ['accessibility', 'device-admin'], permissions: [SMS] },
      true,
    ],
    [
      'accessibility + overlay permission + SMS',
      { specialAccess: ['accessibility'], permissions: [SMS, OVERLAY] },
      true,
    ],
    [
      'device admin + overlay + default SMS',
      { specialAccess: ['device-admin', 'overlay', 'default-sms'] },
      true,
    ],
    [
      'accessibility + device admin + notification listener',
      { specialAccess: ['accessibility', 'device-admin', 'notification-listener'] },
      true,
    ],
    [
      'system app is skipped',
      { system: true, specialAccess: ['accessibility', 'device-admin'], permissions: [SMS] },
      false,
    ],
  ])('%s', (_name, fields, flagged) => {
    const app = cleanApp({ id: 'x.y', name: 'Helper', ...fields });
    const findings = detectDangerousPermissions(detectorContext(cleanAndroidSnapshot({ apps: [app] })));
    expect(keysOf(findings)).toEqual(flagged ? ['app.dangerous-permissions:x.y'] : []);
    if (flagged) expect(findings[0]?.params?.combination).toMatch(/\+/);
  });

  it('is clean on the clean snapshot', () => {
    expect(detectDangerousPermissions(detectorContext(cleanAndroidSnapshot()))).toEqual([]);
  });
});
