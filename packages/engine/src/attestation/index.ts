/**
 * Android Key Attestation, verified server-side: chain parsing, KeyDescription parsing, chain
 * verification against Google's hardware attestation roots (pinned by public key), the revocation
 * list, and the findings fed to the engine. See docs/attestation.md.
 */
export {
  CertificateDecodeError,
  type CertificateInput,
  normalizeSerial,
  parseAttestationChain,
} from './chain.ts';
export { attestationFactsOf, formatOsVersion, formatPatchLevel } from './facts.ts';
export { attestationFindings, type ReportedDeviceFacts } from './findings.ts';
export { KEY_DESCRIPTION_OID, KeyDescriptionError, parseKeyDescription } from './key-description.ts';
export { EMPTY_REVOCATION_LIST, parseRevocationList, RevocationListError } from './revocation.ts';
export { toSnapshotAttestation } from './snapshot.ts';
export type * from './types.ts';
export {
  MAX_CHAIN_LENGTH,
  parseTrustedRoots,
  type TrustedRoots,
  type VerifyAttestationInput,
  verifyAttestation,
} from './verify.ts';
