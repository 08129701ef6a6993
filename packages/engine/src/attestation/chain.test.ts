import { describe, expect, it } from 'vitest';
import { chainNamed } from '../../test-support/attestation.ts';
import { CertificateDecodeError, normalizeSerial, parseAttestationChain } from './chain.ts';

const PEM = chainNamed('caiman/sdk36/TEE_EC_RKP.pem').pem;
const DER = parseAttestationChain([PEM]).map((certificate) => new Uint8Array(certificate.rawData));
const leafDer = DER[0] ?? new Uint8Array();

describe('parseAttestationChain', () => {
  it.each([
    ['one PEM text holding the whole chain', [PEM], 5],
    ['PEM with CRLF line ends', [PEM.replace(/\n/g, '\r\n')], 5],
    ['DER bytes', DER, 5],
    ['ArrayBuffers', DER.map((der) => der.slice().buffer), 5],
    ['base64 DER', DER.map((der) => Buffer.from(der).toString('base64')), 5],
    [
      'base64 DER wrapped at 64 columns',
      [
        Buffer.from(leafDer)
          .toString('base64')
          .replace(/(.{64})/g, '$1\n'),
      ],
      1,
    ],
    ['base64url DER', [Buffer.from(leafDer).toString('base64url')], 1],
  ] as const)('decodes %s', (_label, input, count) => {
    const chain = parseAttestationChain(input);
    expect(chain).toHaveLength(count);
    expect(chain[0]?.subject).toBe('CN=Android Keystore Key');
  });

  it.each([
    ['text that is not base64', ['hello, world'], 0],
    ['base64 that is not a certificate', ['AAAA', Buffer.from('nope').toString('base64')], 0],
    ['a PEM without certificates', ['-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----'], 0],
    ['a bad second element', [Buffer.from(leafDer).toString('base64'), '%%%'], 1],
  ] as const)('refuses %s, naming the element', (_label, input, index) => {
    expect(() => parseAttestationChain(input)).toThrow(CertificateDecodeError);
    try {
      parseAttestationChain(input);
    } catch (error) {
      expect((error as CertificateDecodeError).index).toBe(index);
    }
  });
});

describe('normalizeSerial', () => {
  it.each([
    ['0388266760658996860d', '388266760658996860d'],
    ['01', '1'],
    ['00', '0'],
    ['E8FA196314D2FA18', 'e8fa196314d2fa18'],
    ['6681152659205225093', '6681152659205225093'],
  ])('%s → %s', (serial, expected) => {
    expect(normalizeSerial(serial)).toBe(expected);
  });
});
