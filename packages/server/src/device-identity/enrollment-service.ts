import { appendAudit } from '../audit/audit-service.ts';
import type { ServiceContext } from '../context.ts';
import { issueDeviceCertificate } from '../crypto/device-ca.ts';
import { asEcPublicJwk, sameJwk } from '../crypto/jws.ts';
import { prefixOf, tokenMatches } from '../crypto/tokens.ts';
import { NEW_DEVICE_STATE } from '../device-state/initial.ts';
import { AppError } from '../errors.ts';
import { newId } from '../ids.ts';
import { insertDeviceHistory } from '../queries/device-history.ts';
import { replaceDeviceKey } from '../queries/device-keys.ts';
import { insertDeviceNonce } from '../queries/device-nonces.ts';
import { findDeviceById, insertDevice } from '../queries/devices.ts';
import { consumeEnrollmentToken, findEnrollmentTokensByPrefix } from '../queries/enrollment-tokens.ts';
import { insertRevokedCertificate } from '../queries/revoked-certificates.ts';
import { getOrCreateDeviceCa } from './device-ca-service.ts';
import {
  authorizeReenrollment,
  commitReenrollmentAuthority,
  describeAuthority,
  type ReenrollmentAuthority,
} from './reenrollment.ts';
import {
  checkSignature,
  jwkThumbprintKey,
  NONCE_TTL_MS,
  parseSignature,
  type SignedRequest,
} from './request-signature.ts';

/** Device facts sent at enrollment (docs/agent-protocol.md §3). */
export interface EnrollDeviceFacts {
  readonly platform: 'android' | 'ios';
  readonly model?: string;
  readonly manufacturer?: string;
  readonly osVersion?: string;
  readonly agentVersion?: string;
  readonly user?: string;
  readonly name?: string;
}

/**
 * The validated enrollment body. `deviceId` re-enrolls an existing device with a new key, which
 * needs its current key's proof or an admin's approval (docs/agent-protocol.md §3).
 */
export interface EnrollBody {
  readonly token: string;
  readonly publicKey: { readonly kty: string; readonly crv: string; readonly x: string; readonly y: string };
  readonly device: EnrollDeviceFacts;
  readonly deviceId?: string;
}

/** What the agent receives. */
export interface EnrollResult {
  readonly deviceId: string;
  readonly certificate: string;
  readonly caCertificate: string;
  readonly serverTime: string;
  readonly reenrolled: boolean;
}

const invalidToken = () =>
  new AppError('invalid_enrollment_token', 'enrollment token is unknown, expired or used up');

/**
 * Enrolls (or re-enrolls) a device: verifies the request JWS with the `jwk` of its header, which
 * must be the body's `publicKey`; takes one use of the enrollment token atomically; issues a client
 * certificate from the tenant's device CA; stores the device, history and audit in one transaction.
 * An existing device (of the token's tenant; any other id is unknown) is re-enrolled only with a
 * proof by its current key or an admin's approval; its previous certificate is revoked.
 */
