import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import * as x509 from '@peculiar/x509';
import { describe, expect, it } from 'vitest';
import {
  ALL_ROOTS,
  type ChainFixture,
  chainNamed,
  loadChains,
  rootNamed,
  STATUS_JSON,
} from '../../test-support/attestation.ts';
import { normalizeSerial, parseAttestationChain } from './chain.ts';
import { KEY_DESCRIPTION_OID } from './key-description.ts';
import { EMPTY_REVOCATION_LIST, parseRevocationList } from './revocation.ts';
import type { AttestationReasonCode, AttestationResult } from './types.ts';
import { parseTrustedRoots, verifyAttestation } from './verify.ts';

const REVOCATIONS = parseRevocationList(readFileSync(STATUS_JSON, 'utf8'));

const codes = (result: AttestationResult): AttestationReasonCode[] =>
  [...new Set(result.reasons.map((r) => r.code))].sort();

/** A time inside every certificate's validity: one minute after the latest notBefore. */
function insideValidity(pem: string): Date {
  const certificates = parseAttestationChain([pem]);
  const latestStart = Math.max(...certificates.map((c) => c.notBefore.getTime()));
  const earliestEnd = Math.min(...certificates.slice(0, -1).map((c) => c.notAfter.getTime()));
  const now = new Date(latestStart + 60_000);
  if (now.getTime() >= earliestEnd) throw new Error('no common validity window');
  return now;
}

const verify = (
  chain: ChainFixture | string,
  now: Date,
  extra: Partial<Parameters<typeof verifyAttestation>[0]> = {},
) =>
  verifyAttestation({
    chain: [typeof chain === 'string' ? chain : chain.pem],
    now,
    roots: ALL_ROOTS,
    revocations: REVOCATIONS,
    ...extra,
  });

/** Chains that end in a Google hardware root and carry a well-formed hardware KeyDescription. */
const GOOGLE_CHAINS = loadChains().filter(
  (chain) =>
    chain.expected !== undefined &&
    chain.expected.attestationSecurityLevel !== 'SOFTWARE' &&
    !chain.name.startsWith('invalid/'),
);

describe('verifyAttestation: genuine chains', () => {
  it('covers every Google-rooted fixture family', () => {
    expect(GOOGLE_CHAINS.map((c) => c.name.split('/')[0])).toEqual(
      expect.arrayContaining(['akita', 'blueline', 'caiman', 'sony-xperia10-iii', 'tegu', 'tokay']),
    );
  });

  it.each(GOOGLE_CHAINS.map((c) => [c.name, c] as const))(
    '%s verifies inside its validity',
    async (_name, chain) => {
      const result = await verify(chain, insideValidity(chain.pem));
      expect(result.reasons).toEqual([]);
      expect(result.verdict).toBe('verified');
      expect(result.keyDescription?.attestationSecurityLevel).toMatch(/TRUSTED_ENVIRONMENT|STRONG_BOX/);
      expect(result.trustedRoot).toBeDefined();
    },
  );

  it.each([
    ['blueline/sdk28/TEE_EC_NONE.pem', '2020-01-01T00:00:00Z', 'previous_2016'],
    ['akita/sdk34/TEE_EC_NONE.pem', '2024-10-01T00:00:00Z', 'previous_2019'],
    ['tegu/sdk36/TEE_EC_2026_ROOT.pem', '2026-03-01T00:00:00Z', 'current_2025_ecdsa'],
    ['tokay/sdk37/TEE_MLDSA_RKP.pem', '2026-04-27T00:00:00Z', 'current_2025_ecdsa'],
  ])('%s verifies at %s against the %s root alone', async (name, at, root) => {
    const result = await verify(chainNamed(name), new Date(at), { roots: [rootNamed(root)] });
    expect(result.verdict).toBe('verified');
  });

  it('pins roots by public key: a chain ending in the 2016 root verifies with only the 2022 root configured', async () => {
    const result = await verify(
      chainNamed('blueline/sdk28/TEE_RSA_NONE.pem'),
      new Date('2023-01-01T00:00:00Z'),
      {
        roots: [rootNamed('current_2022')],
      },
    );
    expect(result.verdict).toBe('verified');
  });

  it('accepts base64 DER elements, leaf first, as the agent sends them', async () => {
    const chain = parseAttestationChain([chainNamed('caiman/sdk36/TEE_EC_RKP.pem').pem]);
    const base64 = chain.map((c) => Buffer.from(c.rawData).toString('base64'));
    const result = await verifyAttestation({
      chain: base64,
      now: new Date('2025-09-26T00:00:00Z'),
      roots: ALL_ROOTS,
      revocations: REVOCATIONS,
    });
    expect(result.verdict).toBe('verified');
    expect(result.facts).toMatchObject({
      osVersion: '16.0.0',
      patchLevel: '2025-11',
      bootloaderLocked: true,
    });
  });

  it('accepts roots pre-parsed once with parseTrustedRoots', async () => {
    const trusted = parseTrustedRoots(ALL_ROOTS);
    expect(trusted.byPublicKey.size).toBe(2); // one shared RSA key + the ECDSA P-384 key
    const result = await verify(
      chainNamed('tegu/sdk36/SB_EC_2026_ROOT.pem'),
      new Date('2026-03-01T00:00:00Z'),
      {
        roots: trusted,
      },
    );
    expect(result.verdict).toBe('verified');
  });

  it('accepts a chain that omits the root certificate', async () => {
    const chain = parseAttestationChain([chainNamed('akita/sdk34/TEE_EC_NONE.pem').pem]).slice(0, -1);
    const result = await verifyAttestation({
      chain: chain.map((c) => new Uint8Array(c.rawData)),
      now: new Date('2024-10-01T00:00:00Z'),
      roots: ALL_ROOTS,
      revocations: REVOCATIONS,
    });
    expect(result.verdict).toBe('verified');
  });
});

