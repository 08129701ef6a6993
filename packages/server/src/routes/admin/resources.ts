import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ResourceSchema } from '@riskgate/engine';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { AccessAdminService } from '../../access/access-admin-service.ts';
import { errorResponses, IdParams, principalOf } from '../http.ts';
import { requires } from '../route-auth.ts';

const errs = errorResponses(400, 401, 403, 404, 409);

/** Resources (what access protects): CRUD under /v1/admin/resources. */
export function registerResourceRoutes(service: AccessAdminService): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ['access'];
    app.get(
      '/resources',
      {
        ...requires('policies:read'),
        schema: {
          tags,
          summary: 'List resources',
          response: { 200: Type.Object({ items: Type.Array(ResourceSchema) }), ...errs },
        },
      },
      async (request) => ({ items: await service.listResources(principalOf(request)) }),
    );
    app.get(
      '/device-ca',
      {
        ...requires('policies:read'),
        schema: {
          tags,
          summary: 'The device CA certificate (PEM) proxies verify device client certificates against',
          response: { 200: Type.Object({ certificate: Type.String() }), ...errs },
        },
      },
      async (request) => ({ certificate: await service.deviceCaCertificate(principalOf(request)) }),
    );
    app.get(
      '/resources/:id',
      {
        ...requires('policies:read'),
        schema: {
          tags,
          summary: 'Get a resource',
          params: IdParams,
          response: { 200: ResourceSchema, ...errs },
        },
      },
      async (request) => service.getResource(principalOf(request), request.params.id),
    );
    app.post(
      '/resources',
      {
        ...requires('policies:write'),
        schema: {
          tags,
          summary: 'Create a resource (http-app, wifi or oidc-client)',
          body: ResourceSchema,
          response: { 201: ResourceSchema, ...errs },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await service.createResource(principalOf(request), request.body)),
    );
    app.put(
      '/resources/:id',
      {
        ...requires('policies:write'),
        schema: {
          tags,
          summary: 'Replace a resource',
          params: IdParams,
          body: ResourceSchema,
          response: { 200: ResourceSchema, ...errs },
        },
      },
      async (request) => service.replaceResource(principalOf(request), request.params.id, request.body),
    );
    app.delete(
      '/resources/:id',
      {
        ...requires('policies:write'),
        schema: {
          tags,
          summary: 'Delete a resource',
          params: IdParams,
          response: { 204: Type.Null(), ...errs },
        },
      },
      async (request, reply) => {
        await service.deleteResource(principalOf(request), request.params.id);
        return reply.status(204).send(null);
      },
    );
  };
}
