import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../../runtime.ts';
import { registerAccessLogRoutes } from '../admin/access-log.ts';
import { registerAccessPolicyRoutes } from '../admin/access-policies.ts';
import { authenticateAdminHook } from '../admin/authenticate.ts';
import { registerProxyCredentialRoutes } from '../admin/proxy-credentials.ts';
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
export function registerAccessRoutes(
  deps: Pick<
    Services,
    'access' | 'accessAdmin' | 'proxyCredentials' | 'authenticateAdmin' | 'deviceIdentity'
  >,
): FastifyPluginAsync {
  return async (app) => {
    const access = deps.access;
    app.addHook('onClose', async () => {
      await access.close();
    });
    await app.register(registerCheckRoutes(access));
    await app.register(registerDecideRoute(access));
    await app.register(registerDeviceTokenRoute(deps.deviceIdentity, access));
    await app.register(registerRemediationRoutes(access));
    const admin = deps.accessAdmin;
    await app.register(
      async (scope) => {
        scope.addHook('onRoute', (route) => {
          route.schema = { ...route.schema, security: [{ bearer: [] }] };
        });
        scope.addHook('onRequest', authenticateAdminHook(deps.authenticateAdmin));
        await scope.register(registerResourceRoutes(admin));
        await scope.register(registerAccessPolicyRoutes(admin));
        await scope.register(registerAccessLogRoutes(admin));
        await scope.register(registerProxyCredentialRoutes(deps.proxyCredentials));
      },
      { prefix: '/v1/admin' },
    );
  };
}
