import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../../runtime.ts';
import { errorResponses, principalOf } from '../http.ts';
import { requires } from '../route-auth.ts';
import { AuditEntrySchema, AuditQuery } from './schemas.ts';

const errs = errorResponses(400, 401, 403);

const AuditVerificationSchema = Type.Object({
  ok: Type.Boolean(),
  checked: Type.Integer(),
  headSeq: Type.Integer(),
  anchoredSeq: Type.Integer(),
  checkpoints: Type.Integer(),
  lastCheckpointSeq: Type.Integer(),
  forgedCheckpoints: Type.Integer(),
  unanchored: Type.Optional(
    Type.Object(
      {
        entries: Type.Integer(),
        fromSeq: Type.Integer(),
        toSeq: Type.Integer(),
        firstAt: Type.String(),
        lastAt: Type.String(),
      },
      {
        description:
          'Entries after the last checkpoint: covered by the hash chain only, until the next round.',
      },
    ),
  ),
  problem: Type.Optional(
    Type.Union([
      Type.Literal('broken'),
      Type.Literal('deleted'),
      Type.Literal('truncated'),
      Type.Literal('rewritten'),
      Type.Literal('forged-checkpoint'),
      Type.Literal('unanchored'),
    ]),
  ),
  fileProblem: Type.Optional(
    Type.Object(
      {
        problem: Type.Union([Type.Literal('chain-broken'), Type.Literal('backwards')]),
        line: Type.Integer(),
        reason: Type.String(),
      },
      {
        description:
          'The checkpoint file fails as a whole: the first line that breaks its hash chain or goes back.',
      },
    ),
  ),
  firstBrokenSeq: Type.Optional(Type.Integer()),
  reason: Type.Optional(Type.String()),
});

/** The audit log: read a page, verify the chain. */
export function registerAuditRoutes(audit: Services['auditLog']): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<TypeBoxTypeProvider>();
    app.get(
      '/audit-log',
      {
        ...requires('audit:read'),
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
        ...requires('audit:read'),
        schema: {
          tags: ['admin'],
          summary: 'Verify the audit hash chain and its signed checkpoints',
          description:
            'Checks every link and hash, then the signed checkpoints: truncation, deletion and rewriting (with recomputed hashes) are reported with the first bad seq.',
          response: { 200: AuditVerificationSchema, ...errs },
        },
      },
      async (request) => audit.verify(principalOf(request)),
    );

    app.get(
      '/audit-log/checkpoint-key',
      {
        ...requires('audit:read'),
        schema: {
          tags: ['admin'],
          summary: 'The public key audit checkpoints are signed with',
          response: {
            200: Type.Object({
              algorithm: Type.Literal('Ed25519'),
              keyId: Type.String(),
              publicKeyPem: Type.String(),
            }),
            ...errs,
          },
        },
      },
      async (request) => audit.checkpointKey(principalOf(request)),
    );
  };
}
