/**
 * Server-side verification of an Android Key Attestation certificate chain. Pure: no I/O, the
 * clock (`now`), the trusted roots and the revocation list are all passed in. Refusals are values
 * (`verdict: 'failed'` with reason codes); only bad configuration (unreadable roots) throws.
 */
import {
  CertificateDecodeError,
  type CertificateInput,
  normalizeSerial,
  parseAttestationChain,
  publicKeyId,
  type X509Certificate,
} from './chain.ts';
import { attestationFactsOf } from './facts.ts';
import { KEY_DESCRIPTION_OID, KeyDescriptionError, parseKeyDescription } from './key-description.ts';
import type {
  AttestationCertificateInfo,
  AttestationReason,
  AttestationResult,
  KeyDescription,
  RevocationList,
} from './types.ts';

export interface VerifyAttestationInput {
  /** Leaf first; each element DER, base64 DER or PEM. */
  readonly chain: readonly CertificateInput[];
  readonly now: Date;
  /**
   * Trusted roots as PEM texts (a text may hold several), or pre-parsed with `parseTrustedRoots`
   * (saves ~10 ms per call). Matched by public key, not by bytes.
   */
  readonly roots: readonly string[] | TrustedRoots;
  /** From `parseRevocationList`; pass `EMPTY_REVOCATION_LIST` only if you knowingly have none. */
  readonly revocations: RevocationList;
  /** The challenge the server issued: bytes, or lower-case/upper-case hex. Omit only for debugging. */
  readonly expectedChallenge?: Uint8Array | string;
}

/** Real chains hold 3–5 certificates; the telemetry schema allows 10. Longer input is refused unparsed. */
export const MAX_CHAIN_LENGTH = 10;

/** Signature algorithms WebCrypto (Node 20) can verify. Anything else is reported, never accepted. */
const VERIFIABLE_KEY_ALGORITHMS: ReadonlySet<string> = new Set(['RSASSA-PKCS1-v1_5', 'RSA-PSS', 'ECDSA']);

function describe(certificate: X509Certificate): AttestationCertificateInfo {
  return {
    subject: certificate.subject,
    issuer: certificate.issuer,
    serial: normalizeSerial(certificate.serialNumber),
    notBefore: certificate.notBefore.toISOString(),
    notAfter: certificate.notAfter.toISOString(),
    publicKeyAlgorithm: certificate.publicKey.algorithm.name,
  };
}

/** Trusted roots indexed by public key; build once with `parseTrustedRoots` and reuse. */
export interface TrustedRoots {
  readonly byPublicKey: ReadonlyMap<string, readonly X509Certificate[]>;
}

/**
 * Parses trusted root PEM texts (a text may hold several certificates). A root that does not decode
 * is a configuration error: throws `CertificateDecodeError`.
 */
export function parseTrustedRoots(roots: readonly string[]): TrustedRoots {
  const byPublicKey = new Map<string, X509Certificate[]>();
  for (const root of parseAttestationChain(roots)) {
    const key = publicKeyId(root);
    byPublicKey.set(key, [...(byPublicKey.get(key) ?? []), root]);
  }
  return { byPublicKey };
}

const isTrustedRoots = (roots: VerifyAttestationInput['roots']): roots is TrustedRoots =>
  'byPublicKey' in roots;

type SignatureCheck = 'ok' | 'bad-signature' | 'unsupported';

async function checkSignature(subject: X509Certificate, issuerKey: X509Certificate): Promise<SignatureCheck> {
  if (!VERIFIABLE_KEY_ALGORITHMS.has(issuerKey.publicKey.algorithm.name)) return 'unsupported';
  try {
    return (await subject.verify({ publicKey: issuerKey, signatureOnly: true })) ? 'ok' : 'bad-signature';
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    return name === 'NotSupportedError' || /not ?supported|unrecognized/i.test(String(error))
      ? 'unsupported'
      : 'bad-signature';
  }
}

