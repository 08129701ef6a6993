import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AttestationService } from '../../attestation/attestation-service.ts';
import { deviceOf, errorResponses } from '../http.ts';

const ChallengeReplySchema = Type.Object({
  challenge: Type.String({ description: '32 random bytes, hex: the attestation challenge for the next key' }),
  expiresAt: Type.String({ format: 'date-time' }),
});

/**
 * `POST /attestation/challenge` (docs/agent-protocol.md § Hardware attestation), registered in the
 * signed device scope: a fresh single-use challenge bound to the calling device.
 */
export function registerAttestationRoutes(
  app: FastifyInstance,
  attestation: Pick<AttestationService, 'issueChallenge'>,
): void {
  app.withTypeProvider<TypeBoxTypeProvider>().post(
    '/attestation/challenge',
    {
      schema: {
        tags: ['device'],
        summary: 'Issue a single-use hardware attestation challenge (expires in minutes)',
        response: { 200: ChallengeReplySchema, ...errorResponses(401) },
      },
    },
    async (request) => attestation.issueChallenge(deviceOf(request)),
  );
}
