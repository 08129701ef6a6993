import { appendAudit } from '../audit/audit-service.ts';
import type { ServiceContext } from '../context.ts';
import { mintToken } from '../crypto/tokens.ts';
import type { Role } from '../db/types.ts';
import { newId } from '../ids.ts';
import { insertApiToken } from '../queries/api-tokens.ts';
import { findTenantById, insertTenant } from '../queries/tenants.ts';

/** A new tenant and its first owner token (the token is shown once, never stored in clear). */
export interface CreatedTenant {
  readonly tenantId: string;
  readonly name: string;
  readonly ownerToken: string;
  readonly ownerTokenId: string;
}

/** Creates a tenant with an owner API token, audited, in one transaction. */
export async function createTenant(
  ctx: Pick<ServiceContext, 'db' | 'now'>,
  input: { readonly name: string; readonly actor?: string; readonly id?: string },
): Promise<CreatedTenant> {
  const name = input.name.trim();
  if (name.length === 0 || name.length > 200) throw new Error('tenant name must be 1 to 200 characters');
  const at = ctx.now().toISOString();
  const tenantId = input.id ?? newId('ten');
  const minted = mintToken('api');
  const tokenId = newId('tok');
  await ctx.db.db.transaction().execute(async (trx) => {
    await insertTenant(trx, { id: tenantId, name, created_at: at });
    await insertApiToken(trx, {
      tenant_id: tenantId,
      id: tokenId,
      name: 'owner (initial)',
      role: 'owner',
      prefix: minted.prefix,
      hash: minted.hash,
      admin_id: null,
      created_by: input.actor ?? 'cli',
      created_at: at,
      last_used_at: null,
      revoked_at: null,
    });
    await appendAudit(trx, ctx.db.dialect, {
      tenantId,
      actor: input.actor ?? 'cli',
      action: 'tenant.create',
      target: tenantId,
      details: { name, ownerTokenId: tokenId },
      at,
    });
  });
  return { tenantId, name, ownerToken: minted.token, ownerTokenId: tokenId };
}

/** Mints an API token for a tenant directly (CLI, demo and tests; no principal involved). */
export async function mintTenantApiToken(
  ctx: Pick<ServiceContext, 'db' | 'now'>,
  input: { readonly tenantId: string; readonly role: Role; readonly name: string; readonly actor: string },
): Promise<{ readonly id: string; readonly token: string }> {
  const at = ctx.now().toISOString();
  const minted = mintToken('api');
  const id = newId('tok');
  await ctx.db.db.transaction().execute(async (trx) => {
    if ((await findTenantById(trx, input.tenantId)) === undefined)
      throw new Error(`no tenant ${input.tenantId}`);
    await insertApiToken(trx, {
      tenant_id: input.tenantId,
      id,
      name: input.name,
      role: input.role,
      prefix: minted.prefix,
      hash: minted.hash,
      admin_id: null,
      created_by: input.actor,
      created_at: at,
      last_used_at: null,
      revoked_at: null,
    });
    await appendAudit(trx, ctx.db.dialect, {
      tenantId: input.tenantId,
      actor: input.actor,
      action: 'api-token.create',
      target: id,
      details: { role: input.role, name: input.name },
      at,
    });
  });
  return { id, token: minted.token };
}
