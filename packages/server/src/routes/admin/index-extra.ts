import type { FastifyPluginAsync } from 'fastify';
import type { AppDeps } from '../../app.ts';
import { registerCompliancePolicyRoutes } from './compliance-policies.ts';
import { registerDeviceExplanationRoutes } from './device-explanation.ts';
import { registerIntelFeedRoutes } from './intel-feeds.ts';
import { registerThreatTypeRoutes } from './threat-types.ts';

/**
 * Admin routes beyond the foundation (threat types, compliance policies, privacy
 * settings, intel feeds). Registered inside the authenticated admin scope by `index.ts`.
 */
export function registerExtraAdminRoutes(deps: AppDeps): FastifyPluginAsync {
  return async (app) => {
    await app.register(registerThreatTypeRoutes(deps));
    await app.register(registerCompliancePolicyRoutes(deps));
    await app.register(registerIntelFeedRoutes(deps));
    await app.register(registerDeviceExplanationRoutes(deps));
  };
}
