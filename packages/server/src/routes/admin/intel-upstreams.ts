import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { type IntelFormat, PARSERS } from '@riskgate/engine';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../../runtime.ts';
import { errorResponses, IdParams, principalOf } from '../http.ts';
import { requires } from '../route-auth.ts';

const errs = errorResponses(400, 401, 403, 404);

const AuthInput = Type.Union(
  [
    Type.Object({ type: Type.Literal('none') }, { additionalProperties: false }),
    Type.Object(
      {
        type: Type.Literal('basic'),
        username: Type.String({ minLength: 1, maxLength: 200, pattern: '^[^:]*$' }),
        password: Type.String({ minLength: 1, maxLength: 1000 }),
      },
      { additionalProperties: false },
    ),
    Type.Object(
      { type: Type.Literal('bearer'), token: Type.String({ minLength: 1, maxLength: 4000 }) },
      { additionalProperties: false },
    ),
  ],
  {
    description: 'Credentials, sealed at rest and never returned; absent on a change: the ones held are kept',
  },
);

const upstreamFields = {
  kind: Type.Union([Type.Literal('file'), Type.Literal('misp'), Type.Literal('taxii')], {
    description:
      'file: one document; misp: a MISP feed (manifest.json and event files under the URL); taxii: a TAXII 2.1 API root or discovery URL',
  }),
  url: Type.String({ minLength: 8, maxLength: 2048, pattern: '^https?://[^\\s]+$' }),
  format: Type.Optional(
    Type.Union(
      (Object.keys(PARSERS) as IntelFormat[]).map((format) => Type.Literal(format)),
      { description: 'file only: the parser; detected from the name and content when absent' },
    ),
  ),
  collection: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 200,
      pattern: '^[A-Za-z0-9._~-]+$',
      description: 'taxii only: the collection id',
    }),
  ),
  intervalSeconds: Type.Optional(
    Type.Integer({ minimum: 60, maximum: 7 * 86_400, description: 'Default 3600' }),
  ),
  maxBytes: Type.Optional(
    Type.Integer({
      minimum: 1024,
      maximum: 256 * 1024 * 1024,
      description: 'Size limit of one fetch (default 64 MiB)',
    }),
  ),
  sha256: Type.Optional(
    Type.String({
      pattern: '^[0-9a-fA-F]{64}$',
      description: 'file only: the document must have this SHA-256',
    }),
  ),
  auth: Type.Optional(AuthInput),
};

export const UpstreamBody = Type.Object(upstreamFields, { additionalProperties: false });
export const UpstreamFeedBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 200, description: 'The feed name' }), ...upstreamFields },
  { additionalProperties: false },
);

const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);

export const UpstreamSchema = Type.Object({
  feedId: Type.String(),
  name: Type.String(),
  scope: Type.Union([Type.Literal('tenant'), Type.Literal('server')]),
  kind: Type.String(),
  url: Type.String(),
  format: Nullable(Type.String()),
  collection: Nullable(Type.String()),
  intervalSeconds: Type.Integer(),
  maxBytes: Type.Integer(),
  sha256: Nullable(Type.String()),
  auth: Type.Object({ type: Type.String(), username: Nullable(Type.String()) }),
  health: Type.Object({
    lastFetchAt: Nullable(Type.String()),
    lastSuccessAt: Nullable(Type.String()),
    lastStatus: Nullable(Type.String()),
    lastError: Nullable(Type.String()),
    lastErrorAt: Nullable(Type.String()),
    etag: Nullable(Type.String()),
    lastModified: Nullable(Type.String()),
    cursor: Nullable(Type.String()),
    fetches: Type.Integer(),
    failures: Type.Integer(),
    nextFetchAt: Type.String(),
    indicators: Type.Integer(),
    version: Nullable(Type.String()),
    digest: Nullable(Type.String()),
  }),
});

const OutcomeSchema = Type.Object({
  status: Type.Union([
    Type.Literal('updated'),
    Type.Literal('not-modified'),
    Type.Literal('error'),
    Type.Literal('busy'),
  ]),
  error: Type.Optional(Type.String()),
  indicators: Type.Integer(),
  newIndicators: Type.Optional(Type.Integer()),
  reassessment: Type.Optional(
    Type.Union([
      Type.Object({
        devicesExamined: Type.Integer(),
        devicesWithNewThreats: Type.Integer(),
        threatsCreated: Type.Integer(),
        devicesChanged: Type.Integer(),
      }),
      Type.Null(),
    ]),
  ),
});

/** Intel feeds fetched from upstream: configuration, fetch now, health (docs/admin-api.md). */
export function registerIntelUpstreamRoutes(upstreams: Services['intelUpstreams']): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<TypeBoxTypeProvider>();

    app.get(
      '/intel/upstreams',
      {
        ...requires('intel:read'),
        schema: {
          tags: ['admin'],
          summary:
            'Feeds with an upstream and their health (last fetch, last success, last error, etag, indicators)',
          response: { 200: Type.Object({ items: Type.Array(UpstreamSchema) }), ...errs },
        },
      },
      async (request) => upstreams.listUpstreams(principalOf(request)),
    );

    app.post(
      '/intel/upstreams',
      {
        ...requires('intel:write'),
        schema: {
          tags: ['admin'],
          summary: 'Create a feed fetched from an upstream (empty until its first fetch)',
          body: UpstreamFeedBody,
          response: { 201: UpstreamSchema, ...errs },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await upstreams.createFeed(principalOf(request), request.body)),
    );

    app.get(
      '/intel/feeds/:id/upstream',
      {
        ...requires('intel:read'),
        schema: {
          tags: ['admin'],
          summary: 'A feed’s upstream and its health',
          params: IdParams,
          response: { 200: UpstreamSchema, ...errs },
        },
      },
      async (request) => upstreams.getUpstream(principalOf(request), request.params.id),
    );

    app.put(
      '/intel/feeds/:id/upstream',
      {
        ...requires('intel:write'),
        schema: {
          tags: ['admin'],
          summary:
            'Configure where one of the tenant’s feeds is fetched from (URL, schedule, limits, credentials)',
          params: IdParams,
          body: UpstreamBody,
          response: { 200: UpstreamSchema, ...errs },
        },
      },
      async (request) => upstreams.configure(principalOf(request), request.params.id, request.body),
    );

    app.delete(
      '/intel/feeds/:id/upstream',
      {
        ...requires('intel:write'),
        schema: {
          tags: ['admin'],
          summary: 'Stop fetching a feed from upstream (the feed keeps its last version)',
          params: IdParams,
          response: { 200: UpstreamSchema, ...errs },
        },
      },
      async (request) => upstreams.removeUpstream(principalOf(request), request.params.id),
    );

    app.post(
      '/intel/feeds/:id/fetch',
      {
        ...requires('intel:write'),
        schema: {
          tags: ['admin'],
          summary:
            'Fetch a feed from its upstream now: a new version replaces the old one atomically and the retro-hunt runs; a failure keeps the last good version',
          params: IdParams,
          response: { 200: Type.Object({ outcome: OutcomeSchema, upstream: UpstreamSchema }), ...errs },
        },
      },
      async (request) => upstreams.fetchNow(principalOf(request), request.params.id),
    );
  };
}
