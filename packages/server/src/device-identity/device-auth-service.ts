import type { ServiceContext } from '../context.ts';
import { asEcPublicJwk } from '../crypto/jws.ts';
import { AppError } from '../errors.ts';
import type { DeviceRow } from '../queries/devices.ts';
import { findDeviceForSignature, recordDeviceNonce } from '../queries/report-ingest.ts';
import { checkSignature, NONCE_TTL_MS, parseSignature, type SignedRequest } from './request-signature.ts';

/**
 * Authenticates a signed device request (docs/agent-protocol.md §2): the JWS names the device in
 * `kid`; its signature must verify with the device's key and cover this method, path and body;
 * `ts` must be within 300 s; the nonce must be new for the device. Returns the device row.
 */
export async function authenticateDevice(
  ctx: Pick<ServiceContext, 'db' | 'now'>,
  request: SignedRequest,
): Promise<DeviceRow> {
  const now = ctx.now();
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
  checkSignature(jws, jwk, request, now);
  const fresh = await recordDeviceNonce(ctx.db.db, ctx.db.dialect, {
    tenant_id: device.tenant_id,
    device_id: device.id,
    nonce: jws.payload.n,
    expires_at: new Date(now.getTime() + NONCE_TTL_MS).toISOString(),
  });
  if (!fresh) throw new AppError('replayed_nonce', 'nonce already used');
  return device;
}
