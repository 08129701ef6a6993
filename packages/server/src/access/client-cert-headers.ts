import { createHash } from 'node:crypto';

/** Headers as Node gives them: lower-case names, string or string[] values. */
export type HeaderBag = Readonly<Record<string, string | string[] | undefined>>;

/** The first value of a header, trimmed; `undefined` when absent or empty. */
export function headerOf(headers: HeaderBag, name: string): string | undefined {
  const raw = headers[name];
  const value = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  return value === undefined || value === '' ? undefined : value;
}

const HEX64 = /^[0-9a-f]{64}$/;

/** A SHA-256 fingerprint as hex, with or without colons, any case → lower-case hex, or `undefined`. */
export function normalizeFingerprint(value: string): string | undefined {
  // The usual case (already lower-case hex) without building new strings.
  if (value.length === 64 && HEX64.test(value)) return value;
  const hex = value.replace(/:/g, '').toLowerCase();
  return HEX64.test(hex) ? hex : undefined;
}

const sha256Hex = (der: Buffer) => createHash('sha256').update(der).digest('hex');

/** DER bytes from a PEM certificate (the first one) or from bare base64; `undefined` when neither. */
export function derOf(text: string): Buffer | undefined {
  let body = text;
  const begin = text.indexOf('-----BEGIN CERTIFICATE-----');
  if (begin !== -1) {
    const start = begin + '-----BEGIN CERTIFICATE-----'.length;
    const end = text.indexOf('-----END CERTIFICATE-----', start);
    if (end === -1) return undefined;
    body = text.slice(start, end);
  }
  body = body.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(body)) return undefined;
  const der = Buffer.from(body, body.includes('-') || body.includes('_') ? 'base64url' : 'base64');
  // A DER certificate is a SEQUENCE: anything else is not a certificate.
  return der.length >= 64 && der[0] === 0x30 ? der : undefined;
}

function urlDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

/** The SHA-256 of a certificate given as URL-escaped PEM or base64 DER (nginx, Caddy). */
export function fingerprintOfCertHeader(value: string): string | undefined {
  const text = value.includes('%') ? urlDecode(value) : value;
  if (text === undefined) return undefined;
  const der = derOf(text);
  return der === undefined ? undefined : sha256Hex(der);
}

/** Traefik `passTLSClientCert` (`pem: true`): base64 DER, maybe URL-escaped, chain comma-separated. */
export function fingerprintOfTraefikHeader(value: string): string | undefined {
  const text = value.includes('%') ? urlDecode(value) : value;
  const first = text?.split(',')[0];
  return first === undefined ? undefined : fingerprintOfCertHeader(first);
}

