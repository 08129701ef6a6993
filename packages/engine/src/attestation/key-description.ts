/**
 * Parsing the KeyDescription extension of an attestation leaf into plain, JSON-ready values.
 */
import {
  AttestationApplicationId as AttestationApplicationIdAsn,
  type IntegerSet,
} from '@peculiar/asn1-android';
import { AsnParser } from '@peculiar/asn1-schema';
import { type CertificateInput, parseAttestationChain, X509Certificate } from './chain.ts';
import {
  AUTHORIZATION_TAGS,
  type AuthorizationAsnValue,
  type AuthorizationListAsn,
  type AuthorizationTag,
  KeyDescriptionAsn,
  type RootOfTrustAsn,
} from './key-description-asn1.ts';
import type {
  AttestationApplicationId,
  AttestationSecurityLevel,
  AuthorizationList,
  KeyDescription,
  RootOfTrust,
  VerifiedBootStateName,
} from './types.ts';

/** OID of the Android Key Attestation extension. */
export const KEY_DESCRIPTION_OID = '1.3.6.1.4.1.11129.2.1.17';

/** The leaf has no KeyDescription, or it does not decode. */
export class KeyDescriptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyDescriptionError';
  }
}

const SECURITY_LEVELS: readonly AttestationSecurityLevel[] = [
  'SOFTWARE',
  'TRUSTED_ENVIRONMENT',
  'STRONG_BOX',
];
const BOOT_STATES: readonly VerifiedBootStateName[] = ['VERIFIED', 'SELF_SIGNED', 'UNVERIFIED', 'FAILED'];
/** KeyOrigin.aidl */
const ORIGINS = ['GENERATED', 'DERIVED', 'IMPORTED', 'RESERVED', 'SECURELY_IMPORTED'];

const TAG_BY_NAME: ReadonlyMap<string, AuthorizationTag> = new Map(
  AUTHORIZATION_TAGS.map((entry) => [entry.name, entry]),
);

const base64 = (bytes: ArrayBuffer): string => Buffer.from(bytes).toString('base64');
const utf8 = new TextDecoder('utf-8', { fatal: false });

/** asn1-schema yields small INTEGERs as numbers and big ones as decimal strings. */
function toInteger(value: unknown, field: string): number {
  const number = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(number))
    throw new KeyDescriptionError(`${field}: integer out of range (${String(value)})`);
  return number;
}

function enumName<T extends string>(names: readonly T[], value: unknown, field: string): T {
  const name = typeof value === 'number' ? names[value] : undefined;
  if (name === undefined) throw new KeyDescriptionError(`${field}: unknown value ${String(value)}`);
  return name;
}

function toRootOfTrust(value: RootOfTrustAsn): RootOfTrust {
  return {
    verifiedBootKey: base64(value.verifiedBootKey),
    deviceLocked: value.deviceLocked,
    verifiedBootState: enumName(BOOT_STATES, value.verifiedBootState, 'verifiedBootState'),
    ...(value.verifiedBootHash === undefined ? {} : { verifiedBootHash: base64(value.verifiedBootHash) }),
  };
}

/**
 * The library declares OCTET STRING members of AttestationApplicationId as `OctetString` but its
 * schema (AsnPropTypes.OctetString) yields `ArrayBuffer`; accept both.
 */
function bytesOf(value: ArrayBuffer | { readonly buffer: ArrayBuffer }): ArrayBuffer {
  return value instanceof ArrayBuffer ? value : value.buffer;
}

function toApplicationId(bytes: ArrayBuffer): AttestationApplicationId {
  const parsed = AsnParser.parse(bytes, AttestationApplicationIdAsn);
  // asn1-schema leaves a `repeated` member undefined when the SET is empty.
  const packageInfos = parsed.packageInfos ?? [];
  const signatureDigests = parsed.signatureDigests ?? [];
  return {
    packages: packageInfos.map((info) => ({
      name: utf8.decode(bytesOf(info.packageName)),
      version: toInteger(info.version, 'attestationApplicationId.version'),
    })),
    signatures: signatureDigests.map((digest) => base64(bytesOf(digest))),
  };
}

