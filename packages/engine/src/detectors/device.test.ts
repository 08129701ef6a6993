import { describe, expect, it } from 'vitest';
import {
  cleanAndroidSnapshot,
  cleanIosSnapshot,
  detectorContext,
  keysOf,
} from '../../test-support/snapshots.ts';
import type { Integrity } from '../schema/device.ts';
import { detectAttestation, detectDeviceIntegrity } from './device.ts';

const base = cleanAndroidSnapshot();
const withIntegrity = (integrity: Partial<Integrity>) => ({
  ...base,
  integrity: { ...base.integrity, ...integrity },
});

describe('detectDeviceIntegrity', () => {
  it.each<[string, Partial<Integrity>, string[]]>([
    ['clean', {}, []],
    ['unknown flags raise nothing', { rooted: undefined, screenLock: undefined, encrypted: undefined }, []],
    ['rooted', { rooted: true, rootIndicators: ['su at /system/xbin/su'] }, ['device.rooted']],
    ['jailbroken', { jailbroken: true }, ['device.jailbroken']],
    [
      'bootloader unlocked, orange boot',
      { bootloaderLocked: false, verifiedBootState: 'orange' },
      ['device.bootloader-unlocked', 'device.boot-not-verified'],
    ],
    ['yellow boot', { verifiedBootState: 'yellow' }, ['device.boot-not-verified']],
    ['unknown boot state', { verifiedBootState: 'unknown' }, []],
    ['selinux permissive', { selinux: 'permissive' }, ['device.selinux-permissive']],
    ['selinux disabled', { selinux: 'disabled' }, ['device.selinux-permissive']],
    ['developer options', { developerOptions: true }, ['device.developer-options']],
    ['usb debugging', { usbDebugging: true }, ['device.usb-debugging']],
    ['unknown sources', { unknownSources: true }, ['device.unknown-sources']],
    ['no screen lock', { screenLock: false }, ['device.no-screen-lock']],
    ['not encrypted', { encrypted: false }, ['device.not-encrypted']],
  ])('%s', (_name, integrity, expected) => {
    expect(keysOf(detectDeviceIntegrity(detectorContext(withIntegrity(integrity))))).toEqual(expected);
  });

  it('lists root indicators as evidence', () => {
    const [finding] = detectDeviceIntegrity(
      detectorContext(withIntegrity({ rooted: true, rootIndicators: ['magisk'] })),
    );
    expect(finding?.evidence.map((e) => e.observed)).toEqual(['rooted=true', 'magisk']);
  });

  it('is clean on a clean iOS snapshot', () => {
    expect(detectDeviceIntegrity(detectorContext(cleanIosSnapshot()))).toEqual([]);
  });
});

describe('detectAttestation', () => {
  it.each<[string, Partial<Integrity>, boolean, string[]]>([
    ['pass', {}, true, []],
    ['unverified is left to the server', { attestation: { verdict: 'unverified' } }, true, []],
    [
      'fail',
      { attestation: { verdict: 'fail', reason: 'chain not rooted in Google' } },
      true,
      ['device.attestation-failed'],
    ],
    ['absent, required', { attestation: undefined }, true, ['device.attestation-missing']],
    [
      'unavailable, required',
      { attestation: { verdict: 'unavailable' } },
      true,
      ['device.attestation-missing'],
    ],
    ['absent, not required', { attestation: undefined }, false, []],
    [
      'attested bootloader unlocked while reported locked',
      { attestation: { verdict: 'pass', attestedBootloaderLocked: false } },
      true,
      ['device.attestation-mismatch'],
    ],
    [
      'attested boot state differs',
      { attestation: { verdict: 'pass', attestedVerifiedBootState: 'orange' } },
      true,
      ['device.attestation-mismatch'],
    ],
    [
      'attested values agree',
      {
        attestation: {
          verdict: 'pass',
          attestedBootloaderLocked: true,
          attestedVerifiedBootState: 'green',
          attestedSecurityPatch: '2026-11-05',
          attestedOsVersion: '16',
        },
      },
      true,
      [],
    ],
    [
      'attested patch month differs',
      { attestation: { verdict: 'pass', attestedSecurityPatch: '2024-01-01' } },
      true,
      ['device.attestation-mismatch'],
    ],
  ])('%s', (_name, integrity, requireAttestation, expected) => {
    const ctx = detectorContext(withIntegrity(integrity), { settings: { requireAttestation } });
    expect(keysOf(detectAttestation(ctx))).toEqual(expected);
  });
});
