import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { PkiService } from '../../pki/pki-service.ts';
import { errorResponses } from '../http.ts';
import { authScope } from '../route-auth.ts';

const TenantParams = Type.Object(
  { tenantId: Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_-]+$' }) },
  { additionalProperties: false },
);

/** Hex serial (≤ 20 octets, colons allowed between octets) or SHA-256 fingerprint (64 hex digits). */
const CERT_NAME =
  '^(?:[0-9A-Fa-f]{1,40}|[0-9A-Fa-f]{64}|(?:[0-9A-Fa-f]{2}:){1,19}[0-9A-Fa-f]{2}|(?:[0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2})$';

const StatusParams = Type.Object(
  {
    tenantId: TenantParams.properties.tenantId,
    serialOrFingerprint: Type.String({ minLength: 1, maxLength: 95, pattern: CERT_NAME }),
  },
  { additionalProperties: false },
);

const CrlQuery = Type.Object(
  { format: Type.Optional(Type.Union([Type.Literal('der'), Type.Literal('pem')])) },
  { additionalProperties: false },
);

const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);

const StatusReply = Type.Object(
  {
    status: Type.Union([Type.Literal('good'), Type.Literal('revoked'), Type.Literal('unknown')]),
    tenantId: Type.String(),
    serial: Nullable(Type.String()),
    fingerprintSha256: Nullable(Type.String()),
    revokedAt: Nullable(Type.String({ format: 'date-time' })),
    reason: Type.Union([Type.Literal('cessationOfOperation'), Type.Literal('superseded'), Type.Null()]),
    thisUpdate: Type.String({ format: 'date-time' }),
    nextUpdate: Type.String({ format: 'date-time' }),
    jws: Type.String({
      description:
        'Compact JWS (ES256) over the other members, signed by the tenant device CA (header kid: its subject key identifier, x5t#S256: its certificate thumbprint)',
    }),
  },
  { additionalProperties: false },
);

const PEM_TYPE = 'application/x-pem-file';

/** Whether the client asked for PEM: `?format=pem`, or (without `format`) an Accept naming PEM. */
function wantsPem(format: 'der' | 'pem' | undefined, accept: string | undefined): boolean {
  if (format !== undefined) return format === 'pem';
  return accept?.toLowerCase().includes(PEM_TYPE) === true;
}

/**
 * Public PKI routes (no authentication: CRLs and certificate status are public by design, RFC
 * 5280 §5): the tenant's CRL and an OCSP-style signed status per certificate, for proxies and
 * FreeRADIUS (docs/proxies.md "Certificate revocation").
 */
export function registerPkiRoutes(pki: PkiService): FastifyPluginAsync {
  return async (plain) => {
    // Public: proxies and RADIUS servers fetch these without credentials (signed content).
    authScope(plain, 'public');
    // Limited per client address like the device routes, before any database read or signature.
    plain.addHook('onRequest', async (request, reply) => {
      await request.server.rateLimits.devicePerIp(request, reply);
    });
    const app = plain.withTypeProvider<TypeBoxTypeProvider>();

    app.get(
      '/v1/pki/:tenantId/crl',
      {
        schema: {
          tags: ['pki'],
          summary: "The tenant's X.509 v2 CRL, signed by its device CA (DER; PEM with ?format=pem)",
          security: [],
          params: TenantParams,
          querystring: CrlQuery,
          response: {
            200: {
              description: 'The CRL; Cache-Control and Expires follow its nextUpdate',
              content: {
                'application/pkix-crl': { schema: Type.Unsafe<Buffer>({ type: 'string', format: 'binary' }) },
                [PEM_TYPE]: { schema: Type.Unsafe<string>({ type: 'string' }) },
              },
            },
            304: Type.Null({ description: 'Not modified (If-None-Match)' }),
            ...errorResponses(400, 404, 429),
          },
        },
      },
      async (request, reply) => {
        const crl = await pki.crl(request.params.tenantId);
        const maxAge = Math.max(0, Math.floor((crl.nextUpdate.getTime() - pki.now().getTime()) / 1000));
        const etag = `"${crl.number}"`;
        reply.header('cache-control', `public, max-age=${maxAge}`);
        reply.header('expires', crl.nextUpdate.toUTCString());
        reply.header('last-modified', crl.thisUpdate.toUTCString());
        reply.header('etag', etag);
        reply.header('vary', 'accept');
        if (request.headers['if-none-match'] === etag) return reply.status(304).send(null);
        return wantsPem(request.query.format, request.headers.accept)
          ? reply.type(PEM_TYPE).send(crl.pem)
          : reply.type('application/pkix-crl').send(crl.der);
      },
    );

    app.get(
      '/v1/pki/:tenantId/status/:serialOrFingerprint',
      {
        schema: {
          tags: ['pki'],
          summary:
            "OCSP-style status of one of the tenant's device certificates (hex serial or SHA-256 fingerprint), signed by its device CA",
          security: [],
          params: StatusParams,
          response: { 200: StatusReply, ...errorResponses(400, 404, 429) },
        },
      },
      async (request, reply) => {
        const { tenantId, serialOrFingerprint } = request.params as Static<typeof StatusParams>;
        const status = await pki.status(tenantId, serialOrFingerprint);
        // A reused status has less time left than its whole period.
        const maxAge = Math.max(0, Math.floor((Date.parse(status.nextUpdate) - pki.now().getTime()) / 1000));
        reply.header('cache-control', `public, max-age=${maxAge}`);
        return status;
      },
    );
  };
}
