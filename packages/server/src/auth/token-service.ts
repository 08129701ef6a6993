import type { Kysely } from 'kysely';
import { appendAudit } from '../audit/audit-service.ts';
import type { ServiceContext } from '../context.ts';
import { mintToken } from '../crypto/tokens.ts';
import type { Database, Role } from '../db/types.ts';
import { AppError, errors } from '../errors.ts';
import { newId } from '../ids.ts';
import {
  type ApiTokenRow,
  countLiveApiTokensOfRole,
  findLiveApiTokenById,
  insertApiToken,
  listApiTokens,
  updateLiveApiToken,
} from '../queries/api-tokens.ts';
import {
  type EnrollmentTokenRow,
  insertEnrollmentToken,
  listEnrollmentTokens,
  revokeEnrollmentToken,
} from '../queries/enrollment-tokens.ts';
import { lockTenant } from '../queries/tenants.ts';
import { actorOf, type Principal, requirePermission, requireRoleAtMost } from './principal.ts';

/** An API token as listed (never the secret). */
export interface ApiTokenView {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  readonly prefix: string;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
  readonly revokedAt: string | null;
}

/** An enrollment token as listed (never the secret). */
export interface EnrollmentTokenView {
  readonly id: string;
  readonly prefix: string;
  readonly ownership: 'corporate' | 'personal';
  readonly groups: string[];
  readonly expiresAt: string;
  readonly usesLeft: number | null;
  readonly maxUses: number | null;
  readonly createdAt: string;
  readonly revokedAt: string | null;
}

/** Input of {@link TokenService.createEnrollmentToken}. */
export interface EnrollmentTokenInput {
  readonly ownership: 'corporate' | 'personal';
  readonly groups: readonly string[];
  readonly expiresInHours: number;
  /** Null or absent: unlimited uses until expiry. */
  readonly maxUses?: number | null;
}

/** What {@link TokenService.updateApiToken} may change. */
export interface ApiTokenChange {
  readonly name?: string;
  readonly role?: Role;
}

