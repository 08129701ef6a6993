import type { ServiceContext } from '../context.ts';
import { createDeviceCa } from '../crypto/device-ca.ts';
import { findDeviceCa, insertDeviceCa } from '../queries/device-cas.ts';
import { findTenantById } from '../queries/tenants.ts';

/** A tenant's device CA, opened for signing. */
export interface OpenDeviceCa {
  readonly certPem: string;
  readonly privateKeyPkcs8: Buffer;
}

/** AAD that binds a sealed CA key to its tenant. */
const caKeyContext = (tenantId: string) => `device-ca:${tenantId}`;

/**
 * The tenant's device CA if it has one, never creating it (for public, unauthenticated readers:
 * they must not cause key generation or a write).
 */
export async function findOpenDeviceCa(
  ctx: Pick<ServiceContext, 'db' | 'box'>,
  tenantId: string,
): Promise<OpenDeviceCa | undefined> {
  const row = await findDeviceCa(ctx.db.db, tenantId);
  if (row === undefined) return undefined;
  return { certPem: row.cert_pem, privateKeyPkcs8: ctx.box.open(row.key_sealed, caKeyContext(tenantId)) };
}

/**
 * The tenant's device CA, created on first use. The private key is stored sealed with the
 * configured secret key; when two requests race to create it, the first insert wins and both use it.
 */
export async function getOrCreateDeviceCa(
  ctx: Pick<ServiceContext, 'db' | 'box' | 'now'>,
  tenantId: string,
): Promise<OpenDeviceCa> {
  const db = ctx.db.db;
  let row = await findDeviceCa(db, tenantId);
  if (row === undefined) {
    const tenant = await findTenantById(db, tenantId);
    if (tenant === undefined) throw new Error(`no tenant ${tenantId}`);
    const now = ctx.now();
    const created = await createDeviceCa(tenantId, tenant.name, now);
    await insertDeviceCa(db, {
      tenant_id: tenantId,
      cert_pem: created.certPem,
      key_sealed: ctx.box.seal(created.privateKeyPkcs8, caKeyContext(tenantId)),
      created_at: now.toISOString(),
    });
    row = await findDeviceCa(db, tenantId);
    if (row === undefined) throw new Error(`device CA of ${tenantId} vanished`);
  }
  return { certPem: row.cert_pem, privateKeyPkcs8: ctx.box.open(row.key_sealed, caKeyContext(tenantId)) };
}
