import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../../runtime.ts';
import { errorResponses, principalOf } from '../http.ts';
import { requires } from '../route-auth.ts';
import {
  FamilyParams,
  RerateSummarySchema,
  RiskBody,
  ThreatTypeSchema,
  TypeIdParams,
} from './threat-schemas.ts';

const errs = errorResponses(400, 401, 403, 404);

/** Threat types: the catalog with the tenant's risk overrides (by type and by family). */
export function registerThreatTypeRoutes(types: Services['threatTypes']): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<TypeBoxTypeProvider>();

    app.get(
      '/threat-types',
      {
        ...requires('threats:read'),
        schema: {
          tags: ['admin'],
          summary: 'Threat catalog with the tenant risk overrides (types and families)',
          response: {
            200: Type.Object({
              items: Type.Array(ThreatTypeSchema),
              families: Type.Array(Type.Object({ family: Type.String(), risk: Type.String() })),
            }),
            ...errs,
          },
        },
      },
      async (request) => types.listThreatTypes(principalOf(request)),
    );

    app.put(
      '/threat-types/:id/risk',
      {
        ...requires('policies:write'),
        schema: {
          tags: ['admin'],
          summary: 'Override the risk of a threat type: open threats and devices are re-rated at once',
          params: TypeIdParams,
          body: RiskBody,
          response: { 200: RerateSummarySchema, ...errs },
        },
      },
      async (request) => types.setTypeRisk(principalOf(request), request.params.id, request.body.risk),
    );

    app.delete(
      '/threat-types/:id/risk',
      {
        ...requires('policies:write'),
        schema: {
          tags: ['admin'],
          summary: 'Back to the catalog default risk: open threats and devices are re-rated at once',
          params: TypeIdParams,
          response: { 200: RerateSummarySchema, ...errs },
        },
      },
      async (request) => types.clearTypeRisk(principalOf(request), request.params.id),
    );

    app.put(
      '/threat-families/:family/risk',
      {
        ...requires('policies:write'),
        schema: {
          tags: ['admin'],
          summary: 'Override the risk of a malware family (wins over type overrides)',
          params: FamilyParams,
          body: RiskBody,
          response: { 200: RerateSummarySchema, ...errs },
        },
      },
      async (request) => types.setFamilyRisk(principalOf(request), request.params.family, request.body.risk),
    );

    app.delete(
      '/threat-families/:family/risk',
      {
        ...requires('policies:write'),
        schema: {
          tags: ['admin'],
          summary: 'Remove a family override',
          params: FamilyParams,
          response: { 200: RerateSummarySchema, ...errs },
        },
      },
      async (request) => types.clearFamilyRisk(principalOf(request), request.params.family),
    );
  };
}
