import { asEcPublicJwk } from '../crypto/jws.ts';
import { AppError } from '../errors.ts';
import type { DeviceRow } from '../queries/devices.ts';
import { type DeviceNonceRow, findDeviceForSignature, recordDeviceNonce } from '../queries/report-ingest.ts';
import type { ServiceContext } from './context.ts';
import { checkSignature, NONCE_TTL_MS, parseSignature, type SignedRequest } from './request-signature.ts';

/** A device whose request signature verified, and the request's nonce (not yet recorded). */
export interface VerifiedDeviceRequest {
  readonly device: DeviceRow;
  readonly nonce: DeviceNonceRow;
}

/**
 * Verifies a signed device request (docs/agent-protocol.md §2): the JWS names the device in `kid`;
 * its signature must verify with the device's key and cover this method, path and body; `ts` must
 * be within 300 s. The nonce is returned, not recorded: the caller must record it (see
 * {@link authenticateDevice}) before the request has any effect.
 */
export async function verifyDeviceRequest(
  ctx: Pick<ServiceContext, 'db' | 'now'>,
  request: SignedRequest,
): Promise<VerifiedDeviceRequest> {
  const now = ctx.now();
  const jws = parseSignature(request);
  const kid = jws.header.kid;
  if (kid === undefined || kid.length > 64)
    throw new AppError('bad_signature', 'signature must name the device in kid');
  const device = await findDeviceForSignature(ctx.db.db, ctx.db.dialect, kid);
  if (device === undefined) throw new AppError('bad_signature', 'unknown device');
  if (device.retired_at !== null) throw new AppError('bad_signature', 'device is retired; enroll again');
  const jwk = asEcPublicJwk(JSON.parse(device.public_key_jwk));
  if (jwk === undefined) throw new Error(`device ${device.id} holds an invalid key`);
  checkSignature(jws, jwk, request, now);
  return {
    device,
    nonce: {
      tenant_id: device.tenant_id,
      device_id: device.id,
      nonce: jws.payload.n,
      expires_at: new Date(now.getTime() + NONCE_TTL_MS).toISOString(),
    },
  };
}

/** The error for a nonce the device already used. */
export const replayedNonce = () => new AppError('replayed_nonce', 'nonce already used');

/**
 * Authenticates a signed device request: {@link verifyDeviceRequest}, then the nonce must be new
 * for the device (it is recorded). Returns the device row.
 */
export async function authenticateDevice(
  ctx: Pick<ServiceContext, 'db' | 'now'>,
  request: SignedRequest,
): Promise<DeviceRow> {
  const { device, nonce } = await verifyDeviceRequest(ctx, request);
  if (!(await recordDeviceNonce(ctx.db.db, ctx.db.dialect, nonce))) throw replayedNonce();
  return device;
}
