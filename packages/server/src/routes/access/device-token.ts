import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { AccessSystem } from '../../access/access-system.ts';
import type { Services } from '../../runtime.ts';
import { deviceAuthHooks } from '../device/authenticate.ts';
import { deviceOf, errorResponses } from '../http.ts';

/**
 * `POST /v1/access/device-token` (signed by the device, docs/agent-protocol.md §2): a short-lived
 * session token bound to the device, which the agent hands to the phone's browser for flows
 * where no client certificate reaches the proxy (`X-Riskgate-Device-Token`).
 */
export function registerDeviceTokenRoute(
  deviceIdentity: Services['deviceIdentity'],
  access: AccessSystem,
): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<TypeBoxTypeProvider>();
    // Signed like the device API: refused before the body is read, digest and nonce after.
    const auth = deviceAuthHooks(deviceIdentity);
    app.addHook('onRequest', auth.onRequest);
    app.addHook('preValidation', auth.preValidation);
    app.post(
      '/v1/access/device-token',
      {
        schema: {
          tags: ['access'],
          summary: 'Issue a short-lived device session token (signed device request)',
          security: [{ deviceSignature: [] }],
          response: {
            200: Type.Object({ token: Type.String(), expiresAt: Type.String() }),
            ...errorResponses(401),
          },
        },
      },
      async (request) => {
        const device = deviceOf(request);
        const exp = Math.floor(access.now().getTime() / 1000) + access.deviceTokenTtlSeconds;
        const token = access.tokens.sign({
          kind: 'dev',
          tenantId: device.tenant_id,
          deviceId: device.id,
          exp,
        });
        return { token, expiresAt: new Date(exp * 1000).toISOString() };
      },
    );
  };
}
