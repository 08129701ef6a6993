import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../../runtime.ts';
import { errorResponses, IdParams, principalOf } from '../http.ts';
import { requires } from '../route-auth.ts';

const errs = errorResponses(400, 401, 403, 404);

const Contributor = Type.Object({
  key: Type.String(),
  typeId: Type.String(),
  title: Type.String(),
  summary: Type.String(),
  risk: Type.String(),
  defaultRisk: Type.String(),
  override: Type.Optional(
    Type.Object({ by: Type.String(), key: Type.String(), from: Type.String(), to: Type.String() }),
  ),
  sources: Type.Optional(
    Type.Array(
      Type.Object(
        {
          feed: Type.String(),
          feedRecord: Type.Optional(
            Type.Object({
              id: Type.String(),
              name: Type.String(),
              importedAt: Type.String(),
              via: Type.String({
                description: 'upload (admin API), import (riskgate intel import) or startup',
              }),
            }),
          ),
          indicator: Type.Optional(Type.String()),
          indicatorKind: Type.Optional(Type.String()),
          source: Type.Optional(
            Type.String({ description: 'The indicator in its feed: file:line, STIX id' }),
          ),
          family: Type.Optional(Type.String()),
          reference: Type.Optional(Type.String()),
          text: Type.String(),
        },
        { description: 'The intel behind the threat: feed, stored feed, indicator and its reference' },
      ),
    ),
  ),
});

export const DeviceExplanationSchema = Type.Object({
  deviceId: Type.String(),
  snapshot: Type.Unknown({
    description:
      'Latest stored snapshot or null; for personal devices only what matched is stored (privacy settings)',
  }),
  risk: Type.Object({
    level: Type.String(),
    summary: Type.String(),
    drivers: Type.Array(Contributor),
    contributors: Type.Array(Contributor),
    notCounted: Type.Array(Contributor),
    overrides: Type.Array(
      Type.Object({
        by: Type.String(),
        key: Type.String(),
        from: Type.String(),
        to: Type.String(),
        threatKey: Type.String(),
      }),
    ),
  }),
  compliance: Type.Object({
    state: Type.String(),
    failingRules: Type.Array(
      Type.Object({
        policyId: Type.String(),
        rule: Type.String(),
        reason: Type.String(),
        expected: Type.String(),
        actual: Type.String(),
      }),
    ),
    policies: Type.Array(
      Type.Object({
        policyId: Type.String(),
        state: Type.String(),
        graceEndsAt: Type.Union([Type.String(), Type.Null()]),
      }),
    ),
  }),
});

/** `GET /devices/:id/explanation`: latest snapshot, risk explanation and failing compliance rules. */
export function registerDeviceExplanationRoutes(explain: Services['explain']): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<TypeBoxTypeProvider>();
    app.get(
      '/devices/:id/explanation',
      {
        ...requires('devices:read'),
        schema: {
          tags: ['admin'],
          summary:
            'Why the device is at its risk level and compliance state (engine explainRisk + failing rules), with its latest snapshot',
          params: IdParams,
          response: { 200: DeviceExplanationSchema, ...errs },
        },
      },
      async (request) => explain.explainDevice(principalOf(request), request.params.id),
    );
  };
}
