import { appendAudit } from '../audit/audit-service.ts';
import { actorOf, type Principal, requirePermission } from '../auth/principal.ts';
import { announceChange, configScope } from '../cluster/cluster-scopes.ts';
import type { ServiceContext } from '../context.ts';
import { mintToken } from '../crypto/tokens.ts';
import { errors } from '../errors.ts';
import { newId } from '../ids.ts';
import {
  deleteProxyCredential,
  insertProxyCredential,
  listProxyCredentials,
  type ProxyCredentialRow,
} from '../queries/proxy-credentials.ts';
import { identityHeaderOf } from './client-cert-headers.ts';
import type { ProxyIntegration } from './proxy-binding.ts';

/** A proxy credential as the admin API shows it (never the secret, except once at creation). */
export interface ProxyCredentialView {
  readonly id: string;
  readonly name: string;
  readonly integration: ProxyIntegration;
  /** The one header the proxy sets that names the device, for this integration. */
  readonly identityHeader: string;
  readonly createdAt: string;
  readonly createdBy: string;
}

function viewOf(row: ProxyCredentialRow): ProxyCredentialView {
  const integration = row.integration as ProxyIntegration;
  return {
    id: row.id,
    name: row.name,
    integration,
    identityHeader: identityHeaderOf(integration),
    createdAt: row.created_at,
    createdBy: row.created_by,
  };
}

/**
 * A tenant's proxy credentials (issue 11.2): what binds a forward-auth or decision request to one
 * tenant and one proxy integration before any device is looked up. The secret (`rgps_…`, 256
 * random bits) is shown once and stored as its SHA-256. Changes are audited and reload every
 * node's credentials (`configChanged`).
 */
export function createProxyCredentialService(
  ctx: Pick<ServiceContext, 'db' | 'now'>,
  deps: { readonly configChanged: (tenantId: string) => Promise<void> },
) {
  const { db, dialect } = ctx.db;
  return {
    async list(principal: Principal): Promise<ProxyCredentialView[]> {
      requirePermission(principal, 'settings:read');
      return (await listProxyCredentials(db, principal.tenantId)).map(viewOf);
    },
    async create(
      principal: Principal,
      input: { readonly name: string; readonly integration: ProxyIntegration },
    ): Promise<ProxyCredentialView & { readonly secret: string }> {
      requirePermission(principal, 'settings:write');
      const minted = mintToken('proxy');
      const at = ctx.now().toISOString();
      const row: ProxyCredentialRow = {
        tenant_id: principal.tenantId,
        id: newId('prx'),
        name: input.name,
        integration: input.integration,
        secret_hash: minted.hash,
        created_by: actorOf(principal),
        created_at: at,
      };
      await db.transaction().execute(async (trx) => {
        await insertProxyCredential(trx, row);
        await appendAudit(trx, dialect, {
          tenantId: principal.tenantId,
          actor: actorOf(principal),
          action: 'proxy-credential.create',
          target: row.id,
          details: { name: input.name, integration: input.integration },
          at,
        });
        // Every node reloads its proxy credentials, as for any access configuration change.
        await announceChange(trx, dialect, configScope(principal.tenantId));
      });
      await deps.configChanged(principal.tenantId);
      return { ...viewOf(row), secret: minted.token };
    },
    async remove(principal: Principal, id: string): Promise<void> {
      requirePermission(principal, 'settings:write');
      const at = ctx.now().toISOString();
      await db.transaction().execute(async (trx) => {
        if (!(await deleteProxyCredential(trx, principal.tenantId, id)))
          throw errors.notFound('proxy credential');
        await appendAudit(trx, dialect, {
          tenantId: principal.tenantId,
          actor: actorOf(principal),
          action: 'proxy-credential.delete',
          target: id,
          details: {},
          at,
        });
        await announceChange(trx, dialect, configScope(principal.tenantId));
      });
      await deps.configChanged(principal.tenantId);
    },
  };
}

export type ProxyCredentialService = ReturnType<typeof createProxyCredentialService>;