function convertValue(entry: AuthorizationTag, value: AuthorizationAsnValue): unknown {
  switch (entry.kind) {
    case 'integer':
      return toInteger(value, entry.name);
    case 'origin':
      return ORIGINS[toInteger(value, entry.name)] ?? String(value);
    case 'integer-set':
      return Array.from(value as IntegerSet, (item) => toInteger(item, entry.name));
    case 'flag':
      return true;
    case 'bytes':
      return base64(value as ArrayBuffer);
    case 'text':
      return utf8.decode(value as ArrayBuffer);
    case 'root-of-trust':
      return toRootOfTrust(value as RootOfTrustAsn);
    case 'application-id':
      return toApplicationId(value as ArrayBuffer);
  }
}

function toAuthorizationList(list: AuthorizationListAsn, label: string): AuthorizationList {
  const out: Record<string, unknown> = {};
  let previousTag = -1;
  let ordered = true;
  for (const item of list) {
    const name = Object.keys(item).find((key) => item[key] !== undefined);
    const entry = name === undefined ? undefined : TAG_BY_NAME.get(name);
    if (name === undefined || entry === undefined) throw new KeyDescriptionError(`${label}: empty entry`);
    if (name in out) throw new KeyDescriptionError(`${label}: tag ${entry.tag} (${name}) appears twice`);
    if (entry.tag <= previousTag) ordered = false;
    previousTag = entry.tag;
    out[name] = convertValue(entry, item[name] ?? null);
  }
  out.areTagsOrdered = ordered;
  return out as unknown as AuthorizationList;
}

/**
 * Parses the KeyDescription of an attestation leaf certificate (an `X509Certificate` or any
 * `CertificateInput`). Throws `KeyDescriptionError` when the extension is missing or malformed
 * (including an unknown AuthorizationList tag or a non-DER BOOLEAN in the root of trust).
 */
export function parseKeyDescription(leaf: X509Certificate | CertificateInput): KeyDescription {
  const certificate = leaf instanceof X509Certificate ? leaf : parseAttestationChain([leaf])[0];
  const extension = certificate?.getExtension(KEY_DESCRIPTION_OID);
  if (extension === null || extension === undefined) {
    throw new KeyDescriptionError(
      `the leaf certificate has no KeyDescription extension (${KEY_DESCRIPTION_OID})`,
    );
  }
  let asn: KeyDescriptionAsn;
  try {
    asn = AsnParser.parse(extension.value, KeyDescriptionAsn);
  } catch (error) {
    throw new KeyDescriptionError(
      `KeyDescription does not decode: ${error instanceof Error ? error.message : error}`,
    );
  }
  try {
    return {
      attestationVersion: toInteger(asn.attestationVersion, 'attestationVersion'),
      attestationSecurityLevel: enumName(
        SECURITY_LEVELS,
        asn.attestationSecurityLevel,
        'attestationSecurityLevel',
      ),
      keymasterVersion: toInteger(asn.keymasterVersion, 'keymasterVersion'),
      keymasterSecurityLevel: enumName(SECURITY_LEVELS, asn.keymasterSecurityLevel, 'keymasterSecurityLevel'),
      attestationChallenge: base64(asn.attestationChallenge),
      attestationChallengeHex: Buffer.from(asn.attestationChallenge).toString('hex'),
      uniqueId: base64(asn.uniqueId),
      softwareEnforced: toAuthorizationList(asn.softwareEnforced, 'softwareEnforced'),
      hardwareEnforced: toAuthorizationList(asn.hardwareEnforced, 'hardwareEnforced'),
    };
  } catch (error) {
    if (error instanceof KeyDescriptionError) throw error;
    throw new KeyDescriptionError(
      `KeyDescription is malformed: ${error instanceof Error ? error.message : error}`,
    );
  }
}
