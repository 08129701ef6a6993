import { createHash, verify } from 'node:crypto';
import { importPublicKey, type PublicKeyOf } from './public-key-cache.ts';

/** A P-256 public key as JWK (only the public members are kept). */
export interface EcPublicJwk {
  readonly kty: 'EC';
  readonly crv: 'P-256';
  readonly x: string;
  readonly y: string;
}

/** The protected header of a device request JWS (docs/agent-protocol.md §2). */
export interface RequestJwsHeader {
  readonly alg: 'ES256';
  readonly typ?: string;
  readonly kid?: string;
  readonly jwk?: EcPublicJwk;
}

/** The signed payload of a device request. */
export interface RequestJwsPayload {
  readonly m: string;
  readonly p: string;
  readonly bd: string;
  readonly ts: number;
  readonly n: string;
}

/** A JWS split and decoded, not yet verified. */
export interface ParsedJws {
  readonly header: RequestJwsHeader;
  readonly payload: RequestJwsPayload;
  readonly signingInput: string;
  readonly signature: Buffer;
}

const B64URL = /^[A-Za-z0-9_-]+$/;

function decodeJson(part: string): unknown {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Narrows an unknown value to a P-256 public JWK (32-byte coordinates), or `undefined`. */
export function asEcPublicJwk(value: unknown): EcPublicJwk | undefined {
  if (!isObject(value) || value.kty !== 'EC' || value.crv !== 'P-256') return undefined;
  const { x, y } = value;
  if (typeof x !== 'string' || typeof y !== 'string' || !B64URL.test(x) || !B64URL.test(y)) return undefined;
  if (Buffer.from(x, 'base64url').length !== 32 || Buffer.from(y, 'base64url').length !== 32)
    return undefined;
  return { kty: 'EC', crv: 'P-256', x, y };
}

/** Splits and decodes a compact JWS; returns `undefined` for anything malformed. */
export function parseRequestJws(compact: string): ParsedJws | undefined {
  if (compact.length > 4096) return undefined;
  const parts = compact.split('.');
  if (parts.length !== 3) return undefined;
  const [h, p, s] = parts as [string, string, string];
  if (!B64URL.test(h) || !B64URL.test(p) || !B64URL.test(s)) return undefined;
  let header: unknown;
  let payload: unknown;
  try {
    header = decodeJson(h);
    payload = decodeJson(p);
  } catch {
    return undefined;
  }
  if (!isObject(header) || header.alg !== 'ES256' || !isObject(payload)) return undefined;
  const { m, p: path, bd, ts, n } = payload;
  if (typeof m !== 'string' || typeof path !== 'string' || typeof bd !== 'string') return undefined;
  if (typeof ts !== 'number' || !Number.isFinite(ts) || typeof n !== 'string') return undefined;
  const jwk = header.jwk === undefined ? undefined : asEcPublicJwk(header.jwk);
  if (header.jwk !== undefined && jwk === undefined) return undefined;
  const kid = typeof header.kid === 'string' ? header.kid : undefined;
  return {
    header: {
      alg: 'ES256',
      ...(typeof header.typ === 'string' ? { typ: header.typ } : {}),
      ...(kid !== undefined ? { kid } : {}),
      ...(jwk !== undefined ? { jwk } : {}),
    },
    payload: { m, p: path, bd, ts, n },
    signingInput: `${h}.${p}`,
    signature: Buffer.from(s, 'base64url'),
  };
}

/**
 * Verifies an ES256 (raw r‖s) signature over the JWS signing input with a P-256 JWK, imported with
 * `publicKeyOf` (the runtime's key cache on the device-request path; imported afresh by default).
 */
export function verifyJwsSignature(
  jws: ParsedJws,
  jwk: EcPublicJwk,
  publicKeyOf: PublicKeyOf = importPublicKey,
): boolean {
  if (jws.signature.length !== 64) return false;
  try {
    const key = publicKeyOf(jwk);
    return verify('sha256', Buffer.from(jws.signingInput), { key, dsaEncoding: 'ieee-p1363' }, jws.signature);
  } catch {
    return false;
  }
}

/** base64url SHA-256 of the exact body bytes (the `bd` claim). */
export function bodyDigest(body: Uint8Array | string): string {
  return createHash('sha256').update(body).digest('base64url');
}

/** Same key? Compares the JWK coordinates. */
export function sameJwk(a: EcPublicJwk, b: EcPublicJwk): boolean {
  return a.x === b.x && a.y === b.y && a.crv === b.crv;
}