describe('verifyAttestation: refusals', () => {
  it.each([
    ['marlin/sdk29/TEE_EC_NONE.pem', ['software-keystore', 'untrusted-root']],
    ['marlin/sdk29/TEE_RSA_NONE.pem', ['software-keystore', 'untrusted-root']],
    ['invalid/malformed_rot_device_locked.pem', ['malformed']],
    ['invalid/tags_not_in_ascending_order.pem', ['chain-broken', 'malformed']],
    ['p256_sha384_intermediate.pem', ['malformed', 'untrusted-root']],
    ['allow_while_on_body.pem', ['untrusted-root']],
  ])('%s is refused with %j', async (name, expected) => {
    const result = await verify(chainNamed(name), insideValidity(chainNamed(name).pem));
    expect(result.verdict).toBe('failed');
    expect(codes(result)).toEqual(expected);
  });

  it.each([
    ['tegu/sdk36/TEE_EC_2026_ROOT.pem', '2026-11-25T00:00:00Z', 'expired', 1],
    ['akita/sdk34/TEE_EC_NONE.pem', '2020-01-01T00:00:00Z', 'not-yet-valid', 1],
  ])('%s at %s is %s (certificate %i)', async (name, at, code, index) => {
    const result = await verify(chainNamed(name), new Date(at));
    expect(result.verdict).toBe('failed');
    expect(result.reasons).toContainEqual(expect.objectContaining({ code, certificateIndex: index }));
  });

  it('after the 2016 root expires, a Pixel 3 chain still verifies through the shared RSA key, but not with the 2016 root alone', async () => {
    const chain = chainNamed('blueline/sdk28/TEE_EC_NONE.pem');
    const after = new Date('2026-11-25T00:00:00Z');
    expect((await verify(chain, after)).verdict).toBe('verified');
    const alone = await verify(chain, after, { roots: [rootNamed('previous_2016')] });
    expect(codes(alone)).toEqual(['expired']);
    expect(alone.reasons[0]?.certificateIndex).toBe(3);
  });

  it('refuses RSA-rooted chains when only the ECDSA root is trusted', async () => {
    const result = await verify(chainNamed('akita/sdk34/TEE_EC_NONE.pem'), new Date('2024-10-01T00:00:00Z'), {
      roots: [rootNamed('current_2025_ecdsa')],
    });
    expect(codes(result)).toEqual(['untrusted-root']);
  });

  it.each([0, 1, 2])('a synthetic revocation of certificate %i makes the chain fail', async (index) => {
    const chain = chainNamed('caiman/sdk36/SB_EC_RKP.pem');
    const certificate = parseAttestationChain([chain.pem])[index];
    // Status-list format: lower-case hex, no leading zeros; x509 reports serials zero-padded.
    const serial = normalizeSerial(certificate?.serialNumber ?? '');
    const revocations = parseRevocationList(
      JSON.stringify({ entries: { [serial]: { status: 'REVOKED', reason: 'KEY_COMPROMISE' } } }),
    );
    const result = await verify(chain, insideValidity(chain.pem), { revocations });
    expect(codes(result)).toEqual(['revoked']);
    expect(result.reasons[0]?.certificateIndex).toBe(index);
  });

  it('matches a zero-padded serial against the status-list key (0388…860d → 388…860d)', async () => {
    const chain = chainNamed('akita/sdk34/SB_RSA_NONE.pem');
    const revocations = parseRevocationList({ entries: { '388266760658996860d': { status: 'SUSPENDED' } } });
    const result = await verify(chain, insideValidity(chain.pem), { revocations });
    expect(result.reasons).toEqual([expect.objectContaining({ code: 'revoked', certificateIndex: 3 })]);
  });

  it('checks the challenge', async () => {
    const chain = chainNamed('akita/sdk34/TEE_EC_NONE.pem');
    const now = insideValidity(chain.pem);
    const good = Buffer.from('challenge').toString('hex');
    expect((await verify(chain, now, { expectedChallenge: good })).verdict).toBe('verified');
    expect(
      (await verify(chain, now, { expectedChallenge: new TextEncoder().encode('challenge') })).verdict,
    ).toBe('verified');
    const wrong = await verify(chain, now, { expectedChallenge: 'deadbeef' });
    expect(codes(wrong)).toEqual(['challenge-mismatch']);
  });

  it('reports an ML-DSA key that would have to verify a signature as unsupported, never accepts it', async () => {
    const mldsa = parseAttestationChain([chainNamed('tokay/sdk37/TEE_MLDSA_RKP.pem').pem]);
    const other = parseAttestationChain([chainNamed('tegu/sdk37/TEE_TRUSTED_CONF.pem').pem]);
    const chain = [other[0], ...mldsa].map((c) => new Uint8Array(c?.rawData ?? new ArrayBuffer(0)));
    const result = await verifyAttestation({
      chain,
      now: new Date('2026-07-01T00:00:00Z'),
      roots: ALL_ROOTS,
      revocations: EMPTY_REVOCATION_LIST,
    });
    expect(result.verdict).toBe('failed');
    expect(result.reasons).toContainEqual(
      expect.objectContaining({ code: 'unsupported-algorithm', certificateIndex: 0 }),
    );
  });

  it('refuses an over-long chain without verifying it', async () => {
    const pem = chainNamed('akita/sdk34/TEE_EC_NONE.pem').pem;
    const result = await verify([pem, pem, pem].join('\n'), new Date('2024-10-01T00:00:00Z'));
    expect(codes(result)).toEqual(['malformed']);
    expect(result.reasons[0]?.message).toMatch(/more than 10 certificates/);
  });

  it('refuses garbage as malformed', async () => {
    const result = await verifyAttestation({
      chain: ['not a certificate!'],
      now: new Date(),
      roots: ALL_ROOTS,
      revocations: REVOCATIONS,
    });
    expect(result.reasons).toEqual([expect.objectContaining({ code: 'malformed', certificateIndex: 0 })]);
  });
});

