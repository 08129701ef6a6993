import type { FastifyPluginAsync } from 'fastify';
import { createAccessAdminService } from '../../access/access-admin-service.ts';
import type { AccessSystem } from '../../access/access-system.ts';
import type { AppDeps } from '../../app.ts';
import { authenticateAdmin } from '../../auth/auth-service.ts';
import { registerAccessLogRoutes } from '../admin/access-log.ts';
import { registerAccessPolicyRoutes } from '../admin/access-policies.ts';
import { registerResourceRoutes } from '../admin/resources.ts';
import { registerCheckRoutes } from './check.ts';
import { registerDecideRoute } from './decide.ts';
import { registerDeviceTokenRoute } from './device-token.ts';
import { registerRemediationRoutes } from './remediation.ts';

/**
 * Conditional access: forward auth (`/v1/access/check`), the decision API, device session
 * tokens, the remediation page with its event stream, and the access admin API (resources,
 * access policies, access log) under `/v1/admin` with its own bearer authentication.
 */
export function registerAccessRoutes(deps: AppDeps & { readonly access: AccessSystem }): FastifyPluginAsync {
  return async (app) => {
    const access = deps.access;
    app.addHook('onClose', async () => {
      await access.close();
    });
    await app.register(registerCheckRoutes(access));
    await app.register(registerDecideRoute(access));
    await app.register(registerDeviceTokenRoute(deps.ctx, access));
    await app.register(registerRemediationRoutes(access));
    const admin = createAccessAdminService(deps.ctx, { configChanged: access.configChanged });
    await app.register(
      async (scope) => {
        scope.addHook('onRoute', (route) => {
          route.schema = { ...route.schema, security: [{ bearer: [] }] };
        });
        // Before the body is read or validated, as for every admin route (routes/admin/index.ts).
        scope.addHook('onRequest', async (request) => {
          request.principal = await authenticateAdmin(deps.ctx, request.headers.authorization);
        });
        await scope.register(registerResourceRoutes(admin));
        await scope.register(registerAccessPolicyRoutes(admin));
        await scope.register(registerAccessLogRoutes(admin));
      },
      { prefix: '/v1/admin' },
    );
  };
}
