import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { AppError } from '../../errors.ts';
import type { Metrics } from '../../metrics.ts';
import { errorResponses } from '../http.ts';
import { authScope } from '../route-auth.ts';
import { DOCS_HTML } from './docs-page.ts';

const HealthReply = Type.Object({ status: Type.Literal('ok') });
const ReadyReply = Type.Object({
  status: Type.Literal('ok'),
  database: Type.Literal('ok'),
  /** PostgreSQL LISTEN connection (changes from other nodes); `off` on SQLite or without it. */
  listen: Type.Union([Type.Literal('ok'), Type.Literal('off')]),
});

/** Operations routes: health, readiness, metrics, OpenAPI and docs. No authentication. */
export function registerOpsRoutes(deps: {
  readonly metrics: Metrics;
  readonly pingDatabase: () => Promise<void>;
  readonly listenState: () => 'ok' | 'reconnecting' | 'off';
}): FastifyPluginAsync {
  return async (app) => {
    authScope(app, 'public');
    app.get(
      '/healthz',
      { schema: { tags: ['ops'], summary: 'Liveness', response: { 200: HealthReply } } },
      async () => ({ status: 'ok' as const }),
    );

    app.get(
      '/readyz',
      {
        schema: {
          tags: ['ops'],
          summary: 'Readiness: database reachable, and (PostgreSQL) the LISTEN connection up',
          response: { 200: ReadyReply, ...errorResponses(503) },
        },
      },
      async (request) => {
        try {
          await deps.pingDatabase();
        } catch (error) {
          request.log.warn({ err: error }, 'database ping failed');
          throw new AppError('unavailable', 'database is not reachable');
        }
        const listen = deps.listenState();
        if (listen === 'reconnecting') {
          throw new AppError(
            'unavailable',
            'the LISTEN connection to PostgreSQL is down (reconnecting): changes made on other nodes are not received',
          );
        }
        return { status: 'ok' as const, database: 'ok' as const, listen };
      },
    );

    app.get(
      '/metrics',
      { schema: { tags: ['ops'], summary: 'Prometheus metrics', hide: false } },
      async (_request, reply) => {
        const text = await deps.metrics.registry.metrics();
        return reply.type(deps.metrics.registry.contentType).send(text);
      },
    );

    app.get('/openapi.json', { schema: { tags: ['ops'], summary: 'This OpenAPI document' } }, async () =>
      app.swagger(),
    );

    app.get('/docs', { schema: { tags: ['ops'], summary: 'API reference page' } }, async (_request, reply) =>
      reply.type('text/html; charset=utf-8').send(DOCS_HTML),
    );
  };
}