describe('verifyAttestation: self-made roots', () => {
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
  const notBefore = new Date('2024-01-01T00:00:00Z');
  const notAfter = new Date('2034-01-01T00:00:00Z');
  const now = new Date('2025-01-01T00:00:00Z');

  /** A forged chain: a leaf carrying a real KeyDescription (locked, verified) under a self-made root. */
  async function forge() {
    const genuine = parseAttestationChain([chainNamed('sony-xperia10-iii/sdk33/TEE_EC.pem').pem]);
    const keyDescription = genuine[0]?.getExtension(KEY_DESCRIPTION_OID);
    if (keyDescription === null || keyDescription === undefined)
      throw new Error('fixture lacks KeyDescription');
    const rootKeys = await crypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
    const leafKeys = await crypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
    // Same subject as the Google RSA roots: only the key may decide trust.
    const root = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: '01',
      name: '2.5.4.5=f92009e853b6b045',
      notBefore,
      notAfter,
      keys: rootKeys,
      signingAlgorithm: algorithm,
      extensions: [new x509.BasicConstraintsExtension(true, undefined, true)],
    });
    const leaf = await x509.X509CertificateGenerator.create({
      serialNumber: '02',
      subject: 'CN=Android Keystore Key',
      issuer: root.subject,
      notBefore,
      notAfter,
      publicKey: leafKeys.publicKey,
      signingKey: rootKeys.privateKey,
      signingAlgorithm: algorithm,
      extensions: [new x509.Extension(KEY_DESCRIPTION_OID, false, keyDescription.value)],
    });
    // An attested key acting as a CA: a second leaf signed by the first (attested) one.
    const forgedLeafKeys = await crypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
    const forgedLeaf = await x509.X509CertificateGenerator.create({
      serialNumber: '03',
      subject: 'CN=Forged Key',
      issuer: leaf.subject,
      notBefore,
      notAfter,
      publicKey: forgedLeafKeys.publicKey,
      signingKey: leafKeys.privateKey,
      signingAlgorithm: algorithm,
      extensions: [new x509.Extension(KEY_DESCRIPTION_OID, false, keyDescription.value)],
    });
    return {
      leaf: new Uint8Array(leaf.rawData),
      root: new Uint8Array(root.rawData),
      forgedLeaf: new Uint8Array(forgedLeaf.rawData),
      googleRoot: rootNamed('current_2022'),
    };
  }

  it('refuses a chain ending in a self-made root', async () => {
    const { leaf, root } = await forge();
    const result = await verifyAttestation({
      chain: [leaf, root],
      now,
      roots: ALL_ROOTS,
      revocations: REVOCATIONS,
    });
    expect(codes(result)).toEqual(['untrusted-root']);
    expect(result.facts.bootloaderLocked).toBe(true); // parsed, but not trusted
  });

  it('refuses a self-made root with a real Google root appended', async () => {
    const { leaf, root, googleRoot } = await forge();
    const result = await verifyAttestation({
      chain: [leaf, root, googleRoot],
      now,
      roots: ALL_ROOTS,
      revocations: REVOCATIONS,
    });
    expect(result.verdict).toBe('failed');
    expect(result.reasons).toContainEqual(
      expect.objectContaining({ code: 'chain-broken', certificateIndex: 1 }),
    );
  });

  it('refuses an attested key used to sign another attestation certificate', async () => {
    const { leaf, root, forgedLeaf } = await forge();
    const pem = x509.PemConverter.encode(root.slice().buffer, 'CERTIFICATE');
    const result = await verifyAttestation({
      chain: [forgedLeaf, leaf, root],
      now,
      roots: [pem],
      revocations: REVOCATIONS,
    });
    expect(result.reasons).toEqual([expect.objectContaining({ code: 'chain-broken', certificateIndex: 1 })]);
  });

  it('trusts the self-made root only when it is configured (the check is the key, not a hard-coded list)', async () => {
    const { leaf, root } = await forge();
    const pem = x509.PemConverter.encode(root.slice().buffer, 'CERTIFICATE');
    const result = await verifyAttestation({
      chain: [leaf, root],
      now,
      roots: [pem],
      revocations: REVOCATIONS,
    });
    expect(result.verdict).toBe('verified');
  });
});

describe('parseRevocationList', () => {
  it('loads the snapshot', () => {
    expect(REVOCATIONS.entries.size).toBe(467);
    // Digit-only keys are hex too, kept verbatim.
    expect(REVOCATIONS.entries.get('6681152659205225093')?.status).toBe('REVOKED');
  });

  it.each([
    ['not json', '{'],
    ['no entries', '{}'],
    ['bad status', '{"entries":{"ab":{"status":"OK"}}}'],
    ['non-hex key', '{"entries":{"xyz":{"status":"REVOKED"}}}'],
  ])('refuses %s', (_label, text) => {
    expect(() => parseRevocationList(text)).toThrow();
  });

  it('normalises keys to lower-case without leading zeros', () => {
    expect([...parseRevocationList('{"entries":{"00ABC":{"status":"REVOKED"}}}').entries.keys()]).toEqual([
      'abc',
    ]);
  });
});
