import { createHash, type KeyObject, randomBytes, sign } from 'node:crypto';
import type { EcPublicJwk } from './keys.ts';

/** The header carrying the request signature. */
export const SIGNATURE_HEADER = 'x-riskgate-signature';
/** On re-enrollment: the same request signed by the device's current key (`kid`: the device id). */
export const PROOF_HEADER = 'x-riskgate-device-proof';

/** What one signature covers (docs/agent-protocol.md §2). */
export interface SignInput {
  readonly method: string;
  /** Path with query string, exactly as sent. */
  readonly path: string;
  /** Exact body bytes; empty for no body. */
  readonly body: string | Uint8Array;
  readonly privateKey: KeyObject;
  /** `kid` (device id) after enrollment, or `jwk` for enrollment itself. */
  readonly identity: { readonly kid: string } | { readonly jwk: EcPublicJwk };
  /** Signing time, Unix seconds. */
  readonly ts: number;
  /** Nonce (base64url, ≥ 16 random bytes). A fresh one when absent. */
  readonly nonce?: string;
}

const b64url = (data: string | Uint8Array): string => Buffer.from(data).toString('base64url');

/** base64url (no padding) SHA-256 of the exact body bytes. */
export function bodyDigest(body: string | Uint8Array): string {
  return createHash('sha256').update(body).digest('base64url');
}

/**
 * Signs one request: a compact JWS, ES256 (raw r‖s, 64 bytes), protected header
 * `{ alg, typ: 'riskgate-request+jws', kid | jwk }`, payload `{ m, p, bd, ts, n }`.
 */
export function signRequest(input: SignInput): string {
  const header = { alg: 'ES256', typ: 'riskgate-request+jws', ...input.identity };
  const payload = {
    m: input.method.toUpperCase(),
    p: input.path,
    bd: bodyDigest(input.body),
    ts: input.ts,
    n: input.nonce ?? randomBytes(16).toString('base64url'),
  };
  const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  const signature = sign('sha256', Buffer.from(signingInput), {
    key: input.privateKey,
    dsaEncoding: 'ieee-p1363',
  });
  return `${signingInput}.${signature.toString('base64url')}`;
}
