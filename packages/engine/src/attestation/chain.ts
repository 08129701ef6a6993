/**
 * Decoding attestation certificate chains with @peculiar/x509.
 *
 * `reflect-metadata` must be loaded before @peculiar/x509 (its tsyringe container requires a
 * Reflect polyfill); this module is the single place the engine imports x509 from, so it loads the
 * polyfill first.
 */
import 'reflect-metadata';
import { PemConverter, X509Certificate } from '@peculiar/x509';

export { X509Certificate };

/** A chain element: DER bytes, a PEM block (or several), or base64 DER as the agent sends it. */
export type CertificateInput = Uint8Array | ArrayBuffer | string;

/** Thrown when an input is not a certificate; `verifyAttestation` turns it into a `malformed` reason. */
export class CertificateDecodeError extends Error {
  constructor(
    message: string,
    readonly index: number,
  ) {
    super(message);
    this.name = 'CertificateDecodeError';
  }
}

const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

function toDerList(input: CertificateInput, index: number): ArrayBuffer[] {
  if (typeof input !== 'string') {
    const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
    return [bytes.slice().buffer];
  }
  const text = input.trim();
  if (text.includes('-----BEGIN')) {
    const blocks = PemConverter.decodeWithHeaders(text).filter((block) => block.type === 'CERTIFICATE');
    if (blocks.length === 0) throw new CertificateDecodeError('PEM text holds no CERTIFICATE block', index);
    return blocks.map((block) => block.rawData);
  }
  const compact = text.replace(/\s+/g, '');
  if (compact.length === 0 || !BASE64.test(compact)) {
    throw new CertificateDecodeError('neither PEM nor base64 DER', index);
  }
  const bytes = Buffer.from(compact, compact.includes('-') || compact.includes('_') ? 'base64url' : 'base64');
  return [new Uint8Array(bytes).buffer];
}

/**
 * Decodes a chain, leaf first. Each element may be DER, base64 DER or PEM; a PEM element may hold
 * several certificates (they are spliced in order). Throws `CertificateDecodeError` on bad input.
 */
export function parseAttestationChain(chain: readonly CertificateInput[]): X509Certificate[] {
  const certificates: X509Certificate[] = [];
  chain.forEach((input, index) => {
    for (const der of toDerList(input, index)) {
      try {
        certificates.push(new X509Certificate(der));
      } catch (error) {
        const detail = error instanceof Error ? error.message : String(error);
        throw new CertificateDecodeError(`element ${index} is not an X.509 certificate: ${detail}`, index);
      }
    }
  });
  return certificates;
}

/** Normalises a certificate serial to the status-list form: lower-case hex, no leading zeros. */
export function normalizeSerial(serialHex: string): string {
  const trimmed = serialHex.toLowerCase().replace(/^0+/, '');
  return trimmed === '' ? '0' : trimmed;
}

/** The DER SubjectPublicKeyInfo of a certificate, as lower-case hex: the key-pinning identity. */
export function publicKeyId(certificate: X509Certificate): string {
  return Buffer.from(certificate.publicKey.rawData).toString('hex');
}