function toApiTokenView(row: ApiTokenRow): ApiTokenView {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    prefix: row.prefix,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

export function toEnrollmentTokenView(row: EnrollmentTokenRow): EnrollmentTokenView {
  return {
    id: row.id,
    prefix: row.prefix,
    ownership: row.ownership,
    groups: JSON.parse(row.groups) as string[],
    expiresAt: row.expires_at,
    usesLeft: row.uses_left,
    maxUses: row.max_uses,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}

/**
 * Only an owner can mint an owner token, so a tenant whose last live owner token is revoked or
 * demoted (`newRole` undefined: revoked) could never act as owner again. The caller holds the
 * tenant lock, so two owners revoking each other at once cannot both pass this count.
 */
async function refuseLosingLastOwner(
  trx: Kysely<Database>,
  tenantId: string,
  role: Role,
  newRole: Role | undefined,
): Promise<void> {
  if (role !== 'owner' || newRole === 'owner') return;
  if ((await countLiveApiTokensOfRole(trx, tenantId, 'owner')) <= 1)
    throw new AppError('conflict', 'this is the last owner token; create another owner token first');
}

/** API and enrollment token management for admins. */
export type TokenService = ReturnType<typeof createTokenService>;

/** Creates the token service. */
export function createTokenService(ctx: Pick<ServiceContext, 'db' | 'now'>) {
  const { db, dialect } = ctx.db;
  return {
    /** Mints an API token with `role`; the secret is returned once. */
    async createApiToken(principal: Principal, input: { readonly name: string; readonly role: Role }) {
      requirePermission(principal, 'tokens:write');
      requireRoleAtMost(principal, input.role);
      const at = ctx.now().toISOString();
      const minted = mintToken('api');
      const id = newId('tok');
      await db.transaction().execute(async (trx) => {
        await insertApiToken(trx, {
          tenant_id: principal.tenantId,
          id,
          name: input.name,
          role: input.role,
          prefix: minted.prefix,
          hash: minted.hash,
          admin_id: null,
          created_by: actorOf(principal),
          created_at: at,
          last_used_at: null,
          revoked_at: null,
        });
        await appendAudit(trx, dialect, {
          tenantId: principal.tenantId,
          actor: actorOf(principal),
          action: 'api-token.create',
          target: id,
          details: { name: input.name, role: input.role },
          at,
        });
      });
      return { id, token: minted.token, name: input.name, role: input.role, createdAt: at };
    },

    async listApiTokens(principal: Principal): Promise<ApiTokenView[]> {
      requirePermission(principal, 'tokens:read');
      return (await listApiTokens(db, principal.tenantId)).map(toApiTokenView);
    },

    /** Revokes a token of a role ranked at or below the caller's. */
    async revokeApiToken(principal: Principal, id: string): Promise<void> {
      requirePermission(principal, 'tokens:write');
      const at = ctx.now().toISOString();
      await db.transaction().execute(async (trx) => {
        await lockTenant(trx, dialect, principal.tenantId);
        const row = await findLiveApiTokenById(trx, principal.tenantId, id);
        if (row === undefined) throw errors.notFound('API token');
        requireRoleAtMost(principal, row.role);
        await refuseLosingLastOwner(trx, principal.tenantId, row.role, undefined);
        if (!(await updateLiveApiToken(trx, principal.tenantId, id, row.role, { revoked_at: at })))
          throw new AppError('conflict', 'the token changed meanwhile; try again');
        await appendAudit(trx, dialect, {
          tenantId: principal.tenantId,
          actor: actorOf(principal),
          action: 'api-token.revoke',
          target: id,
          details: { role: row.role },
          at,
        });
      });
    },

    /**
     * Renames a token and/or changes its role. The caller must rank at or above both the token's
     * current role and the new one, so nobody lifts a token above themselves or touches a higher one.
     */
    async updateApiToken(principal: Principal, id: string, change: ApiTokenChange): Promise<ApiTokenView> {
      requirePermission(principal, 'tokens:write');
      if (change.name === undefined && change.role === undefined)
        throw errors.invalid('give a new name or role');
      if (change.role !== undefined) requireRoleAtMost(principal, change.role);
      const at = ctx.now().toISOString();
      return db.transaction().execute(async (trx) => {
        await lockTenant(trx, dialect, principal.tenantId);
        const row = await findLiveApiTokenById(trx, principal.tenantId, id);
        if (row === undefined) throw errors.notFound('API token');
        requireRoleAtMost(principal, row.role);
        await refuseLosingLastOwner(trx, principal.tenantId, row.role, change.role ?? row.role);
        if (!(await updateLiveApiToken(trx, principal.tenantId, id, row.role, change)))
          throw new AppError('conflict', 'the token changed meanwhile; try again');
        await appendAudit(trx, dialect, {
          tenantId: principal.tenantId,
          actor: actorOf(principal),
          action: 'api-token.update',
          target: id,
          details: { from: { name: row.name, role: row.role }, to: change },
          at,
        });
        return toApiTokenView({ ...row, ...change });
      });
    },

    /** Mints an enrollment token; the secret is returned once. */
    async createEnrollmentToken(principal: Principal, input: EnrollmentTokenInput) {
      requirePermission(principal, 'enrollment:write');
      const now = ctx.now();
      const at = now.toISOString();
      const minted = mintToken('enrollment');
      const id = newId('enr');
      const maxUses = input.maxUses ?? null;
      const row = {
        tenant_id: principal.tenantId,
        id,
        prefix: minted.prefix,
        hash: minted.hash,
        ownership: input.ownership,
        groups: JSON.stringify([...new Set(input.groups)]),
        expires_at: new Date(now.getTime() + input.expiresInHours * 3_600_000).toISOString(),
        uses_left: maxUses,
        max_uses: maxUses,
        created_by: actorOf(principal),
        created_at: at,
        revoked_at: null,
      };
      await db.transaction().execute(async (trx) => {
        await insertEnrollmentToken(trx, row);
        await appendAudit(trx, dialect, {
          tenantId: principal.tenantId,
          actor: actorOf(principal),
          action: 'enrollment-token.create',
          target: id,
          details: { ownership: input.ownership, groups: input.groups, expiresAt: row.expires_at, maxUses },
          at,
        });
      });
      return { ...toEnrollmentTokenView(row), token: minted.token };
    },

    async listEnrollmentTokens(principal: Principal): Promise<EnrollmentTokenView[]> {
      requirePermission(principal, 'enrollment:read');
      return (await listEnrollmentTokens(db, principal.tenantId)).map(toEnrollmentTokenView);
    },

    async revokeEnrollmentToken(principal: Principal, id: string): Promise<void> {
      requirePermission(principal, 'enrollment:write');
      const at = ctx.now().toISOString();
      await db.transaction().execute(async (trx) => {
        if (!(await revokeEnrollmentToken(trx, principal.tenantId, id, at)))
          throw errors.notFound('enrollment token');
        await appendAudit(trx, dialect, {
          tenantId: principal.tenantId,
          actor: actorOf(principal),
          action: 'enrollment-token.revoke',
          target: id,
          at,
        });
      });
    },
  };
}
