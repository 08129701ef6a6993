import 'reflect-metadata'; // must load before @peculiar/x509
import { createHash, generateKeyPairSync, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { createDeviceCa, issueDeviceCertificate } from '../src/crypto/device-ca.ts';

x509.cryptoProvider.set(webcrypto);

const ECDSA_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const DAY_MS = 86_400_000;

/** A server certificate and its key, PEM. */
export interface TestServerCert {
  readonly certPem: string;
  readonly keyPem: string;
}

/** A device client certificate with its key and both fingerprints (lower-case hex of the DER). */
export interface TestClientCert {
  readonly deviceId: string;
  readonly certPem: string;
  readonly keyPem: string;
  readonly sha256: string;
  /** What nginx's `$ssl_client_fingerprint` reports. */
  readonly sha1: string;
}

/** A device CA (made exactly as enrollment makes it) that issues client certificates. */
export interface TestDeviceCa {
  readonly caCertPem: string;
  issueClient(deviceId: string): Promise<TestClientCert>;
}

function pemToDer(pem: string): Buffer {
  const base64 = pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
  return Buffer.from(base64, 'base64');
}

/** Lower-case hex digest of a PEM certificate's DER bytes. */
export function certFingerprint(pem: string, algorithm: 'sha256' | 'sha1' = 'sha256'): string {
  return createHash(algorithm).update(pemToDer(pem)).digest('hex');
}

/** A self-signed ECDSA server certificate for `localhost`, `127.0.0.1` and the given host names. */
export async function createTestServerCert(
  hosts: readonly string[] = [],
  now = new Date(),
): Promise<TestServerCert> {
  const keys = await webcrypto.subtle.generateKey(ECDSA_P256, true, ['sign', 'verify']);
  const dnsNames = ['localhost', ...hosts];
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `CN=${dnsNames[0] ?? 'localhost'}`,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + 30 * DAY_MS),
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        ...dnsNames.map((value) => ({ type: 'dns' as const, value })),
        { type: 'ip', value: '127.0.0.1' },
      ]),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END PRIVATE KEY-----\n`;
  return { certPem: cert.toString('pem'), keyPem };
}

/** A tenant device CA from `crypto/device-ca.ts` and a way to issue device client certificates. */
export async function createTestDeviceCa(name = 'Test', now = new Date()): Promise<TestDeviceCa> {
  const tenantId = `tenant-${name.toLowerCase()}`;
  const ca = await createDeviceCa(tenantId, name, now);
  return {
    caCertPem: ca.certPem,
    async issueClient(deviceId) {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const jwk = publicKey.export({ format: 'jwk' });
      const issued = await issueDeviceCertificate({
        caCertPem: ca.certPem,
        caPrivateKeyPkcs8: ca.privateKeyPkcs8,
        deviceId,
        tenantId,
        publicKey: { kty: 'EC', crv: 'P-256', x: String(jwk.x), y: String(jwk.y) },
        now,
      });
      return {
        deviceId,
        certPem: issued.certPem,
        keyPem: String(privateKey.export({ format: 'pem', type: 'pkcs8' })),
        sha256: issued.fingerprint,
        sha1: certFingerprint(issued.certPem, 'sha1'),
      };
    },
  };
}
