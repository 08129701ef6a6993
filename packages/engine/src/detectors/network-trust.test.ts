import { describe, expect, it } from 'vitest';
import {
  cleanIosSnapshot,
  cleanNetwork,
  detectorContext,
  fakeIntel,
  keysOf,
} from '../../test-support/snapshots.ts';
import type { CaCertificate, IosProfile } from '../schema/network.ts';
import { detectProfiles, detectUntrustedCa } from './network-trust.ts';
import type { AssessSettings } from './types.ts';

const CA = 'c0'.repeat(32);
const intel = fakeIntel([
  ['profile-id', 'com.evil.profile', { feed: 'mvt:Test', family: 'Predator', category: 'spyware' }],
]);

describe('detectUntrustedCa', () => {
  it.each<[string, CaCertificate[], Partial<AssessSettings>, string[]]>([
    ['none', [], {}, []],
    [
      'user CA',
      [{ sha256: CA.toUpperCase(), subject: 'CN=Charles Proxy' }],
      {},
      [`network.untrusted-ca:${CA}`],
    ],
    ['managed CA', [{ sha256: CA, subject: 'CN=Corp Root', managed: true }], {}, []],
    [
      'tenant-trusted CA',
      [{ sha256: CA, subject: 'CN=Corp Root' }],
      { trustedCaSha256: [CA.toUpperCase()] },
      [],
    ],
  ])('%s', (_name, cas, settings, expected) => {
    const snapshot = cleanIosSnapshot({ network: cleanNetwork({ userCaCertificates: cas }) });
    expect(keysOf(detectUntrustedCa(detectorContext(snapshot, { settings })))).toEqual(expected);
  });
});

describe('detectProfiles', () => {
  it.each<[string, IosProfile[], Partial<AssessSettings>, string[], string | undefined]>([
    ['none', [], {}, [], undefined],
    [
      'harmless user profile',
      [{ identifier: 'com.example.wifi', payloadTypes: ['com.apple.wifi.managed'] }],
      {},
      [],
      undefined,
    ],
    [
      'profile in intel',
      [{ identifier: 'com.evil.profile', managed: true }],
      {},
      ['network.malicious-profile:com.evil.profile'],
      undefined,
    ],
    [
      'user profile with a root CA payload',
      [{ identifier: 'com.x.ca', payloadTypes: ['com.apple.security.root'] }],
      {},
      ['network.malicious-profile:com.x.ca'],
      'medium',
    ],
    [
      'MDM profile with a root CA payload',
      [{ identifier: 'com.corp.ca', managed: true, payloadTypes: ['com.apple.security.root'] }],
      {},
      [],
      undefined,
    ],
    [
      'allow-list set, unlisted profile',
      [{ identifier: 'com.example.wifi' }],
      { allowedProfileIds: ['com.corp.vpn'] },
      ['network.malicious-profile:com.example.wifi'],
      'medium',
    ],
    [
      'allow-list set, listed profile',
      [{ identifier: 'com.corp.vpn', payloadTypes: ['com.apple.vpn.managed'] }],
      { allowedProfileIds: ['com.corp.vpn'] },
      [],
      undefined,
    ],
  ])('%s', (_name, profiles, settings, expected, risk) => {
    const snapshot = cleanIosSnapshot({ network: cleanNetwork({ iosProfiles: profiles }) });
    const findings = detectProfiles(detectorContext(snapshot, { intel, settings }));
    expect(keysOf(findings)).toEqual(expected);
    expect(findings[0]?.risk).toBe(risk);
  });

  it('keeps the intel family', () => {
    const snapshot = cleanIosSnapshot({
      network: cleanNetwork({ iosProfiles: [{ identifier: 'com.evil.profile' }] }),
    });
    expect(detectProfiles(detectorContext(snapshot, { intel }))[0]?.family).toBe('Predator');
  });
});
