import {
  type AccessPolicy,
  AccessPolicySchema,
  type Resource,
  ResourceSchema,
  resourceProblems,
} from '@riskgate/engine';
import { Value } from '@sinclair/typebox/value';
import type { Kysely } from 'kysely';
import { appendAudit } from '../audit/audit-service.ts';
import { actorOf, type Principal, requirePermission } from '../auth/principal.ts';
import { announceChange, configScope } from '../cluster/cluster-scopes.ts';
import type { ServiceContext } from '../context.ts';
import type { Database } from '../db/types.ts';
import { getOrCreateDeviceCa } from '../device-identity/device-ca-service.ts';
import { AppError, errors } from '../errors.ts';
import {
  type AccessPolicyRow,
  deleteAccessPolicy,
  deleteResource,
  findAccessPolicy,
  findResource,
  insertAccessPolicy,
  insertResource,
  listAccessPolicies,
  listResources,
  type ResourceRow,
  updateAccessPolicy,
  updateResource,
} from '../queries/access-config.ts';
import {
  findHostClaimConflicts,
  lockHostClaims,
  normalizeHostPattern,
  syncTenantHostClaims,
} from '../queries/access-host-claims.ts';
import { type AccessLogFilter, type AccessLogTable, listAccessLog } from '../queries/access-log.ts';

/** What the admin service needs besides storage: a way to drop compiled copies on every node. */
export interface AccessAdminDeps {
  readonly configChanged: (tenantId: string) => Promise<void>;
}

/** A stored access-log entry as the admin API shows it. */
export interface AccessLogEntry {
  readonly id: string;
  readonly at: string;
  readonly deviceId: string | null;
  readonly resourceId: string;
  readonly outcome: 'deny' | 'would-deny';
  readonly reason: string;
  readonly policyId: string | null;
  readonly details: Readonly<Record<string, unknown>>;
}

function parseDoc<T>(row: { doc: string }, check: (v: unknown) => v is T, what: string): T {
  const value: unknown = JSON.parse(row.doc);
  if (!check(value)) throw new Error(`stored ${what} no longer matches its schema`);
  return value;
}

const isResource = (v: unknown): v is Resource => Value.Check(ResourceSchema, v);
const isPolicy = (v: unknown): v is AccessPolicy => Value.Check(AccessPolicySchema, v);
const resourceOf = (row: ResourceRow) => parseDoc(row, isResource, 'resource');
const policyOf = (row: AccessPolicyRow) => parseDoc(row, isPolicy, 'access policy');

/** Ids appear in URLs, headers and metric labels: keep them to a URL-safe alphabet. */
const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;

function checkId(id: string): void {
  if (!SAFE_ID.test(id)) throw errors.invalid('ids may contain letters, digits, ".", "_", ":" and "-" only');
}

function checkResource(resource: Resource): void {
  checkId(resource.id);
  const problems = resourceProblems(resource);
  if (problems.length > 0) throw errors.invalid(problems.join('; '));
}

const hostsOf = (resource: Resource): string[] =>
  resource.kind === 'http-app' ? (resource.hosts ?? []).map(normalizeHostPattern) : [];

/**
 * Claims the hosts the tenant's resources name, now including `resource` (issue 11.2): a host
 * another tenant's resources claim (the same name, a wildcard covering it, or a name under our
 * wildcard) is refused with 409 and nothing changes. Runs in the change's transaction.
 */
async function claimHosts(
  trx: Kysely<Database>,
  tenantId: string,
  resource: Resource | undefined,
): Promise<void> {
  const wanted = resource === undefined ? [] : hostsOf(resource);
  const taken = await findHostClaimConflicts(trx, tenantId, wanted);
  const all = new Set((await listResources(trx, tenantId)).flatMap((row) => hostsOf(resourceOf(row))));
  const raced = taken.length > 0 ? [] : await syncTenantHostClaims(trx, tenantId, all);
  const refused = taken.length > 0 ? taken : raced;
  if (refused.length > 0)
    throw new AppError(
      'conflict',
      `host ${refused.join(', ')} is claimed by another tenant: each host can be protected by one tenant only`,
    );
}

const CURSOR = /^([^|]{1,40})\|([A-Za-z0-9_]{1,64})$/;

/**
 * Resources, access policies and the access log of one tenant. Every change checks the
 * `policies:write` permission, is audited in the same transaction, and after commit drops the
 * compiled configuration on every node.
 */
