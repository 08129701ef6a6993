import { readFileSync } from 'node:fs';
import { FormatRegistry } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { ALL_ROOTS, chainNamed, STATUS_JSON } from '../../test-support/attestation.ts';
import { AttestationSchema } from '../schema/device.ts';
import { formatOsVersion, formatPatchLevel } from './facts.ts';
import { attestationFindings, type ReportedDeviceFacts } from './findings.ts';
import { parseRevocationList } from './revocation.ts';
import { toSnapshotAttestation } from './snapshot.ts';
import type { AttestationResult } from './types.ts';
import { verifyAttestation } from './verify.ts';

const REVOCATIONS = parseRevocationList(readFileSync(STATUS_JSON, 'utf8'));

const verified = (name: string, at: string): Promise<AttestationResult> =>
  verifyAttestation({
    chain: [chainNamed(name).pem],
    now: new Date(at),
    roots: ALL_ROOTS,
    revocations: REVOCATIONS,
  });

const typeIds = (result: AttestationResult, reported: ReportedDeviceFacts = {}) =>
  attestationFindings(result, reported).map((finding) => finding.typeId);

describe('facts formatting', () => {
  it.each([
    [140000, '14.0.0'],
    [90000, '9.0.0'],
    [130201, '13.2.1'],
    [0, undefined],
    [undefined, undefined],
  ])('osVersion %s → %s', (value, expected) => {
    expect(formatOsVersion(value)).toBe(expected);
  });

  it.each([
    [202408, '2024-08'],
    [20240805, '2024-08-05'],
    [0, undefined],
    [2024, undefined],
  ])('patch level %s → %s', (value, expected) => {
    expect(formatPatchLevel(value)).toBe(expected);
  });
});

describe('attestationFindings', () => {
  it('a locked, verified device (Sony, 2016 root) raises nothing when the report agrees', async () => {
    const result = await verified('sony-xperia10-iii/sdk33/TEE_EC.pem', '2023-09-01T00:00:00Z');
    expect(result.facts).toMatchObject({
      osVersion: '13.0.0',
      patchLevel: '2023-07',
      bootloaderLocked: true,
      verifiedBootColor: 'green',
    });
    expect(typeIds(result, { osVersion: '13', patchLevel: '2023-07-01' })).toEqual([]);
  });

  it('an unlocked device raises bootloader-unlocked and boot-not-verified', async () => {
    const result = await verified('akita/sdk34/TEE_EC_NONE.pem', '2024-10-01T00:00:00Z');
    expect(result.verdict).toBe('verified');
    expect(typeIds(result)).toEqual(['device.bootloader-unlocked', 'device.boot-not-verified']);
  });

  it('an agent hiding the unlocked bootloader is caught lying', async () => {
    const result = await verified('akita/sdk34/TEE_EC_NONE.pem', '2024-10-01T00:00:00Z');
    const reported = {
      bootloaderLocked: true,
      verifiedBootState: 'green',
      osVersion: '14',
      patchLevel: '2024-08-05',
    } as const;
    expect(typeIds(result, reported)).toEqual([
      'device.bootloader-unlocked',
      'device.boot-not-verified',
      'device.attestation-mismatch',
    ]);
    const mismatch = attestationFindings(result, reported).at(-1);
    expect(mismatch?.evidence.map((e) => e.observed)).toEqual(['bootloaderLocked', 'verifiedBootState']);
  });

  it.each([
    ['agreeing report', { osVersion: '16', patchLevel: '2025-11-05' }, []],
    ['full version string', { osVersion: '16.0.0' }, []],
    ['older OS claimed', { osVersion: '15' }, ['device.attestation-mismatch']],
    ['newer patch claimed', { patchLevel: '2026-01-05' }, ['device.attestation-mismatch']],
    ['nothing reported', {}, []],
    ['lock state agrees', { bootloaderLocked: true, verifiedBootState: 'green' }, []],
    ['unlocked claimed locked', { bootloaderLocked: false }, ['device.attestation-mismatch']],
    ['boot colour contradicts', { verifiedBootState: 'orange' }, ['device.attestation-mismatch']],
    ['unknown boot colour is no claim', { verifiedBootState: 'unknown' }, []],
  ] as const)('caiman (Android 16, 2025-11): %s', async (_label, reported, expected) => {
    const result = await verified('caiman/sdk36/TEE_EC_RKP.pem', '2025-09-26T00:00:00Z');
    expect(typeIds(result, reported)).toEqual(expected);
  });

  it('mismatch evidence carries both values', async () => {
    const result = await verified('caiman/sdk36/TEE_EC_RKP.pem', '2025-09-26T00:00:00Z');
    const [finding] = attestationFindings(result, { osVersion: '17', patchLevel: '2026-02-01' });
    expect(finding?.evidence).toEqual([
      { subject: 'attestation', observed: 'osVersion', detail: { reported: '17', attested: '16.0.0' } },
      {
        subject: 'attestation',
        observed: 'patchLevel',
        detail: { reported: '2026-02-01', attested: '2025-11' },
      },
    ]);
  });

  it('a refused chain raises only attestation-failed, one evidence item per reason', async () => {
    const result = await verified('marlin/sdk29/TEE_EC_NONE.pem', '2017-01-01T00:00:00Z');
    const findings = attestationFindings(result, { osVersion: '99' });
    expect(findings.map((f) => f.typeId)).toEqual(['device.attestation-failed']);
    expect(findings[0]?.evidence.map((e) => e.observed).sort()).toEqual([
      'software-keystore',
      'untrusted-root',
    ]);
    expect(findings[0]?.subject).toBe('android-key-attestation');
  });
});

describe('toSnapshotAttestation', () => {
  // TypeBox checks string formats only when registered (the server registers them at start).
  if (!FormatRegistry.Has('date-time'))
    FormatRegistry.Set('date-time', (value) => !Number.isNaN(Date.parse(value)));

  it('fills the schema fields from a verified chain', async () => {
    const result = await verified('caiman/sdk36/TEE_EC_RKP.pem', '2025-09-26T00:00:00Z');
    const snapshot = toSnapshotAttestation(result, new Date('2025-09-26T00:00:00Z'));
    expect(snapshot).toEqual({
      verdict: 'pass',
      method: 'android-key-attestation',
      securityLevel: 'trusted-environment',
      attestedBootloaderLocked: true,
      attestedVerifiedBootState: 'green',
      attestedSecurityPatch: '2025-11-05',
      attestedOsVersion: '16.0.0',
      checkedAt: '2025-09-26T00:00:00.000Z',
    });
    expect([...Value.Errors(AttestationSchema, snapshot)]).toEqual([]);
  });

  it('keeps only the verdict and reasons of a refused chain', async () => {
    const result = await verified('marlin/sdk29/TEE_EC_NONE.pem', '2017-01-01T00:00:00Z');
    const snapshot = toSnapshotAttestation(result, new Date('2017-01-01T00:00:00Z'));
    expect(snapshot).toMatchObject({ verdict: 'fail', securityLevel: 'software' });
    expect(snapshot.reason).toMatch(/untrusted-root/);
    expect(snapshot.attestedBootloaderLocked).toBeUndefined();
    expect([...Value.Errors(AttestationSchema, snapshot)]).toEqual([]);
  });
});
