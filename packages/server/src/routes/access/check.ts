import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import {
  type AccessResult,
  STATE_UNAVAILABLE,
  STATE_UNAVAILABLE_MESSAGE,
} from '../../access/access-decider.ts';
import type { AccessSystem } from '../../access/access-system.ts';
import { CHECK_PATH, readForwardAuthRequest } from '../../access/forward-auth-request.ts';
import type { ProxyBinding } from '../../access/proxy-binding.ts';
import { ACCESS_HEADERS } from '../../enforcement/contract.ts';

/** Envoy's HTTP mode keeps the original method; nginx, Traefik and Caddy always send GET. */
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
/**
 * Server log levels the check routes keep: at debug and trace each check is request-logged; at warn
 * and above nothing more verbose is logged anyway. At info they log warnings only (a route's level
 * replaces the server's, so lowering it to `warn` under `error` or `silent` would log more).
 */
const CHECK_KEEPS_LEVEL: ReadonlySet<string> = new Set([
  'trace',
  'debug',
  'warn',
  'error',
  'fatal',
  'silent',
]);

const MESSAGES: Readonly<Record<number, string>> = {
  401: 'no enrolled device was identified',
  403: 'access denied for this device',
};
/** Refusals whose message says more than the status does. */
const REASON_MESSAGES: Readonly<Record<string, string>> = {
  'identity-conflict':
    "the request carries two device identities that disagree (a client-supplied certificate header beside the proxy's own); strip client copies of identity headers at the proxy",
  'proxy-untrusted': "send this tenant's proxy credential in X-Riskgate-Proxy-Secret",
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

    /**
     * Not `async`: when the device and its tenant's configuration are cached (nearly every check)
     * the reply is sent before the handler returns, with no promise, no microtask and no thenable
     * `reply` to adopt; only a cache miss goes through `decide` and a promise.
     */
    function check(request: FastifyRequest, reply: FastifyReply): Promise<void> | undefined {
      const binding = access.trust.bind(request.headers, request.socket.remoteAddress);
      if (binding instanceof Promise) return binding.then((bound) => checkBound(request, reply, bound));
      return checkBound(request, reply, binding);
    }

    function checkBound(
      request: FastifyRequest,
      reply: FastifyReply,
      binding: ProxyBinding | undefined,
    ): Promise<void> | undefined {
      if (binding === undefined) {
        const remote = request.socket.remoteAddress;
        request.log.warn(
          { remote },
          'access check without a valid proxy credential from an untrusted address',
        );
        deny(reply, request, 401, 'proxy-untrusted', '');
        return undefined;
      }
      const parsed = readForwardAuthRequest(
        request.headers,
        request,
        binding.integration,
        access.identityHeaders,
      );
      if (parsed.identityConflict !== undefined) {
        request.log.warn(
          { header: parsed.identityConflict, credential: binding.credentialId, tenantId: binding.tenantId },
          `access check refused: ${parsed.identityConflict} disagrees with the ${binding.integration} identity header`,
        );
      }
      // Plain objects (no spreads): built for every check.
      const identity = {
        fingerprint: parsed.clientCertFingerprint,
        deviceToken: parsed.deviceToken,
        conflict: parsed.identityConflict,
      };
      const target = {
        tenantId: binding.tenantId,
        host: parsed.host,
        path: parsed.path,
        method: parsed.method,
      };
      const cached = access.decider.decideCached(identity, target, 'forward-auth');
      if (cached !== undefined) {
        answer(reply, request, cached);
        return undefined;
      }
      return access.decider.decide(identity, target, 'forward-auth').then((result) => {
        answer(reply, request, result);
      });
    }

    function answer(reply: FastifyReply, request: FastifyRequest, result: AccessResult): void {
      if (result.status === 200 && result.device !== undefined) {
        reply
          .status(200)
          .header(ACCESS_HEADERS.deviceId, result.device.deviceId)
          .header(ACCESS_HEADERS.user, result.device.user)
          .header('cache-control', 'no-store')
          .send();
        return;
      }
      // As `toHttpOutcome`: an allow without a device is refused.
      deny(
        reply,
        request,
        result.status === 200 ? 403 : result.status,
        result.reason,
        result.remediationUrl ?? '',
      );
    }

    function deny(
      reply: FastifyReply,
      request: FastifyRequest,
      status: 401 | 403,
      reason: string,
      remediationUrl: string,
    ): void {
      // The JSON body as a string: Fastify sends it as it is (no serializer, no preSerialization).
      const body = JSON.stringify({
        code: status === 401 ? 'unauthorized' : 'forbidden',
        message:
          reason === STATE_UNAVAILABLE
            ? STATE_UNAVAILABLE_MESSAGE
            : (REASON_MESSAGES[reason] ?? MESSAGES[status] ?? ''),
        requestId: String(request.id),
        reason,
        remediationUrl,
      });
      reply
        .status(status)
        .header(ACCESS_HEADERS.reason, reason)
        .header(ACCESS_HEADERS.remediationUrl, remediationUrl)
        .header('cache-control', 'no-store')
        .header('content-type', 'application/json; charset=utf-8')
        .send(body);
    }

    const schema = {
      tags: ['access'],
      summary:
        'Forward auth for nginx, Traefik, Caddy and Envoy: 200 with identity headers, or 401/403 with reason',
    };
    // A proxy asks once per request to every protected resource: at `info`, Fastify's two request
    // lines per check would be most of a check's cost and flood the log. Decisions are counted in
    // the metrics and denials kept in the access log; `debug` or `trace` logs every check again.
    const logLevel = CHECK_KEEPS_LEVEL.has(app.log.level) ? undefined : 'warn';
    app.route({ method: [...METHODS], url: CHECK_PATH, schema, handler: check, logLevel });
    app.route({ method: [...METHODS], url: `${CHECK_PATH}/*`, schema, handler: check, logLevel });
  };
}
