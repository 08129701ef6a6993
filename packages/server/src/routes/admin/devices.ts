import { Readable } from 'node:stream';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { Services } from '../../runtime.ts';
import { errorResponses, IdParams, principalOf } from '../http.ts';
import { requires } from '../route-auth.ts';
import { DeviceAttestationSchema, deviceAttestationReply } from './attestation-schemas.ts';
import { DeviceExportSchema, DeviceSchema, ListDevicesQuery, ThreatSchema } from './schemas.ts';

const errs = errorResponses(400, 401, 403, 404);
const approvalErrs = errorResponses(401, 403, 404, 409);

/** Device list, detail, retire and re-enrollment approval. */
export function registerDeviceRoutes(
  deps: Pick<Services, 'devices' | 'attestation' | 'reenrollmentApprovals' | 'deviceExport'>,
): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<TypeBoxTypeProvider>();
    const { devices } = deps;

    app.get(
      '/devices',
      {
        ...requires('devices:read'),
        schema: {
          tags: ['admin'],
          summary: 'List devices (filter by user, model, risk, compliance, label, last seen; cursor paging)',
          querystring: ListDevicesQuery,
          response: {
            200: Type.Object({
              items: Type.Array(DeviceSchema),
              nextCursor: Type.Union([Type.String(), Type.Null()]),
            }),
            ...errs,
          },
        },
      },
      async (request) => {
        const { limit, after, ...filter } = request.query;
        return devices.listDevices(
          principalOf(request),
          filter,
          after === undefined ? { limit } : { limit, after },
        );
      },
    );

    app.get(
      '/devices/:id',
      {
        ...requires('devices:read'),
        schema: {
          tags: ['admin'],
          summary: 'Device detail: device, threats (with evidence), history',
          params: IdParams,
          response: {
            200: Type.Object({
              device: DeviceSchema,
              threats: Type.Array(ThreatSchema),
              history: Type.Array(
                Type.Object({
                  at: Type.String(),
                  kind: Type.String(),
                  details: Type.Record(Type.String(), Type.Unknown()),
                }),
              ),
              /** Hardware attestation: verified facts beside the reported ones. */
              attestation: Type.Optional(DeviceAttestationSchema),
            }),
            ...errs,
          },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        const detail = await devices.getDevice(principal, request.params.id);
        const view = await deps.attestation.deviceAttestation(principal.tenantId, request.params.id);
        return { ...detail, attestation: deviceAttestationReply(view) };
      },
    );

    app.get(
      '/devices/:id/export',
      {
        // Admin or owner: the document gathers a person's data (user, apps, visits, audit) in one
        // portable file; the read-only analyst and the helpdesk see devices in the console but do
        // not take copies of them.
        ...requires('devices:read', 'admin'),
        schema: {
          tags: ['admin'],
          summary:
            'Everything Riskgate holds about the device as one JSON document, streamed (docs/privacy.md); audited',
          params: IdParams,
          response: { 200: DeviceExportSchema, ...errs },
        },
      },
      async (request, reply) => {
        const chunks = await deps.deviceExport.exportForAdmin(principalOf(request), request.params.id);
        // A stream bypasses the response serialiser; the schema documents the document's shape.
        const untyped: FastifyReply = reply;
        return untyped
          .type('application/json; charset=utf-8')
          .header('content-disposition', `attachment; filename="device-${request.params.id}.json"`)
          .send(Readable.from(chunks));
      },
    );

    app.post(
      '/devices/:id/retire',
      {
        ...requires('devices:write'),
        schema: {
          tags: ['admin'],
          summary:
            'Retire a device: its signed requests are refused from now on; with ?erase=true its personal data is erased too (docs/privacy.md)',
          params: IdParams,
          querystring: Type.Object({ erase: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
          response: { 200: DeviceSchema, ...errs },
        },
      },
      async (request) =>
        devices.retireDevice(principalOf(request), request.params.id, {
          erase: request.query.erase === true,
        }),
    );

    app.post(
      '/devices/:id/reenrollment',
      {
        ...requires('devices:write', 'admin'),
        schema: {
          tags: ['admin'],
          summary:
            'Approve one re-enrollment of the device with a new key, without its current key (admin or owner; single use, 15 minutes)',
          params: IdParams,
          response: {
            201: Type.Object({ id: Type.String(), deviceId: Type.String(), expiresAt: Type.String() }),
            ...approvalErrs,
          },
        },
      },
      async (request, reply) =>
        reply
          .status(201)
          .send(await deps.reenrollmentApprovals.approve(principalOf(request), request.params.id)),
    );
  };
}
