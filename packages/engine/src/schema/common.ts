import { type TSchema, Type } from '@sinclair/typebox';

/**
 * Small building blocks shared by the telemetry schemas: bounded strings, hashes, dates.
 * Every string has a `maxLength` and every array a `maxItems`, so the server can validate a report
 * with hard size limits before it touches anything else.
 */

/** Upper bounds used across the schema; exported so agents and tests can reason about them. */
export const LIMITS = {
  apps: 5000,
  permissions: 500,
  specialAccess: 16,
  rootIndicators: 100,
  dnsServers: 16,
  tlsProbes: 64,
  downgradeProbes: 64,
  dnsProbes: 64,
  dnsAnswers: 16,
  gatewayMacHistory: 256,
  userCaCertificates: 256,
  iosProfiles: 256,
  profilePayloadTypes: 64,
  visitedDomains: 5000,
  connections: 5000,
  processes: 2000,
  events: 1000,
  attestationChain: 10,
} as const;

/** A bounded, non-empty string. */
export const BoundedString = (maxLength: number, extra: Record<string, unknown> = {}) =>
  Type.String({ minLength: 1, maxLength, ...extra });

/** Lower- or upper-case hex of a fixed length (SHA-1: 40, SHA-256: 64). */
export const Hex = (length: number, description: string) =>
  Type.String({ pattern: `^[0-9a-fA-F]{${length}}$`, minLength: length, maxLength: length, description });

export const Sha1Hex = Hex(40, 'SHA-1, hex');
export const Md5Hex = Hex(32, 'MD5, hex');
export const Sha256Hex = Hex(64, 'SHA-256, hex');

/** ISO 8601 UTC timestamp (`2026-11-25T18:00:00.000Z`). */
export const Timestamp = Type.String({ format: 'date-time', maxLength: 40 });

/** Calendar date `YYYY-MM-DD` (Android security patch level). */
export const CalendarDate = Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', maxLength: 10 });

/** Host name as reported by the device (not yet normalised: the engine normalises case and IDN). */
export const HostName = BoundedString(253);

/** IPv4 or IPv6 address in text form. */
export const IpAddress = Type.String({ minLength: 2, maxLength: 45, pattern: '^[0-9a-fA-F:.]+$' });

/** A MAC address / BSSID, `aa:bb:cc:dd:ee:ff`. */
export const MacAddress = Type.String({ pattern: '^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$', maxLength: 17 });

/** Android package name or iOS bundle id. */
export const AppId = Type.String({ minLength: 1, maxLength: 255, pattern: '^[A-Za-z0-9_.\\-]+$' });

/** An array with a `maxItems` bound. */
export const BoundedArray = <T extends TSchema>(item: T, maxItems: number) => Type.Array(item, { maxItems });
