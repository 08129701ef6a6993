import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import {
  type MdmWebhookEvent,
  MdmWebhookEventSchema,
  MdmWebhookReplySchema,
} from '../../mdm/mdm-webhook-event.ts';
import type { MdmWebhookRow } from '../../queries/mdm.ts';
import type { Services } from '../../runtime.ts';
import { authenticateAdminHook } from '../admin/authenticate.ts';
import { errorResponses, principalOf } from '../http.ts';
import { adminScope, authScope, requires } from '../route-auth.ts';

/** A command result plist is at most 8 MiB; base64 and the JSON around it make it about 11. */
const WEBHOOK_BODY_LIMIT = 12 * 1024 * 1024;

/**
 * The secret as NanoMDM can send it (docs/mdm.md): the password of HTTP basic auth (the
 * `https://riskgate:SECRET@host/…` form of `-webhook-url`), a bearer token (a proxy in front adds
 * it), or `?secret=`. The first one present counts.
 */
function presentedSecret(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header === 'string') {
    const [scheme, value = ''] = header.split(' ', 2);
    if (scheme?.toLowerCase() === 'bearer') return value.trim();
    if (scheme?.toLowerCase() === 'basic') {
      const decoded = Buffer.from(value.trim(), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      return colon < 0 ? undefined : decoded.slice(colon + 1);
    }
    return undefined;
  }
  const query = request.query as Record<string, unknown> | undefined;
  const secret = query?.secret;
  return typeof secret === 'string' ? secret : undefined;
}

const ViewSchema = Type.Object({
  configured: Type.Boolean(),
  path: Type.String({ description: 'Where the MDM posts its events (relative to the public URL)' }),
  autoCreate: Type.Boolean(),
  ownership: Type.Union([Type.Literal('corporate'), Type.Literal('personal')]),
  createdAt: Type.Optional(Type.String()),
  updatedAt: Type.Optional(Type.String()),
  secret: Type.Optional(Type.String({ description: 'Shown once, when minted' })),
});

const ConfigureSchema = Type.Object(
  {
    autoCreate: Type.Boolean({
      description: 'Create a Riskgate device for an MDM device seen the first time',
    }),
    ownership: Type.Union([Type.Literal('corporate'), Type.Literal('personal')], {
      description: 'Ownership of the devices it creates',
    }),
    rotateSecret: Type.Optional(
      Type.Boolean({ description: 'Mint a new secret (the old one stops working)' }),
    ),
  },
  { additionalProperties: false },
);

/** The MDM webhook (`/v1/mdm/:tenantId/webhook`) and its admin settings (`/v1/admin/mdm/webhook`). */
export function registerMdmRoutes(deps: Pick<Services, 'mdm' | 'authenticateAdmin'>): FastifyPluginAsync {
  const mdm = deps.mdm;
  return async (root) => {
    await root.register(async (plain) => {
      authScope(plain, 'mdm');
      const scope = plain.withTypeProvider<TypeBoxTypeProvider>();
      const webhooks = new WeakMap<FastifyRequest, MdmWebhookRow>();
      scope.post(
        '/v1/mdm/:tenantId/webhook',
        {
          bodyLimit: WEBHOOK_BODY_LIMIT,
          // The URL may carry the secret (`?secret=`): keep it out of the request log lines.
          logLevel: 'warn',
          onRequest: async (request, reply) => {
            await request.server.rateLimits.devicePerIp(request, reply);
            const { tenantId } = request.params as { tenantId: string };
            webhooks.set(request, await mdm.authenticate(tenantId, presentedSecret(request)));
          },
          schema: {
            tags: ['mdm'],
            summary: 'Apple MDM webhook (NanoMDM / MicroMDM events): command results become device snapshots',
            params: Type.Object({ tenantId: Type.String({ minLength: 1, maxLength: 64 }) }),
            querystring: Type.Object({ secret: Type.Optional(Type.String({ maxLength: 256 })) }),
            body: MdmWebhookEventSchema,
            response: {
              200: MdmWebhookReplySchema,
              202: MdmWebhookReplySchema,
              ...errorResponses(400, 401, 413, 415, 429),
            },
          },
        },
        async (request, reply) => {
          const webhook = webhooks.get(request);
          if (webhook === undefined) throw new Error('MDM webhook route without its authentication hook');
          const answer = await mdm.receive(webhook, request.body as MdmWebhookEvent);
          // An unknown device (autoCreate off) is accepted and not stored: 202 with the reason.
          return reply.status(answer.reason === 'unknown-device' ? 202 : 200).send(answer);
        },
      );
    });

    await root.register(
      async (plain) => {
        adminScope(plain, authenticateAdminHook(deps.authenticateAdmin));
        const app = plain.withTypeProvider<TypeBoxTypeProvider>();
        app.get(
          '/mdm/webhook',
          {
            ...requires('settings:read'),
            schema: {
              tags: ['admin'],
              summary: "The tenant's MDM webhook settings (never the secret)",
              response: { 200: ViewSchema, ...errorResponses(401, 403) },
            },
          },
          async (request) => mdm.get(principalOf(request)),
        );
        app.put(
          '/mdm/webhook',
          {
            ...requires('settings:write'),
            schema: {
              tags: ['admin'],
              summary: 'Create or change the MDM webhook; a new secret is shown once (audited)',
              body: ConfigureSchema,
              response: { 200: ViewSchema, ...errorResponses(400, 401, 403) },
            },
          },
          async (request) => mdm.configure(principalOf(request), request.body),
        );
        app.delete(
          '/mdm/webhook',
          {
            ...requires('settings:write'),
            schema: {
              tags: ['admin'],
              summary: 'Remove the MDM webhook: its secret stops working (audited)',
              response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
            },
          },
          async (request, reply) => {
            await mdm.remove(principalOf(request));
            return reply.status(204).send(null);
          },
        );
      },
      { prefix: '/v1/admin' },
    );
  };
}
