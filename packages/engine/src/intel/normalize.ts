import { domainToASCII } from 'node:url';
import type { IndicatorKind } from '../types.ts';

/**
 * Normalisation shared by the parsers (when indexing) and the detectors (when looking up), so that
 * both sides compare the same text. Every function returns `undefined` for values that are not
 * valid for their kind.
 */

/** Undoes common defanging: `[.]`, `(.)`, `{.}`, `[dot]`, `hxxp`, `[:]`, `[@]`. */
export function refang(value: string): string {
  return value
    .replace(/\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)/gi, '.')
    .replace(/\[:\]/g, ':')
    .replace(/\[@\]|\[at\]/gi, '@')
    .replace(/^hxxp/i, 'http')
    .replace(/^fxp/i, 'ftp');
}

const ASCII_DOMAIN = /^(?:(?!-)[a-z0-9_-]{1,63}\.)+(?!-)[a-z0-9_-]{1,63}$/;
const RAW_HOST = /^[\p{L}\p{N}\p{M}._-]+$/u;
const DIGITS_AND_DOTS = /^[\d.]+$/;

/**
 * True when `normalizeDomain(value)` would return `value` itself: a lower-case ASCII name of at
 * least two labels, no trailing dot, not all digits. One regex test, no allocation: the lookup
 * fast path (an observed host is nearly always already in this form).
 */
export function isNormalDomain(value: string): boolean {
  return value.length <= 253 && ASCII_DOMAIN.test(value) && !DIGITS_AND_DOTS.test(value);
}

const CANONICAL_IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** True when `normalizeIp(value)` would return `value` itself: dotted IPv4 without leading zeros. */
export function isCanonicalIpv4(value: string): boolean {
  return CANONICAL_IPV4.test(value);
}

/**
 * A host name: trimmed, refanged, lower-case, no trailing dot, IDN as punycode, a leading `*.`
 * dropped. Needs at least two labels (a bare TLD is never an indicator); IP literals are not domains.
 */
