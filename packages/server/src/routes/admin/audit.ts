import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { AppDeps } from '../../app.ts';
import { listAuditEntries } from '../../queries/audit-log.ts';
import { verifyAuditChain } from '../../services/audit-service.ts';
import { type Principal, requirePermission } from '../../services/principal.ts';
import { errorResponses, principalOf } from '../http.ts';
import { AuditEntrySchema, AuditQuery } from './schemas.ts';

const errs = errorResponses(400, 401, 403);

/** The audit log: read a page, verify the chain. */
export function registerAuditRoutes(deps: AppDeps): FastifyPluginAsync {
  const db = deps.ctx.db.db;
  const readable = (principal: Principal) => {
    requirePermission(principal, 'audit:read');
    return principal;
  };
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
      async (request) => {
        const principal = readable(principalOf(request));
        const rows = await listAuditEntries(db, principal.tenantId, request.query);
        return {
          items: rows.map((row) => ({
            seq: row.seq,
            at: row.at,
            actor: row.actor,
            action: row.action,
            target: row.target,
            details: JSON.parse(row.details) as unknown,
            prevHash: row.prev_hash,
            hash: row.hash,
          })),
        };
      },
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
      async (request) => verifyAuditChain(db, readable(principalOf(request)).tenantId),
    );
  };
}
