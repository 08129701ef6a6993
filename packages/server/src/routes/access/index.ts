import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../../runtime.ts';
import { registerAccessLogRoutes } from '../admin/access-log.ts';
import { registerAccessPolicyRoutes } from '../admin/access-policies.ts';
import { authenticateAdminHook } from '../admin/authenticate.ts';
import { registerProxyCredentialRoutes } from '../admin/proxy-credentials.ts';
import { registerResourceRoutes } from '../admin/resources.ts';
import { adminScope, authScope } from '../route-auth.ts';
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
    // Each group in its own scope, marked with how it authenticates (route-auth.ts).
    await app.register(async (scope) => {
      authScope(scope, 'proxy');
      await scope.register(registerCheckRoutes(access));
      await scope.register(registerDecideRoute(access));
    });
    await app.register(async (scope) => {
      authScope(scope, 'device');
      await scope.register(registerDeviceTokenRoute(deps.deviceIdentity, access));
    });
    await app.register(async (scope) => {
      authScope(scope, 'link');
      await scope.register(registerRemediationRoutes(access));
    });
    const admin = deps.accessAdmin;
    await app.register(
      async (scope) => {
        adminScope(scope, authenticateAdminHook(deps.authenticateAdmin));
        await scope.register(registerResourceRoutes(admin));
        await scope.register(registerAccessPolicyRoutes(admin));
        await scope.register(registerAccessLogRoutes(admin));
        await scope.register(registerProxyCredentialRoutes(deps.proxyCredentials));
      },
      { prefix: '/v1/admin' },
    );
  };
}