export function normalizeDomain(input: string): string | undefined {
  let host = input.trim().toLowerCase();
  if (host.includes('[') || host.includes('(') || host.includes('{')) host = refang(host);
  if (host.startsWith('*.')) host = host.slice(2);
  if (host.endsWith('.')) host = host.slice(0, -1);
  if (host.length > 253) return undefined;
  // Fast path for ASCII names (nearly every feed value).
  if (ASCII_DOMAIN.test(host)) return DIGITS_AND_DOTS.test(host) ? undefined : host;
  if (!RAW_HOST.test(host)) return undefined;
  const ascii = domainToASCII(host);
  return ascii !== '' && ASCII_DOMAIN.test(ascii) && !DIGITS_AND_DOTS.test(ascii) ? ascii : undefined;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** An IPv4 or IPv6 address in canonical text (IPv4 without leading zeros, IPv6 compressed lower-case). */
export function normalizeIp(input: string): string | undefined {
  const text = refang(input.trim());
  const v4 = IPV4.exec(text);
  if (v4 !== null) {
    const parts = v4.slice(1).map(Number);
    return parts.every((p) => p <= 255) ? parts.join('.') : undefined;
  }
  if (!text.includes(':') || !/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  try {
    const host = new URL(`http://[${text}]/`).hostname;
    return host.slice(1, -1);
  } catch {
    return undefined;
  }
}

/** Lower-case hex of a given length (colons and spaces removed), e.g. a SHA-1 / SHA-256 fingerprint. */
export function normalizeHex(input: string, length: number): string | undefined {
  const hex = input.trim().replace(/[:\s]/g, '').toLowerCase();
  return hex.length === length && /^[0-9a-f]+$/.test(hex) ? hex : undefined;
}

const APP_ID = /^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/;

/** Android package name or iOS bundle id, lower-cased. */
export function normalizeAppId(input: string): string | undefined {
  const id = input.trim().toLowerCase();
  return id.length > 0 && id.length <= 255 && APP_ID.test(id) ? id : undefined;
}

/**
 * A URL without its scheme: `host[:port]/path?query`, host normalised like a domain (or an IP).
 * The scheme is dropped because trail feeds (maltrail) list URLs without one.
 */
export function normalizeUrl(input: string): string | undefined {
  const text = refang(input.trim()).replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const slash = text.indexOf('/');
  const authority = slash === -1 ? text : text.slice(0, slash);
  const rest = slash === -1 ? '' : text.slice(slash);
  const colon = authority.lastIndexOf(':');
  const hasPort = colon !== -1 && /^\d{1,5}$/.test(authority.slice(colon + 1)) && !authority.includes(']');
  const hostPart = hasPort ? authority.slice(0, colon) : authority;
  const host = normalizeIp(hostPart.replace(/^\[|\]$/g, '')) ?? normalizeDomain(hostPart);
  if (host === undefined) return undefined;
  const port = hasPort ? authority.slice(colon) : '';
  const path = rest === '/' ? '' : rest;
  return `${host}${port}${path}`;
}

/** Splits `host:port` / `[v6]:port` / a bare host into host and port. */
export function splitHostPort(input: string): { host: string; port?: number } {
  const text = input.trim();
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracket !== null) {
    const host = bracket[1] ?? '';
    return bracket[2] === undefined ? { host } : { host, port: Number(bracket[2]) };
  }
  const match = /^([^:]+):(\d{1,5})$/.exec(text);
  if (match !== null) return { host: match[1] ?? '', port: Number(match[2]) };
  return { host: text };
}

/** Normalises a value for an indicator kind; `undefined` when the value is not valid for it. */
export function normalizeIndicator(kind: IndicatorKind, value: string): string | undefined {
  switch (kind) {
    case 'app-id':
      return normalizeAppId(value);
    case 'cert-sha1':
      return normalizeHex(value, 40);
    case 'cert-sha256':
    case 'file-sha256':
      return normalizeHex(value, 64);
    case 'file-sha1':
      return normalizeHex(value, 40);
    case 'file-md5':
      return normalizeHex(value, 32);
    case 'domain':
      return normalizeDomain(value);
    case 'ip':
      return normalizeIp(value);
    case 'url':
      return normalizeUrl(value);
    case 'email': {
      const email = refang(value.trim()).toLowerCase();
      return /^[^\s@]+@[^\s@]+$/.test(email) ? email : undefined;
    }
    case 'profile-id':
    case 'process':
    case 'android-property':
    case 'file-path':
    case 'file-name': {
      const text = value.trim();
      return text === '' || text.length > 1024
        ? undefined
        : kind === 'profile-id'
          ? text.toLowerCase()
          : text;
    }
  }
}

/** Normalises an Android security patch level (`2024-06-01`, `2024-06`) to `YYYY-MM-DD`. */
export function normalizePatchLevel(input: string): string | undefined {
  const match = /^(\d{4})-(\d{2})(?:-(\d{2}))?$/.exec(input.trim());
  if (match === null) return undefined;
  return `${match[1]}-${match[2]}-${match[3] ?? '01'}`;
}

/** Android major version as bulletins use it: `12`, `12L`, `13` (from `13.0`, `Android-12L`, `12l`). */
export function normalizeAndroidVersion(input: string): string | undefined {
  const match = /^(?:android[-\s]?)?(\d{1,2})(?:\.(\d+))?(l)?(?:\.\d+)*$/i.exec(input.trim());
  if (match === null) return undefined;
  const major = String(Number(match[1]));
  if (match[3] !== undefined) return `${major}L`;
  // 12.1 is 12L (API 32).
  if (major === '12' && match[2] === '1') return '12L';
  return major;
}

/** Compares dotted numeric versions (`17.5.1` vs `17.6`): negative, zero or positive. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((p) => Number.parseInt(p, 10) || 0);
  const pb = b.split('.').map((p) => Number.parseInt(p, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** Lower-case letters and digits only: a loose key for matching device names across feeds. */
export function nameKey(input: string): string {
  return input.toLowerCase().replace(/[^a-z0-9+]/g, '');
}
