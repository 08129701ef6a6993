import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../../runtime.ts';
import { adminScope } from '../route-auth.ts';
import { registerAuditRoutes } from './audit.ts';
import { authenticateAdminHook } from './authenticate.ts';
import { registerDeviceRoutes } from './devices.ts';
import { registerExtraAdminRoutes } from './index-extra.ts';
import { registerSettingsRoutes } from './settings.ts';
import { registerThreatRoutes } from './threats.ts';
import { registerTokenRoutes } from './tokens.ts';

/** The admin API under /v1/admin: bearer-authenticated; each route's declared permission is checked
 * by the scope before the body is read (and again in its service). */
export function registerAdminRoutes(
  deps: Pick<
    Services,
    | 'authenticateAdmin'
    | 'tokens'
    | 'devices'
    | 'reenrollmentApprovals'
    | 'deviceExport'
    | 'attestation'
    | 'threats'
    | 'settings'
    | 'auditLog'
    | 'threatTypes'
    | 'compliancePolicies'
    | 'intelFeeds'
    | 'intelUpstreams'
    | 'explain'
  >,
): FastifyPluginAsync {
  return async (app) => {
    adminScope(app, authenticateAdminHook(deps.authenticateAdmin));
    await app.register(registerTokenRoutes(deps.tokens));
    await app.register(registerDeviceRoutes(deps));
    await app.register(registerThreatRoutes(deps.threats));
    await app.register(registerSettingsRoutes(deps.settings));
    await app.register(registerAuditRoutes(deps.auditLog));
    await app.register(registerExtraAdminRoutes(deps));
  };
}
