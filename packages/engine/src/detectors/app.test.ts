import { describe, expect, it } from 'vitest';
import {
  cleanAndroidSnapshot,
  cleanApp,
  cleanIosSnapshot,
  detectorContext,
  type FakeIndicator,
  fakeIntel,
  keysOf,
} from '../../test-support/snapshots.ts';
import type { Provenance } from '../types.ts';
import { detectMaliciousApps, detectMaliciousProcesses } from './app.ts';

const truthspy: Provenance = {
  feed: 'stalkerware-indicators',
  family: 'TheTruthSpy',
  category: 'stalkerware',
  source: 'ioc.yaml',
};
const cerberus: Provenance = { feed: 'maltrail', family: 'cerberus', category: 'banking-trojan' };
const pegasus: Provenance = { feed: 'mvt:NSO', family: 'Pegasus', category: 'spyware' };
const adware: Provenance = { feed: 'list', category: 'adware' };

const SHA1 = '31a6ececd97cf39bc4126b8745cd94a7c30bf81c';
const SHA256 = `${'ab'.repeat(31)}01`;
const APK = `${'ef'.repeat(31)}02`;

const intel = fakeIntel([
  ['app-id', 'com.apspy.app', truthspy],
  ['cert-sha1', SHA1, truthspy],
  ['cert-sha256', SHA256, cerberus],
  ['file-sha256', APK, adware],
  ['process', 'bh', pegasus],
] satisfies FakeIndicator[]);

describe('detectMaliciousApps', () => {
  it.each([
    ['clean android snapshot', [], []],
    ['by package id', [cleanApp({ id: 'com.apspy.app' })], ['app.stalkerware:com.apspy.app']],
    [
      'by package id, case-insensitive',
      [cleanApp({ id: 'COM.apspy.App' })],
      ['app.stalkerware:COM.apspy.App'],
    ],
    [
      'by cert SHA-1 (upper-case hex)',
      [cleanApp({ id: 'x.y', certSha1: SHA1.toUpperCase() })],
      ['app.stalkerware:x.y'],
    ],
    [
      'by cert SHA-256',
      [cleanApp({ id: 'bank.fake', certSha256: SHA256 })],
      ['app.banking-trojan:bank.fake'],
    ],
    ['by APK SHA-256', [cleanApp({ id: 'free.game', fileSha256: APK })], ['app.adware:free.game']],
    [
      'apps sharing a signer, consecutive or not, each flagged',
      [
        cleanApp({ id: 'a.one', certSha1: SHA1 }),
        cleanApp({ id: 'a.two', certSha1: SHA1 }),
        cleanApp({ id: 'a.three' }),
        cleanApp({ id: 'a.four', certSha1: SHA1.toUpperCase() }),
        cleanApp({ id: 'a.five', certSha1: SHA1 }),
        cleanApp({ id: 'a.six' }),
      ],
      ['app.stalkerware:a.one', 'app.stalkerware:a.two', 'app.stalkerware:a.four', 'app.stalkerware:a.five'],
    ],
    [
      'two categories on one app give two findings',
      [cleanApp({ id: 'com.apspy.app', certSha256: SHA256 })],
      ['app.stalkerware:com.apspy.app', 'app.banking-trojan:com.apspy.app'],
    ],
  ])('%s', (_name, apps, expected) => {
    const snapshot = cleanAndroidSnapshot();
    const findings = detectMaliciousApps(
      detectorContext({ ...snapshot, apps: [...snapshot.apps, ...apps] }, { intel }),
    );
    expect(keysOf(findings)).toEqual(expected);
  });

  it('merges evidence of package and certificate matches and keeps the family and provenance', () => {
    const app = cleanApp({ id: 'com.apspy.app', name: 'Copy9', certSha1: SHA1 });
    const [finding] = detectMaliciousApps(detectorContext(cleanAndroidSnapshot({ apps: [app] }), { intel }));
    expect(finding?.family).toBe('TheTruthSpy');
    expect(finding?.summary).toContain('TheTruthSpy');
    expect(finding?.params).toMatchObject({ app: 'Copy9', family: 'TheTruthSpy' });
    expect(finding?.evidence.map((e) => [e.subject, e.indicatorKind, e.provenance?.feed])).toEqual([
      ['app', 'app-id', 'stalkerware-indicators'],
      ['certificate', 'cert-sha1', 'stalkerware-indicators'],
    ]);
  });
});

describe('detectMaliciousProcesses', () => {
  it.each([
    ['no processes', undefined, []],
    ['clean processes', ['launchd', 'SpringBoard'], []],
    ['spyware process', ['launchd', 'bh'], ['app.spyware:process:bh']],
  ])('%s', (_name, processes, expected) => {
    const snapshot = cleanIosSnapshot(processes ? { processes } : {});
    const findings = detectMaliciousProcesses(detectorContext(snapshot, { intel }));
    expect(keysOf(findings)).toEqual(expected);
    if (expected.length > 0) expect(findings[0]?.family).toBe('Pegasus');
  });
});
