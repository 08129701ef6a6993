import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { toHttpOutcome } from '../../access/access-decider.ts';
import type { AccessSystem } from '../../access/access-system.ts';
import { CHECK_PATH, isTrustedProxy, readForwardAuthRequest } from '../../access/forward-auth-request.ts';
import { ACCESS_HEADERS } from '../../enforcement/contract.ts';

/** Envoy's HTTP mode keeps the original method; nginx, Traefik and Caddy always send GET. */
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

const MESSAGES: Readonly<Record<number, string>> = {
  401: 'no enrolled device was identified',
  403: 'access denied for this device',
};

/**
 * `/v1/access/check` (and everything below it, for Envoy's `path_prefix`): forward auth for
 * nginx `auth_request`, Traefik ForwardAuth, Caddy `forward_auth` and Envoy `ext_authz` (HTTP),
 * per docs/proxies.md. Answers 200 with identity headers, 401 or 403 with reason and remediation
 * headers and a JSON body; never redirects (nginx turns any other status into a 500).
 */
export function registerCheckRoutes(access: AccessSystem): FastifyPluginAsync {
  return async (app) => {
    // Envoy may forward the original request's content type; the check never reads a body.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 64 * 1024 }, (_request, _body, done) =>
      done(null, undefined),
    );

    async function check(request: FastifyRequest, reply: FastifyReply) {
      const remote = request.socket.remoteAddress;
      if (!isTrustedProxy(access.trust, request.headers, remote)) {
        request.log.warn({ remote }, 'access check from an untrusted address without the proxy secret');
        return send(reply, request, 401, {
          [ACCESS_HEADERS.reason]: 'proxy-untrusted',
          [ACCESS_HEADERS.remediationUrl]: '',
        });
      }
      const parsed = readForwardAuthRequest(request.headers, {
        method: request.method,
        url: request.url,
        remoteAddress: remote,
      });
      // Plain objects (no spreads): built for every check.
      const result = await access.decider.decide(
        { fingerprint: parsed.clientCertFingerprint, deviceToken: parsed.deviceToken },
        { host: parsed.host, path: parsed.path, method: parsed.method },
        'forward-auth',
      );
      if (result.status === 200 && result.device !== undefined) {
        reply
          .status(200)
          .header(ACCESS_HEADERS.deviceId, result.device.deviceId)
          .header(ACCESS_HEADERS.user, result.device.user)
          .header('cache-control', 'no-store');
        return reply.send();
      }
      const outcome = toHttpOutcome(result);
      return send(reply, request, outcome.status, outcome.headers);
    }

    function send(
      reply: FastifyReply,
      request: FastifyRequest,
      status: 200 | 401 | 403,
      headers: Readonly<Record<string, string>>,
    ) {
      reply.status(status).headers(headers).header('cache-control', 'no-store');
      if (status === 200) return reply.send();
      const reason = headers[ACCESS_HEADERS.reason] ?? '';
      return reply.type('application/json').send({
        code: status === 401 ? 'unauthorized' : 'forbidden',
        message: MESSAGES[status] ?? '',
        requestId: String(request.id),
        reason,
        remediationUrl: headers[ACCESS_HEADERS.remediationUrl] ?? '',
      });
    }

    const schema = { hide: true } as const;
    app.route({ method: [...METHODS], url: CHECK_PATH, schema, handler: check });
    app.route({ method: [...METHODS], url: `${CHECK_PATH}/*`, schema, handler: check });
  };
}