export async function enrollDevice(
  ctx: Pick<ServiceContext, 'db' | 'box' | 'now' | 'devicesChanged'>,
  request: SignedRequest,
  body: EnrollBody,
): Promise<EnrollResult> {
  const now = ctx.now();
  const jws = parseSignature(request);
  const headerJwk = jws.header.jwk;
  if (headerJwk === undefined)
    throw new AppError('bad_signature', 'enrollment must be signed with jwk in the header');
  const publicKey = asEcPublicJwk(body.publicKey);
  if (publicKey === undefined) throw new AppError('invalid_request', 'publicKey must be a P-256 public JWK');
  checkSignature(jws, headerJwk, request, now);
  if (!sameJwk(headerJwk, publicKey))
    throw new AppError('bad_signature', 'header jwk is not the body publicKey');

  const prefix = prefixOf('enrollment', body.token);
  if (prefix === undefined) throw invalidToken();
  const token = (await findEnrollmentTokensByPrefix(ctx.db.db, prefix)).find((row) =>
    tokenMatches(body.token, row.hash),
  );
  if (token === undefined) throw invalidToken();
  const tenantId = token.tenant_id;
  const at = now.toISOString();

  const fresh = await insertDeviceNonce(ctx.db.db, {
    tenant_id: tenantId,
    device_id: jwkThumbprintKey(publicKey),
    nonce: jws.payload.n,
    expires_at: new Date(now.getTime() + NONCE_TTL_MS).toISOString(),
  });
  if (!fresh) throw new AppError('replayed_nonce', 'nonce already used');

  let existing: Awaited<ReturnType<typeof findDeviceById>>;
  let authority: ReenrollmentAuthority | undefined;
  if (body.deviceId !== undefined) {
    existing = await findDeviceById(ctx.db.db, tenantId, body.deviceId);
    if (existing === undefined) throw new AppError('not_found', 'device not found');
    if (existing.retired_at !== null)
      throw new AppError('conflict', 'device is retired; enroll it as a new device');
    authority = await authorizeReenrollment(ctx, request, existing, now);
  }
  const deviceId = existing?.id ?? newId('dev');
  const ca = await getOrCreateDeviceCa(ctx, tenantId);
  const issued = await issueDeviceCertificate({
    caCertPem: ca.certPem,
    caPrivateKeyPkcs8: ca.privateKeyPkcs8,
    deviceId,
    tenantId,
    publicKey,
    now,
  });
  const facts = body.device;
  const factColumns = {
    platform: facts.platform,
    user: facts.user ?? existing?.user ?? null,
    name: facts.name ?? existing?.name ?? null,
    model: facts.model ?? existing?.model ?? null,
    manufacturer: facts.manufacturer ?? existing?.manufacturer ?? null,
    os_version: facts.osVersion ?? existing?.os_version ?? null,
    agent_version: facts.agentVersion ?? existing?.agent_version ?? null,
    public_key_jwk: JSON.stringify(publicKey),
    cert_serial: issued.serial,
    cert_fingerprint: issued.fingerprint,
    enrollment_token_id: token.id,
  };

  const reenrollment =
    existing === undefined || authority === undefined
      ? undefined
      : { revokedCertSerial: existing.cert_serial, authorizedBy: describeAuthority(authority) };

  await ctx.db.db.transaction().execute(async (trx) => {
    if (!(await consumeEnrollmentToken(trx, tenantId, token.id, at))) throw invalidToken();
    if (existing !== undefined && authority !== undefined) {
      await commitReenrollmentAuthority(trx, tenantId, authority, at);
      const replaced = await replaceDeviceKey(trx, tenantId, deviceId, existing.cert_serial, {
        ...factColumns,
        last_seen_at: at,
        // Seen now: the state timer re-rates it at its next tick (responsive again, if it had gone silent).
        reevaluate_at: at,
      });
      if (!replaced) throw new AppError('conflict', 'the device changed meanwhile (retired or re-enrolled)');
      await insertRevokedCertificate(trx, {
        tenant_id: tenantId,
        serial: existing.cert_serial,
        fingerprint: existing.cert_fingerprint,
        device_id: deviceId,
        reason: 'superseded',
        revoked_at: at,
      });
    } else {
      await insertDevice(trx, {
        tenant_id: tenantId,
        id: deviceId,
        ownership: token.ownership,
        groups: token.groups,
        enrolled_at: at,
        last_seen_at: at,
        ...NEW_DEVICE_STATE,
        ...factColumns,
      });
    }
    const kind = existing === undefined ? 'enrolled' : 're-enrolled';
    await insertDeviceHistory(trx, {
      tenant_id: tenantId,
      id: newId('his'),
      device_id: deviceId,
      at,
      kind,
      details: JSON.stringify({
        certSerial: issued.serial,
        enrollmentTokenId: token.id,
        ...(reenrollment === undefined
          ? {}
          : { previousCertSerial: reenrollment.revokedCertSerial, authorizedBy: reenrollment.authorizedBy }),
      }),
    });
    await appendAudit(trx, ctx.db.dialect, {
      tenantId,
      actor: `device:${deviceId}`,
      action: existing === undefined ? 'device.enroll' : 'device.reenroll',
      target: deviceId,
      details: {
        enrollmentTokenId: token.id,
        certFingerprint: issued.fingerprint,
        platform: facts.platform,
        ...reenrollment,
      },
      at,
    });
  });
  // After commit: every node's decision cache drops the superseded certificate at once.
  if (existing !== undefined) await ctx.devicesChanged?.(tenantId, [deviceId]);
  return {
    deviceId,
    certificate: issued.certPem,
    caCertificate: ca.certPem,
    serverTime: at,
    reenrolled: existing !== undefined,
  };
}
