import { type Static, Type } from '@sinclair/typebox';
import {
  AppId,
  BoundedArray,
  BoundedString,
  LIMITS,
  Md5Hex,
  Sha1Hex,
  Sha256Hex,
  Timestamp,
} from './common.ts';

/** Special access an app holds (granted by the user in system settings, not a manifest permission). */
export const SpecialAccessSchema = Type.Union([
  Type.Literal('accessibility'),
  Type.Literal('device-admin'),
  Type.Literal('notification-listener'),
  Type.Literal('overlay'),
  Type.Literal('usage-stats'),
  Type.Literal('vpn'),
  Type.Literal('default-sms'),
  Type.Literal('install-packages'),
]);
export type SpecialAccess = Static<typeof SpecialAccessSchema>;

/** One installed app. */
export const AppSchema = Type.Object(
  {
    /** Android package name or iOS bundle id. */
    id: AppId,
    name: Type.Optional(BoundedString(256)),
    version: Type.Optional(Type.String({ maxLength: 128 })),
    /**
     * Android: installer package (`com.android.vending`); iOS: `app-store`, `testflight`,
     * `enterprise`, `developer`. `null` when the system reports none (adb, file manager).
     */
    installer: Type.Optional(Type.Union([BoundedString(255), Type.Null()])),
    /** Signing certificate fingerprints (first signer). */
    certSha1: Type.Optional(Sha1Hex),
    certSha256: Type.Optional(Sha256Hex),
    /** Signing certificate subject DN, e.g. `CN=Android Debug,O=Android,C=US`. */
    certSubject: Type.Optional(BoundedString(1024)),
    /** SHA-256 of the base APK / IPA. */
    fileSha256: Type.Optional(Sha256Hex),
    /** SHA-1 and MD5 of the same file: many public reports list only these. Optional, like the SHA-256. */
    fileSha1: Type.Optional(Sha1Hex),
    fileMd5: Type.Optional(Md5Hex),
    /** Granted (or requested, when grants are unknown) manifest permissions. */
    permissions: Type.Optional(BoundedArray(BoundedString(256), LIMITS.permissions)),
    specialAccess: Type.Optional(BoundedArray(SpecialAccessSchema, LIMITS.specialAccess)),
    system: Type.Optional(Type.Boolean()),
    firstInstallTime: Type.Optional(Timestamp),
    lastUpdateTime: Type.Optional(Timestamp),
  },
  { additionalProperties: false },
);
export type App = Static<typeof AppSchema>;
