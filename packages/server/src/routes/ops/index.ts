import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { AppError } from '../../errors.ts';
import type { Metrics } from '../../metrics.ts';
import { errorResponses } from '../http.ts';
import { DOCS_HTML } from './docs-page.ts';

const HealthReply = Type.Object({ status: Type.Literal('ok') });

/** Operations routes: health, readiness, metrics, OpenAPI and docs. No authentication. */
export function registerOpsRoutes(deps: {
  readonly metrics: Metrics;
  readonly pingDatabase: () => Promise<void>;
}): FastifyPluginAsync {
  return async (app) => {
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
          summary: 'Readiness (database reachable)',
          response: { 200: HealthReply, ...errorResponses(503) },
        },
      },
      async (request) => {
        try {
          await deps.pingDatabase();
        } catch (error) {
          request.log.warn({ err: error }, 'database ping failed');
          throw new AppError('unavailable', 'database is not reachable');
        }
        return { status: 'ok' as const };
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

    app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

    app.get('/docs', { schema: { hide: true } }, async (_request, reply) =>
      reply.type('text/html; charset=utf-8').send(DOCS_HTML),
    );
  };
}