function validityReason(
  certificate: X509Certificate,
  now: Date,
  index: number,
): AttestationReason | undefined {
  if (now < certificate.notBefore) {
    return {
      code: 'not-yet-valid',
      message: `not valid before ${certificate.notBefore.toISOString()}`,
      certificateIndex: index,
    };
  }
  if (now > certificate.notAfter) {
    return {
      code: 'expired',
      message: `expired at ${certificate.notAfter.toISOString()}`,
      certificateIndex: index,
    };
  }
  return undefined;
}

function challengeBytes(challenge: Uint8Array | string): Uint8Array {
  if (typeof challenge !== 'string') return challenge;
  if (!/^([0-9a-fA-F]{2})*$/.test(challenge)) return new TextEncoder().encode(challenge);
  return new Uint8Array(Buffer.from(challenge, 'hex'));
}

function sameBytes(left: Uint8Array, right: Uint8Array): boolean {
  if (left.length !== right.length) return false;
  let difference = 0;
  for (let i = 0; i < left.length; i += 1) difference |= (left[i] ?? 0) ^ (right[i] ?? 0);
  return difference === 0;
}

/** Checks the links, the anchor and its validity. Returns the trusted root subject when anchored. */
async function checkChain(
  certificates: readonly X509Certificate[],
  roots: ReadonlyMap<string, readonly X509Certificate[]>,
  now: Date,
  reasons: AttestationReason[],
): Promise<string | undefined> {
  const lastIndex = certificates.length - 1;
  for (let index = 0; index < lastIndex; index += 1) {
    const subject = certificates[index];
    const issuer = certificates[index + 1];
    if (subject === undefined || issuer === undefined) continue;
    const check = await checkSignature(subject, issuer);
    if (check === 'unsupported') {
      reasons.push({
        code: 'unsupported-algorithm',
        message: `cannot verify a signature made with a ${issuer.publicKey.algorithm.name} key (certificate ${index + 1})`,
        certificateIndex: index,
      });
    } else if (check === 'bad-signature') {
      reasons.push({
        code: 'chain-broken',
        message: `signature does not verify with certificate ${index + 1}'s key`,
        certificateIndex: index,
      });
    }
  }
  const last = certificates[lastIndex];
  if (last === undefined) return undefined;
  // The chain's own copy of the root is identified by its key; like a PKIX trust anchor its own
  // dates are not checked, but a configured root certificate holding that key must be valid now
  // (the four RSA roots share a key, so Pixel 3 chains ending in the 2016 root stay valid).
  let anchors = roots.get(publicKeyId(last));
  let anchorIndex: number | undefined = lastIndex;
  if (anchors === undefined) {
    // The chain may omit the root: accept a last certificate that a trusted root signed.
    for (const candidates of roots.values()) {
      const root = candidates[0];
      if (root !== undefined && (await checkSignature(last, root)) === 'ok') {
        anchors = candidates;
        break;
      }
    }
    anchorIndex = undefined;
  }
  if (anchors === undefined) {
    reasons.push({
      code: 'untrusted-root',
      message: `chain ends in "${last.subject}", not a Google hardware attestation root`,
      certificateIndex: lastIndex,
    });
    return undefined;
  }
  const validAnchor = anchors.find((root) => validityReason(root, now, 0) === undefined);
  if (validAnchor === undefined) {
    const reason = validityReason(anchors[0] ?? last, now, lastIndex);
    if (reason !== undefined) {
      reasons.push({
        ...reason,
        message: `trusted root "${last.subject}": ${reason.message}`,
        ...(anchorIndex === undefined ? {} : { certificateIndex: anchorIndex }),
      });
    }
  }
  return (validAnchor ?? anchors[0] ?? last).subject;
}

/**
 * Verifies an attestation chain: parses the leaf's KeyDescription, checks each link's signature,
 * that the chain ends in a trusted root matched by public key, validity at `now` (every
 * certificate below the root), the revocation list (every serial), the security level (a software
 * keystore is refused) and, when given, the challenge. All failing checks are reported.
 */
