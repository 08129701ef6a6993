import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../../runtime.ts';
import { errorResponses, IdParams, principalOf } from '../http.ts';
import { requires } from '../route-auth.ts';
import { ThreatSchema } from './schemas.ts';

const errs = errorResponses(400, 401, 403, 404);
/** Reactivation answers 409 when the device's latest report no longer shows the threat. */
const triageErrs = errorResponses(400, 401, 403, 404, 409);
const StateSchema = Type.Union([Type.Literal('active'), Type.Literal('resolved'), Type.Literal('ignored')]);

const ListThreatsQuery = Type.Object(
  {
    state: Type.Optional(StateSchema),
    deviceId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    typeId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    risk: Type.Optional(
      Type.Union([Type.Literal('none'), Type.Literal('low'), Type.Literal('medium'), Type.Literal('high')]),
    ),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
    after: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false },
);

/** Threat list and triage. */
export function registerThreatRoutes(threats: Services['threats']): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<TypeBoxTypeProvider>();

    app.get(
      '/threats',
      {
        ...requires('threats:read'),
        schema: {
          tags: ['admin'],
          summary: 'List threats (filter by state, device, type, risk; cursor paging)',
          querystring: ListThreatsQuery,
          response: {
            200: Type.Object({
              items: Type.Array(ThreatSchema),
              nextCursor: Type.Union([Type.String(), Type.Null()]),
            }),
            ...errs,
          },
        },
      },
      async (request) => {
        const { limit, after, ...filter } = request.query;
        return threats.listThreats(
          principalOf(request),
          filter,
          after === undefined ? { limit } : { limit, after },
        );
      },
    );

    for (const [verb, state] of [
      ['ignore', 'ignored'],
      ['resolve', 'resolved'],
      ['reactivate', 'active'],
    ] as const) {
      app.post(
        `/threats/:id/${verb}`,
        {
          ...requires('threats:write'),
          schema: {
            tags: ['admin'],
            summary:
              verb === 'reactivate'
                ? "Mark a threat active again (409 when the device's latest report no longer shows it); its device is re-rated at once"
                : `Mark a threat ${state}; its device is re-rated at once`,
            params: IdParams,
            response: { 200: ThreatSchema, ...triageErrs },
          },
        },
        async (request) => threats.setThreatState(principalOf(request), request.params.id, state),
      );
    }
  };
}
