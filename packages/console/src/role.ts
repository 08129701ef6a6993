import { type ApiClient, ApiError } from './api.ts';

/** Admin roles (the server's vocabulary). */
export type Role = 'owner' | 'admin' | 'analyst' | 'helpdesk';

/** What the console asks before showing an action; the server checks the same permission. */
export type Permission =
  | 'devices:write'
  | 'threats:write'
  | 'policies:read'
  | 'policies:write'
  | 'enrollment:read'
  | 'enrollment:write'
  | 'intel:read'
  | 'intel:write'
  | 'audit:read';

/**
 * A mirror of the server's role → permission table (services/principal.ts) for the actions the
 * console offers: owner and admin may do everything, analyst only reads, helpdesk handles devices
 * and threats. It only hides buttons; the server is the authority (a 403 is still shown).
 */
const GRANTS: Readonly<Record<Role, ReadonlySet<Permission>>> = {
  owner: new Set<Permission>([
    'devices:write',
    'threats:write',
    'policies:read',
    'policies:write',
    'enrollment:read',
    'enrollment:write',
    'intel:read',
    'intel:write',
    'audit:read',
  ]),
  admin: new Set<Permission>([
    'devices:write',
    'threats:write',
    'policies:read',
    'policies:write',
    'enrollment:read',
    'enrollment:write',
    'intel:read',
    'intel:write',
    'audit:read',
  ]),
  analyst: new Set<Permission>(['policies:read', 'enrollment:read', 'intel:read', 'audit:read']),
  helpdesk: new Set<Permission>(['devices:write', 'threats:write']),
};

/** Whether `role` may do `permission`; an unknown role may try anything (the server decides). */
export function can(role: Role | undefined, permission: Permission): boolean {
  return role === undefined || GRANTS[role].has(permission);
}

const TOKEN_PREFIX_LENGTH = 15;

/**
 * The role of the signed-in token: its row in `GET /api-tokens` (matched by the token's public
 * prefix). Only helpdesk may not list tokens, so a 403 means helpdesk. `undefined` when unknown.
 */
export async function detectRole(api: ApiClient, token: string): Promise<Role | undefined> {
  try {
    const reply = await api.get<{
      items: readonly { prefix: string; role: Role; revokedAt: string | null }[];
    }>('/v1/admin/api-tokens');
    const prefix = token.slice(0, TOKEN_PREFIX_LENGTH);
    return reply.items.find((item) => item.prefix === prefix && item.revokedAt === null)?.role;
  } catch (error) {
    return error instanceof ApiError && error.status === 403 ? 'helpdesk' : undefined;
  }
}
