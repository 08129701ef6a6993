import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { ProxyIntegrationSchema } from '../../access/proxy-binding.ts';
import type { ProxyCredentialService } from '../../access/proxy-credential-service.ts';
import { errorResponses, IdParams, principalOf } from '../http.ts';
import { requires } from '../route-auth.ts';

const errs = errorResponses(400, 401, 403, 404);
const Integration = ProxyIntegrationSchema;
const Credential = Type.Object({
  id: Type.String(),
  name: Type.String(),
  integration: Integration,
  identityHeader: Type.String(),
  createdAt: Type.String(),
  createdBy: Type.String(),
});

/**
 * `/v1/admin/proxy-credentials`: the credentials a tenant's reverse proxies send in
 * `X-Riskgate-Proxy-Secret`; each binds a check to this tenant and to one proxy's identity header.
 */
export function registerProxyCredentialRoutes(service: ProxyCredentialService): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ['access'];
    app.get(
      '/proxy-credentials',
      {
        ...requires('settings:read'),
        schema: {
          tags,
          summary: "List the tenant's proxy credentials (never their secrets)",
          response: { 200: Type.Object({ items: Type.Array(Credential) }), ...errs },
        },
      },
      async (request) => ({ items: await service.list(principalOf(request)) }),
    );
    app.post(
      '/proxy-credentials',
      {
        ...requires('settings:write'),
        schema: {
          tags,
          summary: 'Create a proxy credential for one proxy integration (the secret is shown once)',
          description:
            'The proxy sends the secret in `X-Riskgate-Proxy-Secret` on every check. Checks with it are decided for this tenant only, and the device is read from the one identity header of `integration` (nginx: `X-Client-Cert`, traefik: `X-Forwarded-Tls-Client-Cert`, caddy: `X-Client-Cert-Sha256`, envoy: `X-Forwarded-Client-Cert`).',
          body: Type.Object(
            {
              name: Type.String({ minLength: 1, maxLength: 100, pattern: '^[^\\u0000-\\u001f]+$' }),
              integration: Integration,
            },
            { additionalProperties: false },
          ),
          response: {
            201: Type.Intersect([Credential, Type.Object({ secret: Type.String() })]),
            ...errs,
          },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await service.create(principalOf(request), request.body)),
    );
    app.delete(
      '/proxy-credentials/:id',
      {
        ...requires('settings:write'),
        schema: {
          tags,
          summary: 'Delete a proxy credential (its proxy is refused from then on, on every node)',
          params: IdParams,
          response: { 204: Type.Null(), ...errs },
        },
      },
      async (request, reply) => {
        await service.remove(principalOf(request), request.params.id);
        return reply.status(204).send(null);
      },
    );
  };
}
