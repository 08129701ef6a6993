import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { CompliancePolicySchema } from '@riskgate/engine';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../../runtime.ts';
import { errorResponses, IdParams, principalOf } from '../http.ts';
import { requires } from '../route-auth.ts';

const errs = errorResponses(400, 401, 403, 404);

/** The body of create/replace: the engine's policy schema without `id` (assigned by the server). */
export const CompliancePolicyBody = Type.Omit(CompliancePolicySchema, ['id'], {
  additionalProperties: false,
});

export const CompliancePolicyViewSchema = Type.Composite([
  CompliancePolicySchema,
  Type.Object({ createdAt: Type.String(), updatedAt: Type.String() }),
]);

const ChangeResultSchema = (policy: typeof CompliancePolicyViewSchema | ReturnType<typeof Type.Null>) =>
  Type.Object({ policy, devicesExamined: Type.Integer(), devicesChanged: Type.Integer() });

/** Compliance policies CRUD; each change re-evaluates device compliance at once. */
export function registerCompliancePolicyRoutes(policies: Services['compliancePolicies']): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<TypeBoxTypeProvider>();

    app.get(
      '/compliance-policies',
      {
        ...requires('policies:read'),
        schema: {
          tags: ['admin'],
          summary: 'List compliance policies (in evaluation order)',
          response: { 200: Type.Object({ items: Type.Array(CompliancePolicyViewSchema) }), ...errs },
        },
      },
      async (request) => policies.listPolicies(principalOf(request)),
    );

    app.get(
      '/compliance-policies/:id',
      {
        ...requires('policies:read'),
        schema: {
          tags: ['admin'],
          summary: 'One compliance policy',
          params: IdParams,
          response: { 200: CompliancePolicyViewSchema, ...errs },
        },
      },
      async (request) => policies.getPolicy(principalOf(request), request.params.id),
    );

    app.post(
      '/compliance-policies',
      {
        ...requires('policies:write'),
        schema: {
          tags: ['admin'],
          summary: 'Create a compliance policy; every device is re-evaluated',
          body: CompliancePolicyBody,
          response: { 201: ChangeResultSchema(CompliancePolicyViewSchema), ...errs },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await policies.createPolicy(principalOf(request), request.body)),
    );

    app.put(
      '/compliance-policies/:id',
      {
        ...requires('policies:write'),
        schema: {
          tags: ['admin'],
          summary: 'Replace a compliance policy; every device is re-evaluated',
          params: IdParams,
          body: CompliancePolicyBody,
          response: { 200: ChangeResultSchema(CompliancePolicyViewSchema), ...errs },
        },
      },
      async (request) => policies.updatePolicy(principalOf(request), request.params.id, request.body),
    );

    app.delete(
      '/compliance-policies/:id',
      {
        ...requires('policies:write'),
        schema: {
          tags: ['admin'],
          summary: 'Delete a compliance policy; every device is re-evaluated',
          params: IdParams,
          response: { 200: ChangeResultSchema(Type.Null()), ...errs },
        },
      },
      async (request) => policies.deletePolicy(principalOf(request), request.params.id),
    );
  };
}
