/**
 * Types of the Android Key Attestation verifier: the parsed KeyDescription, the revocation list,
 * and the verification result. Byte strings are base64 (as in Google's keyattestation JSON).
 */
import type { VerifiedBootState as BootColor } from '../schema/device.ts';

/** KeyMint SecurityLevel. */
export type AttestationSecurityLevel = 'SOFTWARE' | 'TRUSTED_ENVIRONMENT' | 'STRONG_BOX';

/** RootOfTrust.verifiedBootState. */
export type VerifiedBootStateName = 'VERIFIED' | 'SELF_SIGNED' | 'UNVERIFIED' | 'FAILED';

export interface RootOfTrust {
  /** base64 */
  readonly verifiedBootKey: string;
  readonly deviceLocked: boolean;
  readonly verifiedBootState: VerifiedBootStateName;
  /** base64; present from attestation version 3. */
  readonly verifiedBootHash?: string;
}

export interface AttestationPackage {
  readonly name: string;
  readonly version: number;
}

/** Which app asked for the key: package names and signing-certificate SHA-256 digests (base64). */
export interface AttestationApplicationId {
  readonly packages: readonly AttestationPackage[];
  readonly signatures: readonly string[];
}

/**
 * One AuthorizationList, with Google's keyattestation field names. Integers are numbers, NULL tags
 * are `true`, byte strings base64, attested device ids text. `areTagsOrdered` tells whether the
 * device emitted the tags in ascending order (DER requires it; `false` makes verification fail).
 */
export interface AuthorizationList {
  readonly purposes?: readonly number[];
  readonly algorithms?: number;
  readonly keySize?: number;
  readonly blockModes?: readonly number[];
  readonly digests?: readonly number[];
  readonly paddings?: readonly number[];
  readonly ecCurve?: number;
  readonly mlDsaVariant?: number;
  readonly rsaPublicExponent?: number;
  readonly rsaOaepMgfDigests?: readonly number[];
  readonly rollbackResistance?: true;
  readonly earlyBootOnly?: true;
  readonly activeDateTime?: number;
  readonly originationExpireDateTime?: number;
  readonly usageExpireDateTime?: number;
  readonly usageCountLimit?: number;
  readonly noAuthRequired?: true;
  readonly userAuthType?: number;
  readonly authTimeout?: number;
  readonly allowWhileOnBody?: true;
  readonly trustedUserPresenceRequired?: true;
  readonly trustedConfirmationRequired?: true;
  readonly unlockedDeviceRequired?: true;
  readonly allApplications?: true;
  readonly applicationId?: string;
  readonly creationDateTime?: number;
  /** KeyOrigin name, e.g. `GENERATED`. */
  readonly origin?: string;
  readonly rollbackResistant?: true;
  readonly rootOfTrust?: RootOfTrust;
  /** e.g. 140000 for Android 14.0.0 */
  readonly osVersion?: number;
  /** YYYYMM */
  readonly osPatchLevel?: number;
  readonly attestationApplicationId?: AttestationApplicationId;
  readonly attestationIdBrand?: string;
  readonly attestationIdDevice?: string;
  readonly attestationIdProduct?: string;
  readonly attestationIdSerial?: string;
  readonly attestationIdImei?: string;
  readonly attestationIdMeid?: string;
  readonly attestationIdManufacturer?: string;
  readonly attestationIdModel?: string;
  /** YYYYMMDD (some devices send YYYYMM) */
  readonly vendorPatchLevel?: number;
  /** YYYYMMDD (some devices send YYYYMM) */
  readonly bootPatchLevel?: number;
  readonly deviceUniqueAttestation?: true;
  readonly attestationIdSecondImei?: string;
  readonly moduleHash?: string;
  readonly areTagsOrdered: boolean;
}

/** The KeyDescription extension of an attestation leaf certificate. */
export interface KeyDescription {
  readonly attestationVersion: number;
  readonly attestationSecurityLevel: AttestationSecurityLevel;
  /** Keymaster / KeyMint version (`keyMintVersion` in Google's JSON). */
  readonly keymasterVersion: number;
  readonly keymasterSecurityLevel: AttestationSecurityLevel;
  /** base64 */
  readonly attestationChallenge: string;
  /** lower-case hex of the same bytes, convenient for comparing with a server-issued challenge. */
  readonly attestationChallengeHex: string;
  /** base64 (usually empty) */
  readonly uniqueId: string;
  readonly softwareEnforced: AuthorizationList;
  /** `teeEnforced` before attestation version 300. */
  readonly hardwareEnforced: AuthorizationList;
}

/** One entry of Google's attestation status list (`https://android.googleapis.com/attestation/status`). */
export interface RevocationEntry {
  readonly status: 'REVOKED' | 'SUSPENDED';
  readonly reason?: string;
  readonly expires?: string;
  readonly comment?: string;
}

/** Parsed status list: keys are certificate serials, lower-case hex without leading zeros. */
export interface RevocationList {
  readonly entries: ReadonlyMap<string, RevocationEntry>;
}

export type AttestationReasonCode =
  | 'chain-broken'
  | 'untrusted-root'
  | 'revoked'
  | 'expired'
  | 'not-yet-valid'
  | 'challenge-mismatch'
  /** The server-issued challenge expired or was already used (set by the server, not the verifier). */
  | 'stale-challenge'
  | 'software-keystore'
  | 'unsupported-algorithm'
  | 'malformed';

/** Why an attestation was refused. `certificateIndex` counts from the leaf (0). */
export interface AttestationReason {
  readonly code: AttestationReasonCode;
  readonly message: string;
  readonly certificateIndex?: number;
}

/** Facts taken from the hardware-enforced list (falling back to software-enforced, flagged). */
export interface AttestationFacts {
  /** e.g. `14.0.0` from 140000 */
  readonly osVersion?: string;
  /** OS security patch level, `YYYY-MM` */
  readonly patchLevel?: string;
  /** `YYYY-MM-DD` or `YYYY-MM` */
  readonly vendorPatchLevel?: string;
  /** `YYYY-MM-DD` or `YYYY-MM` */
  readonly bootPatchLevel?: string;
  readonly bootloaderLocked?: boolean;
  readonly verifiedBootState?: VerifiedBootStateName;
  /** The same state as Android's boot colour (the telemetry schema's vocabulary). */
  readonly verifiedBootColor?: BootColor;
  /** base64 */
  readonly verifiedBootKey?: string;
  readonly securityLevel?: AttestationSecurityLevel;
  /** lower-case hex */
  readonly challengeHex?: string;
  readonly packageNames: readonly string[];
  readonly brand?: string;
  readonly device?: string;
  readonly product?: string;
  readonly serial?: string;
  readonly imei?: string;
  readonly secondImei?: string;
  readonly meid?: string;
  readonly manufacturer?: string;
  readonly model?: string;
}

/** A certificate of the chain as seen by the verifier. */
export interface AttestationCertificateInfo {
  readonly subject: string;
  readonly issuer: string;
  /** lower-case hex without leading zeros (the status-list format) */
  readonly serial: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly publicKeyAlgorithm: string;
}

export interface AttestationResult {
  readonly verdict: 'verified' | 'failed';
  readonly reasons: readonly AttestationReason[];
  readonly securityLevel?: AttestationSecurityLevel;
  /** Absent when the leaf carries no parsable KeyDescription. */
  readonly keyDescription?: KeyDescription;
  readonly facts: AttestationFacts;
  readonly certificates: readonly AttestationCertificateInfo[];
  /** Subject of the trusted root the chain ends in, when one matched by public key. */
  readonly trustedRoot?: string;
}
