import { type Static, Type } from '@sinclair/typebox';
import { BoundedArray, BoundedString, CalendarDate, LIMITS, Timestamp } from './common.ts';

/** Device identity and OS level. */
export const DeviceInfoSchema = Type.Object(
  {
    platform: Type.Union([Type.Literal('android'), Type.Literal('ios')]),
    /** OS version as shown to the user: Android `14`, iOS `17.5.1`. */
    osVersion: BoundedString(32),
    /** iOS build number (`21F90`) or Android build id; lets feeds keyed by build match exactly. */
    osBuild: Type.Optional(BoundedString(64)),
    /** Android security patch level, `YYYY-MM-DD`. Absent on iOS. */
    securityPatch: Type.Optional(CalendarDate),
    model: BoundedString(128),
    manufacturer: BoundedString(128),
    /** Android `ro.build.fingerprint`. */
    buildFingerprint: Type.Optional(BoundedString(512)),
    agentVersion: BoundedString(32),
  },
  { additionalProperties: false },
);
export type DeviceInfo = Static<typeof DeviceInfoSchema>;

/** Attestation verdict as reported (and later re-verified by the server). */
export const AttestationVerdictSchema = Type.Union([
  Type.Literal('pass'),
  Type.Literal('fail'),
  /** The device could not produce an attestation (no hardware support, API error). */
  Type.Literal('unavailable'),
  /** Evidence was collected but nobody has verified it yet. */
  Type.Literal('unverified'),
]);
export type AttestationVerdict = Static<typeof AttestationVerdictSchema>;

export const VerifiedBootStateSchema = Type.Union([
  Type.Literal('green'),
  Type.Literal('yellow'),
  Type.Literal('orange'),
  Type.Literal('red'),
  Type.Literal('unknown'),
]);
export type VerifiedBootState = Static<typeof VerifiedBootStateSchema>;

/**
 * Attestation: the verdict plus what the attestation itself claims, so the engine can compare the
 * attested state with what the agent reported (`device.attestation-mismatch`).
 */
export const AttestationSchema = Type.Object(
  {
    verdict: AttestationVerdictSchema,
    /** Mechanism: Android key attestation, Play Integrity, Apple App Attest / DeviceCheck. */
    method: Type.Optional(
      Type.Union([
        Type.Literal('android-key-attestation'),
        Type.Literal('play-integrity'),
        Type.Literal('app-attest'),
        Type.Literal('device-check'),
      ]),
    ),
    securityLevel: Type.Optional(
      Type.Union([Type.Literal('software'), Type.Literal('trusted-environment'), Type.Literal('strongbox')]),
    ),
    /**
     * The server-issued challenge (hex, from `POST /v1/device/attestation/challenge`) the key was
     * generated with; the server checks it equals the one attested in the leaf certificate.
     */
    challenge: Type.Optional(Type.String({ pattern: '^([0-9a-fA-F]{2})+$', minLength: 2, maxLength: 256 })),
    /** Certificate chain, base64 DER, leaf first (verified server-side later). */
    certificateChain: Type.Optional(BoundedArray(Type.String({ maxLength: 16384 }), LIMITS.attestationChain)),
    /** Why the verdict is not `pass`, as reported. */
    reason: Type.Optional(BoundedString(512)),
    attestedBootloaderLocked: Type.Optional(Type.Boolean()),
    attestedVerifiedBootState: Type.Optional(VerifiedBootStateSchema),
    attestedSecurityPatch: Type.Optional(CalendarDate),
    attestedOsVersion: Type.Optional(BoundedString(32)),
    checkedAt: Type.Optional(Timestamp),
    /**
     * Until when the server's verdict stands (its check time plus the server's maximum age); set
     * by the server, never taken from an agent. After it, compliance treats the device as not
     * attested (`requireAttestation` fails as `expired`) until it attests again.
     */
    validUntil: Type.Optional(Timestamp),
  },
  { additionalProperties: false },
);
export type Attestation = Static<typeof AttestationSchema>;

/**
 * Integrity state. Booleans are optional: absent means "the agent could not tell", which never
 * raises a threat by itself (only `device.attestation-missing` speaks about missing evidence).
 */
export const IntegritySchema = Type.Object(
  {
    rooted: Type.Optional(Type.Boolean()),
    jailbroken: Type.Optional(Type.Boolean()),
    /** What the agent saw, e.g. `su binary at /system/xbin/su`, `Cydia installed`. */
    rootIndicators: Type.Optional(BoundedArray(BoundedString(256), LIMITS.rootIndicators)),
    bootloaderLocked: Type.Optional(Type.Boolean()),
    verifiedBootState: Type.Optional(VerifiedBootStateSchema),
    selinux: Type.Optional(
      Type.Union([
        Type.Literal('enforcing'),
        Type.Literal('permissive'),
        Type.Literal('disabled'),
        Type.Literal('unknown'),
      ]),
    ),
    developerOptions: Type.Optional(Type.Boolean()),
    usbDebugging: Type.Optional(Type.Boolean()),
    /** Android: installs from unknown sources allowed (for any app). */
    unknownSources: Type.Optional(Type.Boolean()),
    screenLock: Type.Optional(Type.Boolean()),
    encrypted: Type.Optional(Type.Boolean()),
    /** Google Play Protect / package verification enabled. */
    appVerification: Type.Optional(Type.Boolean()),
    attestation: Type.Optional(AttestationSchema),
  },
  { additionalProperties: false },
);
export type Integrity = Static<typeof IntegritySchema>;
