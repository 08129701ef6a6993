import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { AccessPolicySchema } from '@riskgate/engine';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { AccessAdminService } from '../../access/access-admin-service.ts';
import { errorResponses, IdParams, principalOf } from '../http.ts';
import { requires } from '../route-auth.ts';

const errs = errorResponses(400, 401, 403, 404, 409);

/** Conditional-access policies: CRUD under /v1/admin/access-policies (evaluated oldest first). */
export function registerAccessPolicyRoutes(service: AccessAdminService): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ['access'];
    app.get(
      '/access-policies',
      {
        ...requires('policies:read'),
        schema: {
          tags,
          summary: 'List access policies in evaluation order',
          response: { 200: Type.Object({ items: Type.Array(AccessPolicySchema) }), ...errs },
        },
      },
      async (request) => ({ items: await service.listPolicies(principalOf(request)) }),
    );
    app.get(
      '/access-policies/:id',
      {
        ...requires('policies:read'),
        schema: {
          tags,
          summary: 'Get an access policy',
          params: IdParams,
          response: { 200: AccessPolicySchema, ...errs },
        },
      },
      async (request) => service.getPolicy(principalOf(request), request.params.id),
    );
    app.post(
      '/access-policies',
      {
        ...requires('policies:write'),
        schema: {
          tags,
          summary: 'Create an access policy (state on, report-only or off)',
          body: AccessPolicySchema,
          response: { 201: AccessPolicySchema, ...errs },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await service.createPolicy(principalOf(request), request.body)),
    );
    app.put(
      '/access-policies/:id',
      {
        ...requires('policies:write'),
        schema: {
          tags,
          summary: 'Replace an access policy',
          params: IdParams,
          body: AccessPolicySchema,
          response: { 200: AccessPolicySchema, ...errs },
        },
      },
      async (request) => service.replacePolicy(principalOf(request), request.params.id, request.body),
    );
    app.delete(
      '/access-policies/:id',
      {
        ...requires('policies:write'),
        schema: {
          tags,
          summary: 'Delete an access policy',
          params: IdParams,
          response: { 204: Type.Null(), ...errs },
        },
      },
      async (request, reply) => {
        await service.deletePolicy(principalOf(request), request.params.id);
        return reply.status(204).send(null);
      },
    );
  };
}
