import type { onRequestHookHandler } from 'fastify';
import type { Services } from '../../runtime.ts';

/**
 * The onRequest hook of every admin scope: the per-address limit, the bearer token, then the
 * per-token limit, all before the body is read or validated. Strangers get 401 whatever they
 * send, learn nothing about the schema and cannot make the server buffer a body.
 */
export function authenticateAdminHook(authenticate: Services['authenticateAdmin']): onRequestHookHandler {
  return async (request, reply) => {
    const limits = request.server.rateLimits;
    await limits.adminPerIp(request, reply);
    const principal = await authenticate(request.headers.authorization);
    await limits.adminPerToken(request, reply, principal.tokenId);
    request.principal = principal;
  };
}