/** Splits `a;b="x;y",c` on a separator outside double quotes. */
function splitOutsideQuotes(value: string, separator: string): string[] {
  const parts: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '"' && value[i - 1] !== '\\') quoted = !quoted;
    else if (c === separator && !quoted) {
      parts.push(value.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(value.slice(start));
  return parts;
}

/**
 * Envoy's `x-forwarded-client-cert`: the first element (the one the nearest Envoy set) gives
 * `Hash=<hex SHA-256>`, or `Cert="<URL-encoded PEM>"` when no hash is present.
 */
export function fingerprintOfXfcc(value: string): string | undefined {
  const element = splitOutsideQuotes(value, ',')[0] ?? '';
  let cert: string | undefined;
  for (const pair of splitOutsideQuotes(element, ';')) {
    const eq = pair.indexOf('=');
    if (eq === -1) continue;
    const key = pair.slice(0, eq).trim().toLowerCase();
    let val = pair.slice(eq + 1).trim();
    if (val.startsWith('"') && val.endsWith('"')) val = val.slice(1, -1);
    if (key === 'hash') return normalizeFingerprint(val);
    if (key === 'cert') cert = val;
  }
  return cert === undefined ? undefined : fingerprintOfCertHeader(cert);
}

/** The proxies whose identity headers Riskgate reads (docs/proxies.md). */
export type IdentityHeaderKind = 'nginx' | 'traefik' | 'caddy' | 'envoy';

interface IdentityHeader {
  readonly name: string;
  readonly parse: (value: string) => string | undefined;
}
type IdentityHeaders = Readonly<Record<IdentityHeaderKind, IdentityHeader>>;

/**
 * The one identity header each proxy sets (and, in its documented configuration, overwrites or
 * strips), with its parser. A request is read through exactly one of them: its integration's.
 * `memo` wraps the parsers worth remembering (see {@link createIdentityHeaderReader}).
 */
function identityHeaders(
  memo: (parse: (value: string) => string | undefined) => (value: string) => string | undefined,
): IdentityHeaders {
  return {
    nginx: { name: 'x-client-cert', parse: memo(fingerprintOfCertHeader) },
    traefik: { name: 'x-forwarded-tls-client-cert', parse: memo(fingerprintOfTraefikHeader) },
    caddy: { name: 'x-client-cert-sha256', parse: normalizeFingerprint },
    envoy: { name: 'x-forwarded-client-cert', parse: memo(fingerprintOfXfcc) },
  };
}

/** The parsers as they are, nothing remembered. */
const UNREMEMBERED: IdentityHeaders = Object.freeze(identityHeaders((parse) => parse));
/** Every header some proxy uses to carry a device certificate: any of them may be client-forged. */
const ALL_UNREMEMBERED: readonly IdentityHeader[] = Object.freeze(Object.values(UNREMEMBERED));

/** The identity header an integration reads (lower case). */
export const identityHeaderOf = (kind: IdentityHeaderKind): string => UNREMEMBERED[kind].name;

/** The device a proxy's headers name, or why they cannot be believed. */
export interface HeaderIdentity {
  /** Lower-case hex SHA-256 of the device certificate, from the integration's own header. */
  readonly fingerprint: string | undefined;
  /**
   * Set when another identity header is present and does not name the same certificate (a client
   * copy the proxy did not strip): the header's name. Such a request is refused, never guessed.
   */
  readonly conflict: string | undefined;
}

/** Reads a request's device identity from its proxy headers (see {@link identityFromHeaders}). */
export type IdentityHeaderReader = (headers: HeaderBag, kind: IdentityHeaderKind) => HeaderIdentity;

function identityWith(
  table: IdentityHeaders,
  all: readonly IdentityHeader[],
  headers: HeaderBag,
  kind: IdentityHeaderKind,
): HeaderIdentity {
  const own = table[kind];
  const value = headerOf(headers, own.name);
  let fingerprint = value === undefined ? undefined : own.parse(value);
  if (kind === 'nginx') {
    const verify = headerOf(headers, 'x-client-verify');
    if (verify !== undefined && verify !== 'SUCCESS' && verify !== 'NONE') fingerprint = undefined;
  }
  for (const other of all) {
    if (other === own) continue;
    const copy = headerOf(headers, other.name);
    // The common case (no other header) costs one property read per header.
    if (copy !== undefined && (fingerprint === undefined || other.parse(copy) !== fingerprint))
      return { fingerprint, conflict: other.name };
  }
  return { fingerprint, conflict: undefined };
}

/**
 * The device certificate's SHA-256 from the integration's own identity header only (issue 11.3).
 * Any other identity header that is present must name the same certificate, else `conflict` names
 * it. nginx's `X-Client-Verify` other than `SUCCESS`/`NONE` means nginx did not verify the
 * certificate: no fingerprint then. Parses every header on every call; the access system reads
 * through its own {@link createIdentityHeaderReader}, which remembers them.
 */
export function identityFromHeaders(headers: HeaderBag, kind: IdentityHeaderKind): HeaderIdentity {
  return identityWith(UNREMEMBERED, ALL_UNREMEMBERED, headers, kind);
}

/** Header values remembered per kind of header; all are forgotten when one map is full. */
const MEMO_LIMIT = 1024;
/** Longer values (no device certificate is this large) are parsed every time, not remembered. */
const MEMO_MAX_LENGTH = 4096;

/**
 * {@link identityFromHeaders} with each certificate header's `parse(value)` remembered by value, in
 * maps this reader owns (one per access system, so one runtime's traffic never evicts another's): a
 * proxy sends the same certificate header (about 1 kB of escaped PEM for nginx) on every request of
 * a device, and URL-decoding, base64-decoding and hashing it again each time cost more than the rest
 * of the check. Pure functions of the value, so the memo cannot change an answer.
 */
export function createIdentityHeaderReader(): IdentityHeaderReader {
  const table = identityHeaders((parse) => {
    const memo = new Map<string, string | undefined>();
    return (value) => {
      if (value.length > MEMO_MAX_LENGTH) return parse(value);
      const known = memo.get(value);
      if (known !== undefined || memo.has(value)) return known;
      const fingerprint = parse(value);
      if (memo.size >= MEMO_LIMIT) memo.clear();
      memo.set(value, fingerprint);
      return fingerprint;
    };
  });
  const all = Object.values(table);
  return (headers, kind) => identityWith(table, all, headers, kind);
}
