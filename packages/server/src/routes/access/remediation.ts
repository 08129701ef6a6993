import { randomBytes } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { AccessSystem } from '../../access/access-system.ts';
import { remediationView } from '../../access/remediation-view.ts';
import type { TokenClaims } from '../../access/signed-token.ts';
import { errors } from '../../errors.ts';
import { renderRemediationPage } from '../../pages/remediation-page.ts';

const TokenQuery = Type.Object(
  { t: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })) },
  { additionalProperties: false },
);

/** Whether the client prefers JSON: API clients get JSON, browsers HTML. */
function wantsJson(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  const json = accept.indexOf('application/json');
  const html = accept.indexOf('text/html');
  return json !== -1 && (html === -1 || json < html);
}

const HEARTBEAT_MS = 15_000;

/**
 * `GET /remediation?t=<signed link>`: what blocks the device and how to fix it (HTML or JSON by
 * `Accept`); `GET /v1/access/events?t=…`: server-sent events (`state`) each time the device's
 * state changes, fed by the event bus, so an open page updates itself.
 */
export function registerRemediationRoutes(access: AccessSystem): FastifyPluginAsync {
  return async (app) => {
    const claimsOf = (token: string | undefined): TokenClaims | undefined =>
      token === undefined ? undefined : access.tokens.verify(token, 'rem', access.now());

    app.get(
      '/remediation',
      {
        schema: {
          tags: ['access'],
          summary:
            'The remediation page of a signed link: what blocks the device and how to fix it (HTML or JSON)',
          querystring: TokenQuery,
        },
      },
      async (request, reply) => {
        const { t } = request.query as { t?: string };
        const claims = claimsOf(t);
        const view = await remediationView(access, claims);
        reply.header('cache-control', 'no-store');
        reply.header('referrer-policy', 'no-referrer');
        if (wantsJson(request.headers.accept)) return reply.type('application/json').send(view);
        const nonce = randomBytes(16).toString('base64');
        reply.header(
          'content-security-policy',
          `default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-${nonce}'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
        );
        const token = claims === undefined ? undefined : t;
        const eventsUrl =
          token === undefined ? undefined : `/v1/access/events?t=${encodeURIComponent(token)}`;
        return reply
          .type('text/html; charset=utf-8')
          .send(renderRemediationPage(view, { token, eventsUrl, nonce }));
      },
    );

    app.get(
      '/v1/access/events',
      {
        schema: {
          tags: ['access'],
          summary: "Server-sent events: the link's device state, each time it changes",
          querystring: TokenQuery,
        },
      },
      async (request, reply) => {
        const { t } = request.query as { t?: string };
        const claims = claimsOf(t);
        if (claims === undefined) throw errors.unauthorized('missing, invalid or expired link');
        const raw = reply.raw;
        reply.hijack();
        raw.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-store',
          connection: 'keep-alive',
          'x-accel-buffering': 'no',
          'x-request-id': String(request.id),
        });
        let closed = false;
        const sendState = async () => {
          const view = await remediationView(access, claims);
          if (!closed)
            raw.write(
              `event: state\ndata: ${JSON.stringify({ version: view.version, status: view.status, riskLevel: view.riskLevel ?? null })}\n\n`,
            );
        };
        const unsubscribe = access.bus.subscribe((event) => {
          const relevant =
            (event.type === 'device-state-changed' && event.deviceId === claims.deviceId) ||
            (event.type === 'access-config-changed' && event.tenantId === claims.tenantId);
          if (relevant)
            sendState().catch((error: unknown) =>
              request.log.warn({ err: error }, 'remediation event failed'),
            );
        });
        const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), HEARTBEAT_MS);
        heartbeat.unref();
        const close = () => {
          if (closed) return;
          closed = true;
          clearInterval(heartbeat);
          unsubscribe();
        };
        raw.on('close', close);
        await sendState();
      },
    );
  };
}
