import { describe, expect, it } from 'vitest';
import {
  cleanAndroidSnapshot,
  cleanApp,
  cleanIosSnapshot,
  cleanNetwork,
  detectorContext,
  keysOf,
} from '../../test-support/snapshots.ts';
import { buildIntelIndex } from '../intel/index-builder.ts';
import { parseIntelFile } from '../intel/parsers/detect.ts';
import { detectMaliciousApps } from './app.ts';
import { detectProfiles } from './network-trust.ts';
import { detectDomainsAndConnections } from './web.ts';

// Indicators as a write-up lists them (APK SHA-1 / MD5 only, C2 addresses), through the real index.
const writeup = parseIntelFile(
  [
    '# FooSpy spyware IOCs',
    'SHA-1: 3A4B5C6D7E8F90123456789ABCDEF0123456789A',
    'MD5: 0123456789abcdef0123456789abcdef',
    'C2: 185.220.101[.]45 and 2a0b:4d07:2::1',
  ].join('\n'),
  'FooSpy/README.md',
);
const intel = buildIntelIndex([writeup]);
const at = '2026-11-25T17:00:00.000Z';

describe('APK SHA-1 and MD5', () => {
  it.each([
    ['SHA-1 (upper case in the report)', { fileSha1: '3a4b5c6d7e8f90123456789abcdef0123456789a' }, 2],
    ['MD5', { fileMd5: '0123456789ABCDEF0123456789ABCDEF' }, 3],
  ])('an app whose %s is listed is spyware of the family', (_name, hashes, line) => {
    const snapshot = cleanAndroidSnapshot({ apps: [cleanApp({ id: 'com.innocent.name', ...hashes })] });
    const findings = detectMaliciousApps(detectorContext(snapshot, { intel }));
    expect(keysOf(findings)).toEqual(['app.spyware:com.innocent.name']);
    expect(findings[0]?.family).toBe('FooSpy');
    expect(findings[0]?.evidence[0]).toMatchObject({
      subject: 'apk',
      provenance: { feed: 'report:FooSpy', source: `FooSpy/README.md:${line}` },
    });
  });

  it('a clean app with other hashes raises nothing', () => {
    const snapshot = cleanAndroidSnapshot({
      apps: [cleanApp({ id: 'com.clean', fileSha1: 'b'.repeat(40), fileMd5: 'c'.repeat(32) })],
    });
    expect(detectMaliciousApps(detectorContext(snapshot, { intel }))).toEqual([]);
  });
});

describe('IP indicators and DNS answers', () => {
  it('an address a DNS answer gave is C2 contact, like a connection', () => {
    const snapshot = cleanAndroidSnapshot({
      visitedDomains: [{ domain: 'innocent-looking.net', at, answers: ['185.220.101.45'] }],
    });
    const findings = detectDomainsAndConnections(detectorContext(snapshot, { intel }));
    expect(keysOf(findings)).toEqual(['network.c2-contact:185.220.101.45']);
    expect(findings[0]?.evidence[0]).toMatchObject({ subject: 'dns-answer', observed: '185.220.101.45' });
  });

  it('IPv6 connections match, and each address is reported once', () => {
    const snapshot = cleanAndroidSnapshot({
      visitedDomains: [{ domain: 'x.net', at, answers: ['2A0B:4D07:2::1'] }],
      connections: [{ ip: '2a0b:4d07:2::1' }, { ip: '8.8.8.8' }],
    });
    expect(keysOf(detectDomainsAndConnections(detectorContext(snapshot, { intel })))).toEqual([
      'network.c2-contact:2a0b:4d07:2::1',
    ]);
  });

  it('answers that are not listed raise nothing', () => {
    const snapshot = cleanAndroidSnapshot({
      visitedDomains: [{ domain: 'x.net', at, answers: ['1.1.1.1'] }],
    });
    expect(detectDomainsAndConnections(detectorContext(snapshot, { intel }))).toEqual([]);
  });
});

describe('configuration-profile indicators', () => {
  const profiles = buildIntelIndex([
    parseIntelFile(
      '3b4a7cbd-8bde-4e5e-9d35-8b4e1a4c3d2e\ncom.evil.profile\n',
      'Predator/config_profiles.txt',
    ),
  ]);
  it.each([
    ['identifier', { identifier: 'com.evil.profile', uuid: '11111111-2222-3333-4444-555555555555' }],
    [
      'UUID (as MVT matches)',
      { identifier: 'com.innocent.vpn', uuid: '3B4A7CBD-8BDE-4E5E-9D35-8B4E1A4C3D2E' },
    ],
  ])('matches the %s', (_name, profile) => {
    const snapshot = cleanIosSnapshot({
      network: cleanNetwork({ iosProfiles: [{ ...profile, managed: true }] }),
    });
    const findings = detectProfiles(detectorContext(snapshot, { intel: profiles }));
    expect(keysOf(findings)).toEqual([`network.malicious-profile:${profile.identifier}`]);
    expect(findings[0]?.family).toBe('Predator');
  });

  it('a managed profile listed nowhere raises nothing', () => {
    const snapshot = cleanIosSnapshot({
      network: cleanNetwork({ iosProfiles: [{ identifier: 'com.corp.wifi', uuid: 'abc', managed: true }] }),
    });
    expect(detectProfiles(detectorContext(snapshot, { intel: profiles }))).toEqual([]);
  });
});
