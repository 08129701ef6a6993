import 'reflect-metadata'; // must load before @peculiar/x509 (its tsyringe container needs it)
import { createHash, randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import type { EcPublicJwk } from './jws.ts';

const crypto = webcrypto;
x509.cryptoProvider.set(crypto);

const ECDSA_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;

/** A tenant's device CA as stored: the certificate and the PKCS#8 private key (to be sealed). */
export interface NewDeviceCa {
  readonly certPem: string;
  readonly privateKeyPkcs8: Buffer;
}

/** A certificate issued to a device. */
export interface IssuedCertificate {
  readonly certPem: string;
  /** Hex serial number. */
  readonly serial: string;
  /** Lower-case hex SHA-256 of the DER certificate (what mTLS proxies report). */
  readonly fingerprint: string;
}

function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f; // keep the serial positive
  return bytes.toString('hex');
}

/** Creates a self-signed ECDSA P-256 device CA for one tenant, valid for ten years. */
export async function createDeviceCa(tenantId: string, tenantName: string, now: Date): Promise<NewDeviceCa> {
  const keys = await crypto.subtle.generateKey(ECDSA_P256, true, ['sign', 'verify']);
  const safeName = tenantName.replace(/[,=+<>#;"\\]/g, ' ').slice(0, 60);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: `CN=Riskgate device CA ${safeName}, OU=${tenantId}, O=Riskgate`,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + 3650 * DAY_MS),
    signingAlgorithm: SIGNING,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const pkcs8 = Buffer.from(await crypto.subtle.exportKey('pkcs8', keys.privateKey));
  return { certPem: cert.toString('pem'), privateKeyPkcs8: pkcs8 };
}

/** Issues a client certificate (clientAuth, one year) for a device's P-256 public key. */
export async function issueDeviceCertificate(params: {
  readonly caCertPem: string;
  readonly caPrivateKeyPkcs8: Uint8Array;
  readonly deviceId: string;
  readonly tenantId: string;
  readonly publicKey: EcPublicJwk;
  readonly now: Date;
}): Promise<IssuedCertificate> {
  const ca = new x509.X509Certificate(params.caCertPem);
  const signingKey = await crypto.subtle.importKey('pkcs8', params.caPrivateKeyPkcs8, ECDSA_P256, false, [
    'sign',
  ]);
  const publicKey = await crypto.subtle.importKey('jwk', { ...params.publicKey }, ECDSA_P256, true, [
    'verify',
  ]);
  const serial = serialNumber();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial,
    subject: `CN=${params.deviceId}, OU=${params.tenantId}, O=Riskgate`,
    issuer: ca.subject,
    notBefore: new Date(params.now.getTime() - 60_000),
    notAfter: new Date(params.now.getTime() + 365 * DAY_MS),
    signingAlgorithm: SIGNING,
    publicKey,
    signingKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
      await x509.AuthorityKeyIdentifierExtension.create(ca.publicKey),
    ],
  });
  const fingerprint = createHash('sha256').update(Buffer.from(cert.rawData)).digest('hex');
  return { certPem: cert.toString('pem'), serial, fingerprint };
}
