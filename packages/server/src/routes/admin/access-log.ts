import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { AccessAdminService } from '../../access/access-admin-service.ts';
import { errorResponses, principalOf } from '../http.ts';
import { requires } from '../route-auth.ts';

const Id = Type.String({ minLength: 1, maxLength: 100 });
const Time = Type.String({ format: 'date-time', maxLength: 40 });

const AccessLogQuery = Type.Object(
  {
    from: Type.Optional(Time),
    to: Type.Optional(Time),
    resource: Type.Optional(Id),
    outcome: Type.Optional(Type.Union([Type.Literal('deny'), Type.Literal('would-deny')])),
    policy: Type.Optional(Id),
    device: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);

const AccessLogEntrySchema = Type.Object({
  id: Type.String(),
  at: Type.String(),
  deviceId: Type.Union([Type.String(), Type.Null()]),
  resourceId: Type.String(),
  outcome: Type.Union([Type.Literal('deny'), Type.Literal('would-deny')]),
  reason: Type.String(),
  policyId: Type.Union([Type.String(), Type.Null()]),
  details: Type.Record(Type.String(), Type.Unknown()),
});

const iso = (value: string | undefined) => (value === undefined ? undefined : new Date(value).toISOString());

/** `GET /v1/admin/access-log`: denials and report-only "would deny" outcomes, newest first. */
export function registerAccessLogRoutes(service: AccessAdminService): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<TypeBoxTypeProvider>();
    app.get(
      '/access-log',
      {
        ...requires('audit:read'),
        schema: {
          tags: ['access'],
          summary:
            'Denials and report-only outcomes (filter by time, resource, outcome, policy, device; cursor paging)',
          querystring: AccessLogQuery,
          response: {
            200: Type.Object({
              items: Type.Array(AccessLogEntrySchema),
              nextCursor: Type.Union([Type.String(), Type.Null()]),
            }),
            ...errorResponses(400, 401, 403),
          },
        },
      },
      async (request) => {
        const q = request.query;
        const from = iso(q.from);
        const to = iso(q.to);
        return service.listAccessLog(
          principalOf(request),
          {
            ...(from === undefined ? {} : { from }),
            ...(to === undefined ? {} : { to }),
            ...(q.resource === undefined ? {} : { resourceId: q.resource }),
            ...(q.outcome === undefined ? {} : { outcome: q.outcome }),
            ...(q.policy === undefined ? {} : { policyId: q.policy }),
            ...(q.device === undefined ? {} : { deviceId: q.device }),
          },
          { limit: q.limit, ...(q.cursor === undefined ? {} : { cursor: q.cursor }) },
        );
      },
    );
  };
}
