import { createHash } from 'node:crypto';
import {
  bodyDigest,
  type EcPublicJwk,
  type ParsedJws,
  parseRequestJws,
  verifyJwsSignature,
} from '../crypto/jws.ts';
import type { PublicKeyOf } from '../crypto/public-key-cache.ts';
import { AppError } from '../errors.ts';
import { isUnsafeText, unsafeTextMessage } from '../validation.ts';

/** How far `ts` may be from server time, in seconds (docs/agent-protocol.md §2). */
export const MAX_CLOCK_SKEW_SECONDS = 300;
/** How long a nonce is remembered. */
export const NONCE_TTL_MS = 10 * 60_000;

/** The parts of an HTTP request a signature covers. */
export interface SignedRequest {
  readonly signature: string | undefined;
  readonly method: string;
  /** Path with query string, exactly as received. */
  readonly url: string;
  readonly rawBody: Uint8Array;
  /**
   * The `x-riskgate-device-proof` header: on re-enrollment, the same request signed by the
   * device's current key (docs/agent-protocol.md §3).
   */
  readonly proof?: string | undefined;
}

const badSignature = (message: string) => new AppError('bad_signature', message);

/** The header carrying a device request's signature (docs/agent-protocol.md §2). */
export const SIGNATURE_HEADER = 'x-riskgate-signature';

/**
 * Parses a request JWS, or throws `bad_signature`. `header` names where it came from in the
 * messages: the signature header, or the proof header on re-enrollment (which reuses this parser).
 */
export function parseSignature(
  request: Pick<SignedRequest, 'signature'>,
  header = SIGNATURE_HEADER,
): ParsedJws {
  if (request.signature === undefined || request.signature.length === 0) {
    throw badSignature(`missing ${header} header`);
  }
  const jws = parseRequestJws(request.signature);
  if (jws === undefined) throw badSignature(`${header} is not a valid ES256 compact JWS`);
  // The kid is looked up in the database before anything is verified.
  if (jws.header.kid !== undefined && isUnsafeText(jws.header.kid)) {
    throw new AppError('invalid_request', unsafeTextMessage(`${header} kid`));
  }
  if (jws.payload.n.length < 22 || jws.payload.n.length > 128 || !/^[A-Za-z0-9_-]+$/.test(jws.payload.n)) {
    throw badSignature(`${header} nonce must be at least 16 random bytes, base64url`);
  }
  return jws;
}

/** The parts of a request a signature covers that are known before its body is read. */
export type SignedHead = Omit<SignedRequest, 'rawBody'>;

/**
 * Checks what can be checked before the body is read: the signature with `jwk`, that it covers
 * this method and path, and the time. Throws `bad_signature` or `stale_request`.
 */
export function checkSignedHead(
  jws: ParsedJws,
  jwk: EcPublicJwk,
  request: SignedHead,
  now: Date,
  publicKeyOf?: PublicKeyOf,
): void {
  if (!verifyJwsSignature(jws, jwk, publicKeyOf))
    throw badSignature('signature does not verify against the device key');
  const { m, p, ts } = jws.payload;
  if (m !== request.method.toUpperCase()) throw badSignature('signed method does not match the request');
  if (p !== request.url) throw badSignature('signed path does not match the request');
  if (Math.abs(now.getTime() / 1000 - ts) > MAX_CLOCK_SKEW_SECONDS) {
    throw new AppError(
      'stale_request',
      `request time is more than ${MAX_CLOCK_SKEW_SECONDS} s from server time`,
    );
  }
}

/** Checks that the signed body digest is the digest of the body received. Throws `bad_signature`. */
export function checkSignedBody(jws: ParsedJws, rawBody: Uint8Array): void {
  if (jws.payload.bd !== bodyDigest(rawBody)) {
    throw badSignature('signed body digest does not match the body');
  }
}

/**
 * Checks the signature with `jwk`, that it covers this very request (method, path, body digest),
 * and the time. Throws `bad_signature` or `stale_request`; nonces are the caller's job.
 */
export function checkSignature(jws: ParsedJws, jwk: EcPublicJwk, request: SignedRequest, now: Date): void {
  checkSignedHead(jws, jwk, request, now);
  checkSignedBody(jws, request.rawBody);
}

/** A stable key id for a public key (used to remember enrollment nonces before a device exists). */
export function jwkThumbprintKey(jwk: EcPublicJwk): string {
  // RFC 7638 member order for EC keys: crv, kty, x, y.
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return `jwk:${createHash('sha256').update(canonical).digest('base64url')}`;
}
