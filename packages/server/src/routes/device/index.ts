import { Readable } from 'node:stream';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { SignedRequest } from '../../device-identity/request-signature.ts';
import type { Metrics } from '../../metrics.ts';
import type { Services } from '../../runtime.ts';
import { DeviceExportSchema } from '../admin/schemas.ts';
import { deviceOf, errorResponses } from '../http.ts';
import { authScope } from '../route-auth.ts';
import { registerAttestationRoutes } from './attestation.ts';
import { deviceAuthHooks } from './authenticate.ts';
import {
  DeviceStatusSchema,
  EnrollBodySchema,
  EnrollReplySchema,
  ReportBodySchema,
  ReportReplySchema,
} from './schemas.ts';

const SIGNATURE_HEADER = 'x-riskgate-signature';
const PROOF_HEADER = 'x-riskgate-device-proof';

function signedRequestOf(request: FastifyRequest): SignedRequest {
  const header = request.headers[SIGNATURE_HEADER];
  const proof = request.headers[PROOF_HEADER];
  return {
    signature: typeof header === 'string' ? header : undefined,
    proof: typeof proof === 'string' ? proof : undefined,
    method: request.method,
    url: request.url,
    rawBody: request.rawBody ?? Buffer.alloc(0),
  };
}

// An enrollment is a few hundred bytes; nothing authenticates its sender before the body is read.
const ENROLL_BODY_LIMIT = 16 * 1024;

/** The device API under /v1/device (docs/agent-protocol.md): every request is signed. */
export function registerDeviceRoutes(
  deps: Pick<Services, 'deviceIdentity' | 'devices' | 'attestation' | 'reports' | 'deviceExport'> & {
    readonly metrics: Metrics;
  },
): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<TypeBoxTypeProvider>();
    const { devices } = deps;
    authScope(app, 'enrollment');

    app.post(
      '/enroll',
      {
        bodyLimit: ENROLL_BODY_LIMIT,
        onRequest: async (request, reply) => request.server.rateLimits.enrollPerIp(request, reply),
        schema: {
          tags: ['device'],
          summary: 'Enroll a device (JWS signed with the jwk in its header)',
          body: EnrollBodySchema,
          response: { 201: EnrollReplySchema, ...errorResponses(400, 401, 403, 404, 409, 413) },
        },
      },
      async (request, reply) => {
        const result = await deps.deviceIdentity.enroll(signedRequestOf(request), request.body);
        return reply.status(201).send(result);
      },
    );

    await app.register(async (signed) => {
      const app = signed.withTypeProvider<TypeBoxTypeProvider>();
      const auth = deviceAuthHooks(deps.deviceIdentity);
      authScope(app, 'device');
      app.addHook('onRequest', auth.onRequest);
      app.addHook('preValidation', auth.preValidation);

      app.get(
        '/status',
        {
          schema: {
            tags: ['device'],
            summary: "The device's risk level, compliance, labels and active threats",
            response: { 200: DeviceStatusSchema, ...errorResponses(401) },
          },
        },
        async (request) => devices.getDeviceStatus(deviceOf(request)),
      );

      app.get(
        '/export',
        {
          schema: {
            tags: ['device'],
            summary:
              'Everything Riskgate holds about this device as one JSON document, streamed (docs/privacy.md)',
            response: { 200: DeviceExportSchema, ...errorResponses(401) },
          },
        },
        async (request, reply) => {
          const chunks = await deps.deviceExport.exportForDevice(deviceOf(request));
          // A stream bypasses the response serialiser; the schema documents the document's shape.
          const untyped: FastifyReply = reply;
          return untyped.type('application/json; charset=utf-8').send(Readable.from(chunks));
        },
      );

      registerAttestationRoutes(app, deps.attestation);

      app.post(
        '/reports',
        {
          schema: {
            tags: ['device'],
            summary: 'Send a full snapshot or incremental events; acknowledged after commit',
            body: ReportBodySchema,
            response: { 200: ReportReplySchema, ...errorResponses(400, 401, 413, 501) },
          },
        },
        async (request) => {
          try {
            const outcome = await deps.reports.ingestReport(deviceOf(request), request.body);
            deps.metrics.reportsIngested.inc({ outcome: outcome.duplicate ? 'duplicate' : 'stored' });
            return outcome;
          } catch (error) {
            deps.metrics.reportsIngested.inc({ outcome: 'rejected' });
            throw error;
          }
        },
      );
    });
  };
}