export async function verifyAttestation(input: VerifyAttestationInput): Promise<AttestationResult> {
  const roots = (isTrustedRoots(input.roots) ? input.roots : parseTrustedRoots(input.roots)).byPublicKey;
  let certificates: X509Certificate[];
  try {
    if (input.chain.length > MAX_CHAIN_LENGTH) {
      throw new CertificateDecodeError(
        `the chain has more than ${MAX_CHAIN_LENGTH} certificates`,
        MAX_CHAIN_LENGTH,
      );
    }
    certificates = parseAttestationChain(input.chain);
    if (certificates.length > MAX_CHAIN_LENGTH) {
      throw new CertificateDecodeError(
        `the chain has more than ${MAX_CHAIN_LENGTH} certificates`,
        MAX_CHAIN_LENGTH,
      );
    }
  } catch (error) {
    if (!(error instanceof CertificateDecodeError)) throw error;
    const reason: AttestationReason = {
      code: 'malformed',
      message: error.message,
      certificateIndex: error.index,
    };
    return { verdict: 'failed', reasons: [reason], facts: attestationFactsOf(undefined), certificates: [] };
  }
  const reasons: AttestationReason[] = [];
  if (certificates.length === 0) reasons.push({ code: 'malformed', message: 'the chain is empty' });

  let keyDescription: KeyDescription | undefined;
  const leaf = certificates[0];
  if (leaf !== undefined) {
    try {
      keyDescription = parseKeyDescription(leaf);
    } catch (error) {
      if (!(error instanceof KeyDescriptionError)) throw error;
      reasons.push({ code: 'malformed', message: error.message, certificateIndex: 0 });
    }
  }
  for (const list of ['softwareEnforced', 'hardwareEnforced'] as const) {
    if (keyDescription !== undefined && !keyDescription[list].areTagsOrdered) {
      reasons.push({
        code: 'malformed',
        message: `${list}: tags are not in ascending order (not DER)`,
        certificateIndex: 0,
      });
    }
  }

  // Only the leaf may carry a KeyDescription. A genuine attested key can sign anything, so a
  // device owner could make it "issue" a forged leaf; an attestation extension above the leaf
  // is exactly that (Google's verifier refuses it the same way).
  certificates.forEach((certificate, index) => {
    if (index > 0 && certificate.getExtension(KEY_DESCRIPTION_OID) !== null) {
      reasons.push({
        code: 'chain-broken',
        message: 'an attested key was used as a certificate authority (KeyDescription above the leaf)',
        certificateIndex: index,
      });
    }
  });

  const trustedRoot = await checkChain(certificates, roots, input.now, reasons);
  const anchoredByKey = trustedRoot !== undefined && certificates.length > 0;
  certificates.forEach((certificate, index) => {
    const isChainRoot =
      anchoredByKey && index === certificates.length - 1 && roots.has(publicKeyId(certificate));
    const reason = isChainRoot ? undefined : validityReason(certificate, input.now, index);
    if (reason !== undefined) reasons.push(reason);
    const serial = normalizeSerial(certificate.serialNumber);
    const entry = input.revocations.entries.get(serial);
    if (entry !== undefined) {
      const why = entry.reason === undefined ? '' : ` (${entry.reason})`;
      reasons.push({
        code: 'revoked',
        message: `serial ${serial} is ${entry.status}${why}`,
        certificateIndex: index,
      });
    }
  });

  if (keyDescription?.attestationSecurityLevel === 'SOFTWARE') {
    reasons.push({
      code: 'software-keystore',
      message: 'the key lives in a software keystore, not in secure hardware',
      certificateIndex: 0,
    });
  }
  if (input.expectedChallenge !== undefined && keyDescription !== undefined) {
    const attested = new Uint8Array(Buffer.from(keyDescription.attestationChallenge, 'base64'));
    if (!sameBytes(attested, challengeBytes(input.expectedChallenge))) {
      reasons.push({
        code: 'challenge-mismatch',
        message: 'the attestation challenge is not the one issued',
        certificateIndex: 0,
      });
    }
  }

  return {
    verdict: reasons.length === 0 ? 'verified' : 'failed',
    reasons,
    ...(keyDescription === undefined
      ? {}
      : { securityLevel: keyDescription.attestationSecurityLevel, keyDescription }),
    facts: attestationFactsOf(keyDescription),
    certificates: certificates.map(describe),
    ...(trustedRoot === undefined ? {} : { trustedRoot }),
  };
}
