import { createHash } from 'node:crypto';
import type { TLSSocket } from 'node:tls';

/** The device certificate a TLS client presented, after the handshake checked it against the device CA. */
export type ClientCertificate =
  | { readonly kind: 'none' }
  /** Presented but not issued by the device CA (or expired, or malformed): not a device identity. */
  | { readonly kind: 'untrusted'; readonly error: string }
  | { readonly kind: 'trusted'; readonly fingerprint: string };

/**
 * Reads the client certificate from a TLS socket whose server was created with `requestCert`,
 * `rejectUnauthorized: false` and the device CAs as `ca`: Node then verified the chain and set
 * `authorized`. The fingerprint is the lower-case hex SHA-256 of the DER certificate, as
 * enrollment records it.
 */
export function readClientCertificate(socket: TLSSocket): ClientCertificate {
  const peer = socket.getPeerCertificate(false);
  // An object without `raw` means the client sent no certificate.
  const raw: Buffer | undefined = peer !== null && typeof peer === 'object' ? peer.raw : undefined;
  if (raw === undefined || raw.length === 0) return { kind: 'none' };
  if (!socket.authorized) {
    return { kind: 'untrusted', error: String(socket.authorizationError ?? 'unverified') };
  }
  return { kind: 'trusted', fingerprint: createHash('sha256').update(raw).digest('hex') };
}
