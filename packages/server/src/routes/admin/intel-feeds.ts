import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { type IntelFormat, PARSERS } from '@riskgate/engine';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../../runtime.ts';
import { errorResponses, IdParams, principalOf } from '../http.ts';
import { requires } from '../route-auth.ts';

const errs = errorResponses(400, 401, 403, 404, 413);

const FormatSchema = Type.Union(
  (Object.keys(PARSERS) as IntelFormat[]).map((format) => Type.Literal(format)),
  { description: 'Parser to use; detected from the name and content when absent' },
);

export const UploadFeedBody = Type.Object(
  {
    name: Type.String({
      minLength: 1,
      maxLength: 200,
      description: 'File name; also picks the format when none is given',
    }),
    format: Type.Optional(FormatSchema),
    content: Type.String({ minLength: 1, description: 'The file text' }),
  },
  { additionalProperties: false },
);

const CountsSchema = Type.Object({
  indicators: Type.Integer(),
  kev: Type.Integer(),
  androidVulnerabilities: Type.Integer(),
  iosReleases: Type.Integer(),
  eolCycles: Type.Integer(),
  osPointReleases: Type.Integer(),
  deviceModels: Type.Integer(),
  skippedEntries: Type.Integer(),
});

export const IntelFeedSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  format: Type.String(),
  version: Type.Union([Type.String(), Type.Null()]),
  digest: Type.Union([Type.String(), Type.Null()]),
  counts: CountsSchema,
  importedAt: Type.String(),
  scope: Type.Union([Type.Literal('tenant'), Type.Literal('server')]),
});

/** The per-file report of `riskgate intel check`, as a feed upload returns it. */
export const IntelFileReportSchema = Type.Object({
  path: Type.String(),
  status: Type.Union([Type.Literal('loaded'), Type.Literal('skipped'), Type.Literal('error')]),
  format: Type.Optional(Type.String()),
  feed: Type.Optional(Type.String()),
  records: Type.Integer(),
  skippedEntries: Type.Integer(),
  reason: Type.Optional(Type.String()),
  byKind: Type.Optional(
    Type.Record(Type.String(), Type.Integer(), { description: 'Distinct values by indicator kind' }),
  ),
  family: Type.Optional(Type.String()),
  familyFrom: Type.Optional(
    Type.String({
      description: 'Where the family came from: title, file name, folder, or the file beside it',
    }),
  ),
  categories: Type.Optional(Type.Array(Type.String())),
  skippedSample: Type.Optional(
    Type.Array(Type.String(), { description: 'The first skipped entries, each with its reason' }),
  ),
});

const ReassessSchema = Type.Object({
  devicesExamined: Type.Integer(),
  devicesWithNewThreats: Type.Integer(),
  threatsCreated: Type.Integer(),
  devicesChanged: Type.Integer(),
});

/** Intel feeds uploaded through the API (per tenant), listed with the server-wide ones. */
export function registerIntelFeedRoutes(feeds: Services['intelFeeds']): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<TypeBoxTypeProvider>();
    // Without a shared registry (an app built without one) uploads still parse, store and count.

    app.get(
      '/intel/feeds',
      {
        ...requires('intel:read'),
        schema: {
          tags: ['admin'],
          summary: 'Intel feeds: the tenant’s uploads and the server-wide imports, with counts',
          response: { 200: Type.Object({ items: Type.Array(IntelFeedSchema) }), ...errs },
        },
      },
      async (request) => feeds.listFeeds(principalOf(request)),
    );

    app.post(
      '/intel/feeds',
      {
        ...requires('intel:write'),
        bodyLimit: 64 * 1024 * 1024,
        schema: {
          tags: ['admin'],
          summary:
            'Upload a feed file (parsed by the engine); returns its check report (format, family, indicators by kind, skipped entries with reasons); devices are re-assessed when it adds indicators',
          body: UploadFeedBody,
          response: {
            201: Type.Object({
              feed: IntelFeedSchema,
              report: IntelFileReportSchema,
              reassessment: Type.Union([ReassessSchema, Type.Null()]),
            }),
            ...errs,
          },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await feeds.uploadFeed(principalOf(request), request.body)),
    );

    app.delete(
      '/intel/feeds/:id',
      {
        ...requires('intel:write'),
        schema: {
          tags: ['admin'],
          summary: 'Delete one of the tenant’s feeds',
          params: IdParams,
          response: { 200: IntelFeedSchema, ...errs },
        },
      },
      async (request) => feeds.deleteFeed(principalOf(request), request.params.id),
    );
  };
}
