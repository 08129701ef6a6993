/**
 * OS and agent version comparison. Versions are dotted numbers as users see them: Android `14`,
 * iOS `17.5.1`, `18.0`. Missing trailing parts count as zero, so `18` equals `18.0` and `18.0.0`.
 * Anything after the leading dotted number (`17.5.1 (21F90)`, `14-beta`) is ignored.
 */

const LEADING_VERSION = /^\s*v?(\d+(?:\.\d+)*)/i;

/**
 * Parses the leading dotted number of a version string into its parts, or `undefined` when the
 * string does not start with a number (`""`, `"unknown"`).
 */
export function parseDottedVersion(version: string): number[] | undefined {
  const match = LEADING_VERSION.exec(version);
  const digits = match?.[1];
  if (digits === undefined) return undefined;
  return digits.split('.').map(Number);
}

/** Compares two parsed versions: negative when `a < b`, zero when equal, positive when `a > b`. */
export function compareParsedDottedVersions(a: readonly number[], b: readonly number[]): number {
  const length = Math.max(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff < 0 ? -1 : 1;
  }
  return 0;
}

/**
 * Compares two version strings (`"14"`, `"14.1.2"`, `"17.5.1"`, `"18.0"`): -1, 0 or 1, or
 * `undefined` when either is not a version.
 */
export function compareDottedVersions(a: string, b: string): -1 | 0 | 1 | undefined {
  const pa = parseDottedVersion(a);
  const pb = parseDottedVersion(b);
  if (pa === undefined || pb === undefined) return undefined;
  return compareParsedDottedVersions(pa, pb) as -1 | 0 | 1;
}
