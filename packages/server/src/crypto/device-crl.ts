import 'reflect-metadata'; // must load before @peculiar/x509 (its tsyringe container needs it)
import { createHash, webcrypto } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { CRLNumber, id_ce_cRLNumber } from '@peculiar/asn1-x509';
import * as x509 from '@peculiar/x509';

type CryptoKey = webcrypto.CryptoKey;

const crypto = webcrypto;
x509.cryptoProvider.set(crypto);

const ECDSA_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;

/** Why a certificate was revoked, as RFC 5280 §5.3.1 names the reason codes we use. */
export type CrlReasonName = 'cessationOfOperation' | 'superseded';

/** One revoked certificate on a CRL. */
export interface CrlEntry {
  /** Hex serial number. */
  readonly serial: string;
  readonly revokedAt: Date;
  readonly reason: CrlReasonName;
}

/** A tenant's device CA opened for signing CRLs and status responses. */
export interface CrlSigner {
  readonly cert: x509.X509Certificate;
  readonly certPem: string;
  readonly signingKey: CryptoKey;
  /** Lower-case hex subject key identifier of the CA (the CRL's authority key identifier). */
  readonly keyId: string;
  /** base64url SHA-256 of the CA certificate's DER (`x5t#S256` of status responses). */
  readonly thumbprint: string;
}

/** Opens a device CA (certificate PEM and PKCS#8 key) for signing. */
export async function openCrlSigner(certPem: string, privateKeyPkcs8: Uint8Array): Promise<CrlSigner> {
  const cert = new x509.X509Certificate(certPem);
  const signingKey = await crypto.subtle.importKey('pkcs8', privateKeyPkcs8, ECDSA_P256, false, ['sign']);
  const ski = cert.getExtension(x509.SubjectKeyIdentifierExtension);
  const keyId =
    ski?.keyId ?? (await x509.SubjectKeyIdentifierExtension.create(await cert.publicKey.export())).keyId;
  const thumbprint = createHash('sha256').update(Buffer.from(cert.rawData)).digest('base64url');
  return { cert, certPem, signingKey, keyId: keyId.toLowerCase(), thumbprint };
}

const REASON_CODES: Readonly<Record<CrlReasonName, x509.X509CrlReason>> = {
  cessationOfOperation: x509.X509CrlReason.cessationOfOperation,
  superseded: x509.X509CrlReason.superseded,
};

/**
 * An X.509 v2 CRL (RFC 5280 §5) signed by the CA: every entry with its revocation date and
 * reason code, thisUpdate / nextUpdate, the CRL number and the authority key identifier.
 */
export async function createDeviceCrl(params: {
  readonly signer: CrlSigner;
  readonly entries: readonly CrlEntry[];
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  /** Increases with every CRL the CA issues (a non-negative safe integer). */
  readonly number: number;
}): Promise<x509.X509Crl> {
  return x509.X509CrlGenerator.create({
    issuer: params.signer.cert.subjectName,
    thisUpdate: params.thisUpdate,
    nextUpdate: params.nextUpdate,
    signingAlgorithm: SIGNING,
    signingKey: params.signer.signingKey,
    extensions: [
      new x509.AuthorityKeyIdentifierExtension(params.signer.keyId),
      new x509.Extension(id_ce_cRLNumber, false, AsnConvert.serialize(new CRLNumber(params.number))),
    ],
    entries: params.entries.map((entry) => ({
      serialNumber: entry.serial,
      revocationDate: entry.revokedAt,
      reason: REASON_CODES[entry.reason],
    })),
  });
}

/** PEM of a DER CRL with the label RFC 7468 §5 gives it (`X509 CRL`, what OpenSSL, nginx and FreeRADIUS read). */
export function crlPem(der: ArrayBuffer): string {
  return `${x509.PemConverter.encode(der, 'X509 CRL')}\n`;
}

/** A compact ES256 JWS over `payload`, signed by the CA and naming it (`kid`, `x5t#S256`). */
export async function signWithCa(signer: CrlSigner, typ: string, payload: unknown): Promise<string> {
  const header = { alg: 'ES256', typ, kid: signer.keyId, 'x5t#S256': signer.thumbprint };
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode(header)}.${encode(payload)}`;
  // WebCrypto's ECDSA signature is already raw r‖s, as JWS ES256 wants (RFC 7518 §3.4).
  const signature = await crypto.subtle.sign(SIGNING, signer.signingKey, Buffer.from(input));
  return `${input}.${Buffer.from(signature).toString('base64url')}`;
}
