/**
 * ASN.1 schema of the Android KeyDescription extension (OID 1.3.6.1.4.1.11129.2.1.17), declared
 * with @peculiar/asn1-schema. Decoding is done entirely by the library; nothing here reads DER.
 *
 * Why not `@peculiar/asn1-android`'s `KeyDescription` as is: its AuthorizationList is a strict
 * SEQUENCE that misses the newer KeyMint tags (`blockMode` [4], `mlDsaVariant` [11]) and cannot tell
 * whether the device emitted the tags in the required ascending order. Here each AuthorizationList
 * is decoded as a SEQUENCE OF a CHOICE of every known tag (the same technique as the library's
 * `NonStandardAuthorizationList`), driven by one table, so the tag order is observable and new tags
 * are one table row. `RootOfTrust.deviceLocked` uses a strict DER BOOLEAN converter (0x00 / 0xFF
 * only): a sloppy encoding there is a known forgery pattern and is refused as malformed.
 * The AttestationApplicationId inside tag 709 is decoded with the library's own class.
 */
import { IntegerSet } from '@peculiar/asn1-android';
import {
  AsnArray,
  AsnBooleanConverter,
  AsnProp,
  AsnPropTypes,
  AsnType,
  AsnTypeTypes,
  type IAsnConverter,
} from '@peculiar/asn1-schema';

/** How the value under one AuthorizationList tag is typed. */
export type AuthorizationValueKind =
  | 'integer'
  | 'integer-set'
  | 'flag' // NULL: presence means true
  | 'bytes' // OCTET STRING shown as base64
  | 'text' // OCTET STRING holding UTF-8 (attested device ids)
  | 'origin' // INTEGER mapped to a KeyOrigin name
  | 'root-of-trust'
  | 'application-id'; // OCTET STRING holding a DER AttestationApplicationId

/** One known AuthorizationList tag. `name` follows Google's keyattestation library JSON naming. */
export interface AuthorizationTag {
  readonly tag: number;
  readonly name: string;
  readonly kind: AuthorizationValueKind;
}

/**
 * Every AuthorizationList tag we decode, in ascending tag order. Sources: AOSP KeyMint Tag.aidl and
 * https://source.android.com/docs/security/features/keystore/attestation#authorizationlist-fields.
 */
export const AUTHORIZATION_TAGS: readonly AuthorizationTag[] = [
  { tag: 1, name: 'purposes', kind: 'integer-set' },
  { tag: 2, name: 'algorithms', kind: 'integer' },
  { tag: 3, name: 'keySize', kind: 'integer' },
  { tag: 4, name: 'blockModes', kind: 'integer-set' },
  { tag: 5, name: 'digests', kind: 'integer-set' },
  { tag: 6, name: 'paddings', kind: 'integer-set' },
  { tag: 10, name: 'ecCurve', kind: 'integer' },
  { tag: 11, name: 'mlDsaVariant', kind: 'integer' },
  { tag: 200, name: 'rsaPublicExponent', kind: 'integer' },
  { tag: 203, name: 'rsaOaepMgfDigests', kind: 'integer-set' },
  { tag: 303, name: 'rollbackResistance', kind: 'flag' },
  { tag: 305, name: 'earlyBootOnly', kind: 'flag' },
  { tag: 400, name: 'activeDateTime', kind: 'integer' },
  { tag: 401, name: 'originationExpireDateTime', kind: 'integer' },
  { tag: 402, name: 'usageExpireDateTime', kind: 'integer' },
  { tag: 405, name: 'usageCountLimit', kind: 'integer' },
  { tag: 503, name: 'noAuthRequired', kind: 'flag' },
  { tag: 504, name: 'userAuthType', kind: 'integer' },
  { tag: 505, name: 'authTimeout', kind: 'integer' },
  { tag: 506, name: 'allowWhileOnBody', kind: 'flag' },
  { tag: 507, name: 'trustedUserPresenceRequired', kind: 'flag' },
  { tag: 508, name: 'trustedConfirmationRequired', kind: 'flag' },
  { tag: 509, name: 'unlockedDeviceRequired', kind: 'flag' },
  { tag: 600, name: 'allApplications', kind: 'flag' },
  { tag: 601, name: 'applicationId', kind: 'bytes' },
  { tag: 701, name: 'creationDateTime', kind: 'integer' },
  { tag: 702, name: 'origin', kind: 'origin' },
  { tag: 703, name: 'rollbackResistant', kind: 'flag' },
  { tag: 704, name: 'rootOfTrust', kind: 'root-of-trust' },
  { tag: 705, name: 'osVersion', kind: 'integer' },
  { tag: 706, name: 'osPatchLevel', kind: 'integer' },
  { tag: 709, name: 'attestationApplicationId', kind: 'application-id' },
  { tag: 710, name: 'attestationIdBrand', kind: 'text' },
  { tag: 711, name: 'attestationIdDevice', kind: 'text' },
  { tag: 712, name: 'attestationIdProduct', kind: 'text' },
  { tag: 713, name: 'attestationIdSerial', kind: 'text' },
  { tag: 714, name: 'attestationIdImei', kind: 'text' },
  { tag: 715, name: 'attestationIdMeid', kind: 'text' },
  { tag: 716, name: 'attestationIdManufacturer', kind: 'text' },
  { tag: 717, name: 'attestationIdModel', kind: 'text' },
  { tag: 718, name: 'vendorPatchLevel', kind: 'integer' },
  { tag: 719, name: 'bootPatchLevel', kind: 'integer' },
  { tag: 720, name: 'deviceUniqueAttestation', kind: 'flag' },
  { tag: 723, name: 'attestationIdSecondImei', kind: 'text' },
  { tag: 724, name: 'moduleHash', kind: 'bytes' },
];