export function createAccessAdminService(
  ctx: Pick<ServiceContext, 'db' | 'now' | 'box'>,
  deps: AccessAdminDeps,
) {
  const { db, dialect } = ctx.db;

  async function audited<T>(
    principal: Principal,
    action: string,
    target: string,
    details: Record<string, unknown>,
    change: (trx: Kysely<Database>, at: string) => Promise<T>,
  ): Promise<T> {
    requirePermission(principal, 'policies:write');
    const at = ctx.now().toISOString();
    const result = await db.transaction().execute(async (trx) => {
      const value = await change(trx, at);
      // Other processes on the database (SQLite: by polling) recompile the tenant's configuration.
      await announceChange(trx, dialect, configScope(principal.tenantId));
      await appendAudit(trx, dialect, {
        tenantId: principal.tenantId,
        actor: actorOf(principal),
        action,
        target,
        details,
        at,
      });
      return value;
    });
    await deps.configChanged(principal.tenantId);
    return result;
  }

  return {
    async listResources(principal: Principal): Promise<Resource[]> {
      requirePermission(principal, 'policies:read');
      return (await listResources(db, principal.tenantId)).map(resourceOf);
    },
    async getResource(principal: Principal, id: string): Promise<Resource> {
      requirePermission(principal, 'policies:read');
      const row = await findResource(db, principal.tenantId, id);
      if (row === undefined) throw errors.notFound('resource');
      return resourceOf(row);
    },
    async createResource(principal: Principal, resource: Resource): Promise<Resource> {
      checkResource(resource);
      return audited(principal, 'resource.create', resource.id, { resource }, async (trx, at) => {
        await lockHostClaims(trx, dialect);
        const fresh = await insertResource(trx, {
          tenant_id: principal.tenantId,
          id: resource.id,
          name: resource.name,
          kind: resource.kind,
          doc: JSON.stringify(resource),
          created_at: at,
        });
        if (!fresh) throw new AppError('conflict', `resource ${resource.id} already exists`);
        await claimHosts(trx, principal.tenantId, resource);
        return resource;
      });
    },
    async replaceResource(principal: Principal, id: string, resource: Resource): Promise<Resource> {
      if (resource.id !== id) throw errors.invalid('the body id must match the path id');
      checkResource(resource);
      return audited(principal, 'resource.update', id, { resource }, async (trx) => {
        await lockHostClaims(trx, dialect);
        const found = await updateResource(trx, principal.tenantId, id, {
          name: resource.name,
          kind: resource.kind,
          doc: JSON.stringify(resource),
        });
        if (!found) throw errors.notFound('resource');
        await claimHosts(trx, principal.tenantId, resource);
        return resource;
      });
    },
    async deleteResource(principal: Principal, id: string): Promise<void> {
      await audited(principal, 'resource.delete', id, {}, async (trx) => {
        await lockHostClaims(trx, dialect);
        if (!(await deleteResource(trx, principal.tenantId, id))) throw errors.notFound('resource');
        await claimHosts(trx, principal.tenantId, undefined);
      });
    },

    async listPolicies(principal: Principal): Promise<AccessPolicy[]> {
      requirePermission(principal, 'policies:read');
      return (await listAccessPolicies(db, principal.tenantId)).map(policyOf);
    },
    async getPolicy(principal: Principal, id: string): Promise<AccessPolicy> {
      requirePermission(principal, 'policies:read');
      const row = await findAccessPolicy(db, principal.tenantId, id);
      if (row === undefined) throw errors.notFound('access policy');
      return policyOf(row);
    },
    async createPolicy(principal: Principal, policy: AccessPolicy): Promise<AccessPolicy> {
      checkId(policy.id);
      return audited(principal, 'access-policy.create', policy.id, { policy }, async (trx, at) => {
        const fresh = await insertAccessPolicy(trx, {
          tenant_id: principal.tenantId,
          id: policy.id,
          name: policy.name,
          state: policy.state,
          doc: JSON.stringify(policy),
          created_at: at,
          updated_at: at,
        });
        if (!fresh) throw new AppError('conflict', `access policy ${policy.id} already exists`);
        return policy;
      });
    },
    async replacePolicy(principal: Principal, id: string, policy: AccessPolicy): Promise<AccessPolicy> {
      if (policy.id !== id) throw errors.invalid('the body id must match the path id');
      return audited(principal, 'access-policy.update', id, { policy }, async (trx, at) => {
        const found = await updateAccessPolicy(trx, principal.tenantId, id, {
          name: policy.name,
          state: policy.state,
          doc: JSON.stringify(policy),
          updated_at: at,
        });
        if (!found) throw errors.notFound('access policy');
        return policy;
      });
    },
    async deletePolicy(principal: Principal, id: string): Promise<void> {
      await audited(principal, 'access-policy.delete', id, {}, async (trx) => {
        if (!(await deleteAccessPolicy(trx, principal.tenantId, id))) throw errors.notFound('access policy');
      });
    },

    /** The tenant's device CA certificate (PEM), which proxies verify client certificates against. */
    async deviceCaCertificate(principal: Principal): Promise<string> {
      requirePermission(principal, 'policies:read');
      return (await getOrCreateDeviceCa(ctx, principal.tenantId)).certPem;
    },

    /** Denials and report-only outcomes, newest first, with an opaque cursor for the next page. */
    async listAccessLog(
      principal: Principal,
      filter: AccessLogFilter,
      page: { readonly limit: number; readonly cursor?: string },
    ): Promise<{ items: AccessLogEntry[]; nextCursor: string | null }> {
      requirePermission(principal, 'audit:read');
      let before: { at: string; id: string } | undefined;
      if (page.cursor !== undefined) {
        const match = CURSOR.exec(Buffer.from(page.cursor, 'base64url').toString('utf8'));
        if (match === null || match[1] === undefined || match[2] === undefined)
          throw errors.invalid('invalid cursor');
        before = { at: match[1], id: match[2] };
      }
      const rows = await listAccessLog(db, principal.tenantId, filter, {
        limit: page.limit + 1,
        ...(before === undefined ? {} : { before }),
      });
      const more = rows.length > page.limit;
      const items = rows.slice(0, page.limit).map(toEntry);
      const last = items.at(-1);
      return {
        items,
        nextCursor:
          more && last !== undefined ? Buffer.from(`${last.at}|${last.id}`).toString('base64url') : null,
      };
    },
  };
}

function toEntry(row: AccessLogTable): AccessLogEntry {
  let details: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(row.details);
    if (typeof parsed === 'object' && parsed !== null) details = parsed as Record<string, unknown>;
  } catch {
    // Details are informational; a broken row still lists.
  }
  return {
    id: row.id,
    at: row.at,
    deviceId: row.device_id,
    resourceId: row.resource_id,
    outcome: row.outcome,
    reason: row.reason,
    policyId: row.policy_id,
    details,
  };
}

export type AccessAdminService = ReturnType<typeof createAccessAdminService>;
