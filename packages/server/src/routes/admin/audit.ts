import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../../runtime.ts';
import { errorResponses, principalOf } from '../http.ts';
import { AuditEntrySchema, AuditQuery } from './schemas.ts';

const errs = errorResponses(400, 401, 403);

/** The audit log: read a page, verify the chain. */
export function registerAuditRoutes(audit: Services['auditLog']): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<TypeBoxTypeProvider>();
    app.get(
      '/audit-log',
      {
        schema: {
          tags: ['admin'],
          summary: 'Audit log entries in order (hash-chained)',
          querystring: AuditQuery,
          response: { 200: Type.Object({ items: Type.Array(AuditEntrySchema) }), ...errs },
        },
      },
      async (request) => ({ items: await audit.listEntries(principalOf(request), request.query) }),
    );

    app.get(
      '/audit-log/verify',
      {
        schema: {
          tags: ['admin'],
          summary: 'Verify the audit hash chain',
          response: {
            200: Type.Object({
              ok: Type.Boolean(),
              checked: Type.Integer(),
              firstBrokenSeq: Type.Optional(Type.Integer()),
              reason: Type.Optional(Type.String()),
            }),
            ...errs,
          },
        },
      },
      async (request) => audit.verify(principalOf(request)),
    );
  };
}
