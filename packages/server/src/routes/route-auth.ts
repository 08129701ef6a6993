import type { FastifyInstance, onRequestHookHandler, RouteOptions } from 'fastify';
import {
  PERMISSIONS,
  type Permission,
  ROLE_RANK,
  ROLES,
  requirePermission,
  requireRankAtLeast,
} from '../auth/principal.ts';
import type { Role } from '../db/types.ts';
import { principalOf } from './http.ts';

/**
 * Who may call an operation, as written into the OpenAPI document under {@link AUTH_EXTENSION}
 * (docs/admin-api.md, "Authorization metadata"). The scope that authenticates a group of routes
 * writes it ({@link authScope}, {@link adminScope}), and for admin routes the same declaration is
 * what the permission hook enforces, so the document cannot say something the server does not do.
 */
export type AuthKind =
  /** A bearer API token of the tenant, with a permission (and maybe a minimum role). */
  | 'admin'
  /** A request signed by an enrolled device's key (docs/agent-protocol.md). */
  | 'device'
  /** An enrollment token in the body, the request signed by the new key. */
  | 'enrollment'
  /** A tenant's proxy credential (X-Riskgate-Proxy-Secret) or a trusted proxy address. */
  | 'proxy'
  /** A tenant's MDM webhook secret (basic-auth password, bearer token or `?secret=`; docs/mdm.md). */
  | 'mdm'
  /** A signed, expiring remediation link token in the query string. */
  | 'link'
  /** Nobody: health, metrics, the API document, the console's static files. */
  | 'public';

/** The permission an admin route declares in its `config` (see {@link requires}). */
export interface AdminRequirement {
  readonly permission: Permission;
  /** Beyond the permission, the caller's role must rank at least this high (ROLE_RANK). */
  readonly minRole?: Role;
}

/** The value of {@link AUTH_EXTENSION} on one operation. */
export type AuthAnnotation =
  | { readonly kind: Exclude<AuthKind, 'admin'> }
  | {
      readonly kind: 'admin';
      readonly permission: Permission;
      readonly minRole?: Role;
      /** The roles that pass: derived from PERMISSIONS and ROLE_RANK, spelled out for clients. */
      readonly roles: readonly Role[];
    };

/** The OpenAPI operation extension holding the {@link AuthAnnotation}. */
export const AUTH_EXTENSION = 'x-riskgate-auth';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Admin routes: what the caller's role must grant (enforced by {@link adminScope}). */
    readonly requires?: AdminRequirement;
  }
}

/** Route options of an admin route needing `permission` (and, optionally, at least `minRole`). */
export function requires(permission: Permission, minRole?: Role): { config: { requires: AdminRequirement } } {
  return { config: { requires: minRole === undefined ? { permission } : { permission, minRole } } };
}

/** Whether `role` passes `requirement` (the one rule both the hook and the document use). */
export function roleMeets(role: Role, requirement: AdminRequirement): boolean {
  if (!PERMISSIONS[role].has(requirement.permission)) return false;
  return requirement.minRole === undefined || ROLE_RANK[role] >= ROLE_RANK[requirement.minRole];
}

const SECURITY: Readonly<Record<AuthKind, readonly Record<string, string[]>[] | undefined>> = {
  admin: [{ bearer: [] }],
  device: [{ deviceSignature: [] }],
  enrollment: [{ deviceSignature: [] }],
  proxy: [{ proxySecret: [] }],
  mdm: [{ mdmWebhookBasic: [] }, { bearer: [] }, { mdmWebhookQuery: [] }],
  link: undefined,
  public: undefined,
};

function annotate(route: RouteOptions, annotation: AuthAnnotation): void {
  const security = SECURITY[annotation.kind];
  // FastifySchema has no index signature; swagger copies `x-` members into the operation.
  route.schema = Object.assign(
    {},
    route.schema,
    { [AUTH_EXTENSION]: annotation },
    security === undefined ? {} : { security },
  );
}

function describeRoute(route: RouteOptions): string {
  return `${String(route.method)} ${route.url}`;
}

/**
 * Marks every route registered in `scope` (and below it, until an inner scope says otherwise) as
 * authenticated by `kind`. Call it where the scope installs the hook that authenticates.
 */
export function authScope(scope: FastifyInstance, kind: Exclude<AuthKind, 'admin'>): void {
  scope.addHook('onRoute', (route) => {
    if (route.config?.requires !== undefined)
      throw new Error(`${describeRoute(route)} declares a permission but is not in an admin scope`);
    annotate(route, { kind });
  });
}

/**
 * The admin scope: `authenticate` (an onRequest hook: bearer token → principal) for every route,
 * then, per route, the permission the route declares with {@link requires}, checked before the body
 * is read, and written into the OpenAPI document. A route without a declaration fails to register.
 */
export function adminScope(scope: FastifyInstance, authenticate: onRequestHookHandler): void {
  scope.addHook('onRequest', authenticate);
  scope.addHook('onRoute', (route) => {
    const requirement = route.config?.requires;
    if (requirement === undefined)
      throw new Error(`admin route ${describeRoute(route)} declares no permission: add ...requires(…)`);
    const roles = ROLES.filter((role) => roleMeets(role, requirement));
    annotate(route, { kind: 'admin', ...requirement, roles });
    const enforce: onRequestHookHandler = async (request) => {
      const principal = principalOf(request);
      requirePermission(principal, requirement.permission);
      if (requirement.minRole !== undefined) requireRankAtLeast(principal, requirement.minRole);
    };
    const own = route.onRequest;
    // Route-level hooks run after the scope's, so the principal is known here.
    route.onRequest = own === undefined ? [enforce] : [...(Array.isArray(own) ? own : [own]), enforce];
  });
}
