import { type Static, Type } from '@sinclair/typebox';
import type { DeviceAttestationView } from '../../attestation/attestation-service.ts';

const SecurityLevel = Type.Union([
  Type.Literal('SOFTWARE'),
  Type.Literal('TRUSTED_ENVIRONMENT'),
  Type.Literal('STRONG_BOX'),
]);

/** The device detail's `attestation`: the server's verification beside what the agent reported. */
export const DeviceAttestationSchema = Type.Object({
  verified: Type.Union([
    Type.Object({
      verdict: Type.Union([Type.Literal('verified'), Type.Literal('failed')]),
      reasons: Type.Array(
        Type.Object({
          code: Type.String(),
          message: Type.String(),
          certificateIndex: Type.Optional(Type.Integer()),
        }),
      ),
      securityLevel: Type.Optional(SecurityLevel),
      facts: Type.Object({
        osVersion: Type.Optional(Type.String()),
        patchLevel: Type.Optional(Type.String()),
        vendorPatchLevel: Type.Optional(Type.String()),
        bootPatchLevel: Type.Optional(Type.String()),
        bootloaderLocked: Type.Optional(Type.Boolean()),
        verifiedBootState: Type.Optional(Type.String()),
        verifiedBootColor: Type.Optional(Type.String()),
        securityLevel: Type.Optional(SecurityLevel),
        packageNames: Type.Array(Type.String()),
      }),
      trustedRoot: Type.Optional(Type.String()),
      checkedAt: Type.String(),
    }),
    Type.Null(),
  ]),
  reported: Type.Object({
    osVersion: Type.Optional(Type.String()),
    securityPatch: Type.Optional(Type.String()),
    bootloaderLocked: Type.Optional(Type.Boolean()),
    verifiedBootState: Type.Optional(Type.String()),
  }),
});

/** The service's (read-only) view in the reply's shape. */
export function deviceAttestationReply(view: DeviceAttestationView): Static<typeof DeviceAttestationSchema> {
  const { verified } = view;
  return {
    reported: { ...view.reported },
    verified:
      verified === null
        ? null
        : {
            ...verified,
            reasons: verified.reasons.map((reason) => ({ ...reason })),
            facts: { ...verified.facts, packageNames: [...verified.facts.packageNames] },
          },
  };
}
