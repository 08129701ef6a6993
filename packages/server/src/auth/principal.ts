import type { Role } from '../db/types.ts';
import { errors } from '../errors.ts';

/** Who is calling the admin API: a tenant and a role, from a bearer token. */
export interface Principal {
  readonly tenantId: string;
  readonly tokenId: string;
  readonly role: Role;
}

/** What a caller may do. Services check one permission per operation. */
export type Permission =
  | 'tokens:read'
  | 'tokens:write'
  | 'enrollment:read'
  | 'enrollment:write'
  | 'devices:read'
  | 'devices:write'
  | 'threats:read'
  | 'threats:write'
  | 'policies:read'
  | 'policies:write'
  | 'intel:read'
  | 'intel:write'
  | 'settings:read'
  | 'settings:write'
  | 'audit:read';

export const ROLES: readonly Role[] = ['owner', 'admin', 'analyst', 'helpdesk'];

const READS: readonly Permission[] = [
  'tokens:read',
  'enrollment:read',
  'devices:read',
  'threats:read',
  'policies:read',
  'intel:read',
  'settings:read',
  'audit:read',
];

const ALL: readonly Permission[] = [
  ...READS,
  'tokens:write',
  'enrollment:write',
  'devices:write',
  'threats:write',
  'policies:write',
  'intel:write',
  'settings:write',
];

/** Role → permissions. analyst is read-only; helpdesk handles devices and threats only. */
export const PERMISSIONS: Readonly<Record<Role, ReadonlySet<Permission>>> = {
  owner: new Set(ALL),
  admin: new Set(ALL),
  analyst: new Set(READS),
  helpdesk: new Set(['devices:read', 'devices:write', 'threats:read', 'threats:write']),
};

/** Whether the role grants the permission. */
export function can(principal: Principal, permission: Permission): boolean {
  return PERMISSIONS[principal.role].has(permission);
}

/** Throws `forbidden` unless the role grants the permission. */
export function requirePermission(principal: Principal, permission: Permission): void {
  if (!can(principal, permission)) throw errors.forbidden(`role ${principal.role} may not ${permission}`);
}

/**
 * The role hierarchy: owner > admin > analyst = helpdesk. A token may only be created, changed or
 * revoked by a principal ranked at least as high as the token's role (docs/admin-api.md, issue 11.8).
 */
export const ROLE_RANK: Readonly<Record<Role, number>> = { owner: 3, admin: 2, analyst: 1, helpdesk: 1 };

/** Whether the principal may create, change or revoke a token of `role` (rank at or above it). */
export function canManageRole(principal: Principal, role: Role): boolean {
  return can(principal, 'tokens:write') && ROLE_RANK[principal.role] >= ROLE_RANK[role];
}

/** Throws `forbidden` unless the principal may manage tokens of `role`. */
export function requireRoleAtMost(principal: Principal, role: Role): void {
  if (!canManageRole(principal, role))
    throw errors.forbidden(`role ${principal.role} may not manage ${role} tokens`);
}

/** Throws `forbidden` unless the principal's role ranks at or above `role`. */
export function requireRankAtLeast(principal: Principal, role: Role): void {
  if (ROLE_RANK[principal.role] < ROLE_RANK[role])
    throw errors.forbidden(`role ${principal.role} may not do this; it needs ${role} or higher`);
}

/** The audit actor for a principal. */
export function actorOf(principal: Principal): string {
  return `token:${principal.tokenId}`;
}
