import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../../runtime.ts';
import { registerCompliancePolicyRoutes } from './compliance-policies.ts';
import { registerDeviceExplanationRoutes } from './device-explanation.ts';
import { registerIntelFeedRoutes } from './intel-feeds.ts';
import { registerIntelUpstreamRoutes } from './intel-upstreams.ts';
import { registerThreatTypeRoutes } from './threat-types.ts';

/**
 * Admin routes beyond the foundation (threat types, compliance policies, privacy
 * settings, intel feeds). Registered inside the authenticated admin scope by `index.ts`.
 */
export function registerExtraAdminRoutes(
  deps: Pick<Services, 'threatTypes' | 'compliancePolicies' | 'intelFeeds' | 'intelUpstreams' | 'explain'>,
): FastifyPluginAsync {
  return async (app) => {
    await app.register(registerThreatTypeRoutes(deps.threatTypes));
    await app.register(registerCompliancePolicyRoutes(deps.compliancePolicies));
    await app.register(registerIntelFeedRoutes(deps.intelFeeds));
    await app.register(registerIntelUpstreamRoutes(deps.intelUpstreams));
    await app.register(registerDeviceExplanationRoutes(deps.explain));
  };
}
