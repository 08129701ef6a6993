import type { Kysely } from 'kysely';
import { appendAudit } from '../audit/audit-service.ts';
import { actorOf, type Principal, requirePermission, requireRankAtLeast } from '../auth/principal.ts';
import type { ServiceContext } from '../context.ts';
import { asEcPublicJwk } from '../crypto/jws.ts';
import type { Database } from '../db/types.ts';
import { AppError, errors } from '../errors.ts';
import { newId } from '../ids.ts';
import { insertDeviceNonce } from '../queries/device-nonces.ts';
import { type DeviceRow, findDeviceById } from '../queries/devices.ts';
import {
  consumeReenrollmentApproval,
  findLiveReenrollmentApproval,
  insertReenrollmentApproval,
} from '../queries/reenrollment-approvals.ts';
import { checkSignature, NONCE_TTL_MS, parseSignature, type SignedRequest } from './request-signature.ts';

/** The header carrying the current key's signature on re-enrollment (docs/agent-protocol.md §3). */
export const PROOF_HEADER = 'x-riskgate-device-proof';
/** How long an admin's re-enrollment approval stays usable. */
export const APPROVAL_TTL_MS = 15 * 60_000;

/** What allowed a re-enrollment: the device's current key, or an admin's approval (used in the transaction). */
export type ReenrollmentAuthority =
  | { readonly kind: 'device-key' }
  | { readonly kind: 'approval'; readonly approvalId: string };

const notAuthorized = () =>
  new AppError(
    'reenrollment_not_authorized',
    `re-enrolling an existing device needs the request signed by its current key in ${PROOF_HEADER}, or an admin's approval (POST /v1/admin/devices/{id}/reenrollment); an enrollment token alone only enrolls new devices`,
  );

/**
 * Decides whether a request may re-enroll `device` (a live device of the enrollment token's
 * tenant). With a proof header, the proof must verify with the device's current key, name the
 * device in `kid`, cover this very request (method, path, body digest), be fresh, and carry a nonce
 * the device never used; a bad proof is refused, never passed over for an approval. Without one,
 * an unused, unexpired admin approval for the device is required.
 */
export async function authorizeReenrollment(
  ctx: Pick<ServiceContext, 'db'>,
  request: SignedRequest,
  device: DeviceRow,
  now: Date,
): Promise<ReenrollmentAuthority> {
  if (request.proof !== undefined && request.proof.length > 0) {
    const proof = parseSignature({ signature: request.proof }, PROOF_HEADER);
    if (proof.header.kid !== device.id)
      throw new AppError('bad_signature', `${PROOF_HEADER} must name the re-enrolled device in kid`);
    const currentKey = asEcPublicJwk(JSON.parse(device.public_key_jwk));
    if (currentKey === undefined) throw new Error(`device ${device.id} holds an invalid key`);
    checkSignature(proof, currentKey, request, now);
    const fresh = await insertDeviceNonce(ctx.db.db, {
      tenant_id: device.tenant_id,
      device_id: device.id,
      nonce: proof.payload.n,
      expires_at: new Date(now.getTime() + NONCE_TTL_MS).toISOString(),
    });
    if (!fresh) throw new AppError('replayed_nonce', 'proof nonce already used');
    return { kind: 'device-key' };
  }
  const approval = await findLiveReenrollmentApproval(
    ctx.db.db,
    device.tenant_id,
    device.id,
    now.toISOString(),
  );
  if (approval === undefined) throw notAuthorized();
  return { kind: 'approval', approvalId: approval.id };
}

/** Inside the enrollment transaction: uses the approval up (exactly one concurrent request wins). */
export async function commitReenrollmentAuthority(
  trx: Kysely<Database>,
  tenantId: string,
  authority: ReenrollmentAuthority,
  at: string,
): Promise<void> {
  if (
    authority.kind === 'approval' &&
    !(await consumeReenrollmentApproval(trx, tenantId, authority.approvalId, at))
  )
    throw notAuthorized();
}

/** How a re-enrollment was authorised, for history and audit. */
export function describeAuthority(authority: ReenrollmentAuthority): string {
  return authority.kind === 'device-key' ? 'device-key' : `approval:${authority.approvalId}`;
}

/** What an approval looks like to the admin. */
export interface ReenrollmentApprovalView {
  readonly id: string;
  readonly deviceId: string;
  readonly expiresAt: string;
}

/** Admin approvals of re-enrollment without the device's current key. */
export type ReenrollmentApprovalService = ReturnType<typeof createReenrollmentApprovalService>;

/** Creates the approval service. */
export function createReenrollmentApprovalService(ctx: Pick<ServiceContext, 'db' | 'now'>) {
  const { db, dialect } = ctx.db;
  return {
    /**
     * Lets the device be re-enrolled once with a new key and an enrollment token, within
     * {@link APPROVAL_TTL_MS}. Needs admin or owner (helpdesk may retire but not hand a device over).
     */
    async approve(principal: Principal, deviceId: string): Promise<ReenrollmentApprovalView> {
      requirePermission(principal, 'devices:write');
      requireRankAtLeast(principal, 'admin');
      const now = ctx.now();
      const at = now.toISOString();
      const expiresAt = new Date(now.getTime() + APPROVAL_TTL_MS).toISOString();
      const id = newId('rea');
      await db.transaction().execute(async (trx) => {
        const device = await findDeviceById(trx, principal.tenantId, deviceId);
        if (device === undefined) throw errors.notFound('device');
        if (device.retired_at !== null)
          throw new AppError('conflict', 'device is retired; enroll a new device instead');
        await insertReenrollmentApproval(trx, {
          tenant_id: principal.tenantId,
          id,
          device_id: deviceId,
          created_by: actorOf(principal),
          created_at: at,
          expires_at: expiresAt,
          consumed_at: null,
        });
        await appendAudit(trx, dialect, {
          tenantId: principal.tenantId,
          actor: actorOf(principal),
          action: 'device.reenrollment-approve',
          target: deviceId,
          details: { approvalId: id, expiresAt },
          at,
        });
      });
      return { id, deviceId, expiresAt };
    },
  };
}
