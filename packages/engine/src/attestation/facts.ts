/**
 * The device facts a KeyDescription vouches for, in the vocabulary of the telemetry schema.
 */
import type { VerifiedBootState as BootColor } from '../schema/device.ts';
import type { AttestationFacts, AuthorizationList, KeyDescription, VerifiedBootStateName } from './types.ts';

const BOOT_COLORS: Readonly<Record<VerifiedBootStateName, BootColor>> = {
  VERIFIED: 'green',
  SELF_SIGNED: 'yellow',
  UNVERIFIED: 'orange',
  FAILED: 'red',
};

/** 140000 → `14.0.0`; 90000 → `9.0.0`. Zero means "not reported" and yields undefined. */
export function formatOsVersion(value: number | undefined): string | undefined {
  if (value === undefined || value <= 0) return undefined;
  const major = Math.floor(value / 10000);
  const minor = Math.floor(value / 100) % 100;
  const patch = value % 100;
  return `${major}.${minor}.${patch}`;
}

/** 202408 → `2024-08`; 20240805 → `2024-08-05`. Anything else (0, odd lengths) yields undefined. */
export function formatPatchLevel(value: number | undefined): string | undefined {
  if (value === undefined) return undefined;
  const digits = String(value);
  if (digits.length === 6) return `${digits.slice(0, 4)}-${digits.slice(4)}`;
  if (digits.length === 8) return `${digits.slice(0, 4)}-${digits.slice(4, 6)}-${digits.slice(6)}`;
  return undefined;
}

type Defined<T> = { [K in keyof T]: Exclude<T[K], undefined> };

/** Drops undefined members so the result satisfies `exactOptionalPropertyTypes`-style readers. */
function compact<T extends object>(value: T): Partial<Defined<T>> {
  return Object.fromEntries(Object.entries(value).filter(([, member]) => member !== undefined)) as Partial<
    Defined<T>
  >;
}

/**
 * Extracts the facts. Only the hardware-enforced list is trusted for them: values that only the
 * software-enforced list carries come from Android itself, which a rooted device controls.
 */
export function attestationFactsOf(description: KeyDescription | undefined): AttestationFacts {
  if (description === undefined) return { packageNames: [] };
  const hw: AuthorizationList = description.hardwareEnforced;
  const rootOfTrust = hw.rootOfTrust;
  const application = description.softwareEnforced.attestationApplicationId ?? hw.attestationApplicationId;
  return {
    ...compact({
      osVersion: formatOsVersion(hw.osVersion),
      patchLevel: formatPatchLevel(hw.osPatchLevel),
      vendorPatchLevel: formatPatchLevel(hw.vendorPatchLevel),
      bootPatchLevel: formatPatchLevel(hw.bootPatchLevel),
      bootloaderLocked: rootOfTrust?.deviceLocked,
      verifiedBootState: rootOfTrust?.verifiedBootState,
      verifiedBootColor: rootOfTrust === undefined ? undefined : BOOT_COLORS[rootOfTrust.verifiedBootState],
      verifiedBootKey: rootOfTrust?.verifiedBootKey,
      securityLevel: description.attestationSecurityLevel,
      challengeHex: description.attestationChallengeHex,
      brand: hw.attestationIdBrand,
      device: hw.attestationIdDevice,
      product: hw.attestationIdProduct,
      serial: hw.attestationIdSerial,
      imei: hw.attestationIdImei,
      secondImei: hw.attestationIdSecondImei,
      meid: hw.attestationIdMeid,
      manufacturer: hw.attestationIdManufacturer,
      model: hw.attestationIdModel,
    }),
    packageNames: application?.packages.map((entry) => entry.name) ?? [],
  };
}