type AsnItemType = NonNullable<Parameters<typeof AsnProp>[0]['type']>;

/** The asn1js BOOLEAN block, typed structurally (asn1js is the library's own dependency). */
interface Asn1BooleanValue {
  readonly valueBlock: { readonly valueHexView: Uint8Array };
}

/** DER BOOLEAN: exactly one octet, 0x00 or 0xFF. BER's "any non-zero is true" is refused. */
const StrictBooleanConverter: IAsnConverter<boolean, Asn1BooleanValue> = {
  fromASN(value) {
    const octets = value.valueBlock.valueHexView;
    if (octets.length !== 1 || (octets[0] !== 0x00 && octets[0] !== 0xff)) {
      throw new Error('BOOLEAN is not DER-encoded (must be 0x00 or 0xFF)');
    }
    return octets[0] === 0xff;
  },
  toASN(value) {
    return AsnBooleanConverter.toASN(value) as unknown as Asn1BooleanValue;
  },
};

/** RootOfTrust ::= SEQUENCE { verifiedBootKey, deviceLocked, verifiedBootState, verifiedBootHash? } */
export class RootOfTrustAsn {
  verifiedBootKey: ArrayBuffer = new ArrayBuffer(0);
  deviceLocked = false;
  verifiedBootState = 0;
  verifiedBootHash?: ArrayBuffer;
}
AsnProp({ type: AsnPropTypes.OctetString })(RootOfTrustAsn.prototype, 'verifiedBootKey');
AsnProp({
  type: AsnPropTypes.Boolean,
  // The converter is typed against asn1js (not a direct dependency); its shape is checked above.
  converter: StrictBooleanConverter as unknown as IAsnConverter,
})(RootOfTrustAsn.prototype, 'deviceLocked');
AsnProp({ type: AsnPropTypes.Enumerated })(RootOfTrustAsn.prototype, 'verifiedBootState');
AsnProp({ type: AsnPropTypes.OctetString, optional: true })(RootOfTrustAsn.prototype, 'verifiedBootHash');

/** Decoded value of one AuthorizationList entry, before it is turned into plain JSON. */
export type AuthorizationAsnValue = number | string | null | ArrayBuffer | IntegerSet | RootOfTrustAsn;

/** One AuthorizationList entry: a CHOICE over every tag in `AUTHORIZATION_TAGS`. */
export class AuthorizationAsn {
  [name: string]: AuthorizationAsnValue | undefined;
}
AsnType({ type: AsnTypeTypes.Choice })(AuthorizationAsn);

function asnTypeOf(kind: AuthorizationValueKind): AsnItemType {
  switch (kind) {
    case 'integer':
    case 'origin':
      return AsnPropTypes.Integer;
    case 'integer-set':
      return IntegerSet;
    case 'flag':
      return AsnPropTypes.Null;
    case 'bytes':
    case 'text':
    case 'application-id':
      return AsnPropTypes.OctetString;
    case 'root-of-trust':
      return RootOfTrustAsn;
  }
}

for (const { tag, name, kind } of AUTHORIZATION_TAGS) {
  AsnProp({ context: tag, type: asnTypeOf(kind), optional: true })(AuthorizationAsn.prototype, name);
}

/** AuthorizationList, decoded as SEQUENCE OF AuthorizationAsn so that tag order is kept. */
export class AuthorizationListAsn extends AsnArray<AuthorizationAsn> {
  constructor(items?: AuthorizationAsn[]) {
    super(items);
    // AsnArray extends Array: restore the prototype so instances are AuthorizationListAsn.
    Object.setPrototypeOf(this, AuthorizationListAsn.prototype);
  }
}
AsnType({ type: AsnTypeTypes.Sequence, itemType: AuthorizationAsn })(AuthorizationListAsn);

/** KeyDescription ::= SEQUENCE { … } (field names of attestation versions 1–4; KeyMint renames 3–4). */
export class KeyDescriptionAsn {
  attestationVersion: number | string = 0;
  attestationSecurityLevel = 0;
  keymasterVersion: number | string = 0;
  keymasterSecurityLevel = 0;
  attestationChallenge: ArrayBuffer = new ArrayBuffer(0);
  uniqueId: ArrayBuffer = new ArrayBuffer(0);
  softwareEnforced = new AuthorizationListAsn();
  hardwareEnforced = new AuthorizationListAsn();
}
AsnProp({ type: AsnPropTypes.Integer })(KeyDescriptionAsn.prototype, 'attestationVersion');
AsnProp({ type: AsnPropTypes.Enumerated })(KeyDescriptionAsn.prototype, 'attestationSecurityLevel');
AsnProp({ type: AsnPropTypes.Integer })(KeyDescriptionAsn.prototype, 'keymasterVersion');
AsnProp({ type: AsnPropTypes.Enumerated })(KeyDescriptionAsn.prototype, 'keymasterSecurityLevel');
AsnProp({ type: AsnPropTypes.OctetString })(KeyDescriptionAsn.prototype, 'attestationChallenge');
AsnProp({ type: AsnPropTypes.OctetString })(KeyDescriptionAsn.prototype, 'uniqueId');
AsnProp({ type: AuthorizationListAsn })(KeyDescriptionAsn.prototype, 'softwareEnforced');
AsnProp({ type: AuthorizationListAsn })(KeyDescriptionAsn.prototype, 'hardwareEnforced');
