import type { ServiceContext } from '../context.ts';
import { asEcPublicJwk, type ParsedJws } from '../crypto/jws.ts';
import type { PublicKeyOf } from '../crypto/public-key-cache.ts';
import { AppError } from '../errors.ts';
import type { DeviceRow } from '../queries/devices.ts';
import { findDeviceForSignature, recordDeviceNonce } from '../queries/report-ingest.ts';
import {
  checkSignedBody,
  checkSignedHead,
  NONCE_TTL_MS,
  parseSignature,
  type SignedHead,
  type SignedRequest,
} from './request-signature.ts';

/** A device request whose signature, path and time verified; its body is not read yet. */
export interface VerifiedHead {
  readonly device: DeviceRow;
  readonly jws: ParsedJws;
}

/**
 * First half of device authentication, run before the body is read (docs/agent-protocol.md §2):
 * the JWS names the device in `kid`; the device must exist and not be retired; the signature must
 * verify with its key and cover this method and path; `ts` must be within 300 s. A stranger is
 * refused here, so the server never buffers an unauthenticated body. Device keys are imported
 * through `publicKeyOf`, the runtime's key cache.
 */
export async function authenticateDeviceHead(
  ctx: Pick<ServiceContext, 'db' | 'now'>,
  request: SignedHead,
  publicKeyOf: PublicKeyOf,
): Promise<VerifiedHead> {
  const jws = parseSignature(request);
  const kid = jws.header.kid;
  if (kid === undefined || kid.length > 64)
    throw new AppError('bad_signature', 'signature must name the device in kid');
  const device = await findDeviceForSignature(ctx.db.db, ctx.db.dialect, kid);
  if (device === undefined) throw new AppError('bad_signature', 'unknown device');
  if (device.retired_at !== null) throw new AppError('bad_signature', 'device is retired; enroll again');
  // The revocation record wins over the device row (e.g. a row set back to not retired).
  if (Number(device.cert_revoked) === 1)
    throw new AppError('bad_signature', "device's certificate is revoked; enroll again");
  const jwk = asEcPublicJwk(JSON.parse(device.public_key_jwk));
  if (jwk === undefined) throw new Error(`device ${device.id} holds an invalid key`);
  checkSignedHead(jws, jwk, request, ctx.now(), publicKeyOf);
  return { device, jws };
}

/**
 * Second half, once the body is read: the signed body digest must match it and the nonce must be
 * new for the device (recorded only now, so a tampered body cannot burn a nonce). Returns the device.
 */
export async function authenticateDeviceBody(
  ctx: Pick<ServiceContext, 'db' | 'now'>,
  head: VerifiedHead,
  rawBody: Uint8Array,
): Promise<DeviceRow> {
  const { device, jws } = head;
  checkSignedBody(jws, rawBody);
  const fresh = await recordDeviceNonce(ctx.db.db, ctx.db.dialect, {
    tenant_id: device.tenant_id,
    device_id: device.id,
    nonce: jws.payload.n,
    expires_at: new Date(ctx.now().getTime() + NONCE_TTL_MS).toISOString(),
  });
  if (!fresh) throw new AppError('replayed_nonce', 'nonce already used');
  return device;
}

/** Both halves, for a request whose body is already read. Returns the device row. */
export async function authenticateDevice(
  ctx: Pick<ServiceContext, 'db' | 'now'>,
  request: SignedRequest,
  publicKeyOf: PublicKeyOf,
): Promise<DeviceRow> {
  return authenticateDeviceBody(
    ctx,
    await authenticateDeviceHead(ctx, request, publicKeyOf),
    request.rawBody,
  );
}
