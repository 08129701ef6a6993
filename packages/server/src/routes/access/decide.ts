import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { STATE_UNAVAILABLE, STATE_UNAVAILABLE_MESSAGE } from '../../access/access-decider.ts';
import type { AccessSystem } from '../../access/access-system.ts';
import { normalizeFingerprint } from '../../access/client-cert-headers.ts';
import { errors } from '../../errors.ts';
import { errorResponses } from '../http.ts';

const Id = Type.String({ minLength: 1, maxLength: 100 });

const DecideBody = Type.Object(
  {
    device: Type.Object(
      {
        fingerprint: Type.Optional(Type.String({ minLength: 64, maxLength: 95 })),
        token: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
        tenantId: Type.Optional(Id),
        deviceId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
      },
      { additionalProperties: false },
    ),
    resourceId: Type.Optional(Id),
    host: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    path: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
    method: Type.Optional(Type.String({ minLength: 1, maxLength: 16 })),
    ssid: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
    clientId: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  },
  { additionalProperties: false },
);

const Reason = Type.Object({
  code: Type.String(),
  policyId: Type.Optional(Type.String()),
  message: Type.String(),
});

const DecideReply = Type.Object({
  outcome: Type.Union([Type.Literal('allow'), Type.Literal('deny')]),
  status: Type.Union([Type.Literal(200), Type.Literal(401), Type.Literal(403)]),
  reason: Type.String(),
  deviceId: Type.Union([Type.String(), Type.Null()]),
  user: Type.Union([Type.String(), Type.Null()]),
  resourceId: Type.Union([Type.String(), Type.Null()]),
  reasons: Type.Array(Reason),
  matchedPolicies: Type.Array(
    Type.Object({
      policyId: Type.String(),
      name: Type.String(),
      state: Type.String(),
      result: Type.String(),
    }),
  ),
  reportOnly: Type.Array(Type.Object({ policyId: Type.String(), reason: Reason })),
  remediation: Type.Array(
    Type.Object({
      typeId: Type.Optional(Type.String()),
      title: Type.String(),
      risk: Type.Optional(Type.String()),
      steps: Type.Array(Type.String()),
    }),
  ),
  remediationUrl: Type.Union([Type.String(), Type.Null()]),
});

/**
 * `POST /v1/access/decide`: the JSON decision API for programmatic callers (RADIUS adapters, an
 * identity provider, scripts). The same trust rule as forward auth; the answer is always 200 and
 * carries the outcome (a denial is a value).
 */
export function registerDecideRoute(access: AccessSystem): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<TypeBoxTypeProvider>();
    app.post(
      '/v1/access/decide',
      {
        // The caller is checked before the body is read or validated (401 before 400).
        onRequest: async (request) => {
          if ((await access.trust.bind(request.headers, request.socket.remoteAddress)) === undefined) {
            throw errors.unauthorized("send this tenant's proxy credential in X-Riskgate-Proxy-Secret");
          }
        },
        schema: {
          tags: ['access'],
          summary:
            "Decide access for a device and a resource in the caller's tenant (a proxy credential in X-Riskgate-Proxy-Secret)",
          description:
            "The tenant is the proxy credential's: a device of another tenant is `device-unknown`. When the body names the device more than once (fingerprint, token, id) and they disagree, the answer is `identity-conflict`.",
          body: DecideBody,
          response: { 200: DecideReply, ...errorResponses(400, 401) },
        },
      },
      async (request) => {
        const binding = await access.trust.bind(request.headers, request.socket.remoteAddress);
        if (binding === undefined) {
          throw errors.unauthorized("send this tenant's proxy credential in X-Riskgate-Proxy-Secret");
        }
        const body = request.body;
        const fingerprint =
          body.device.fingerprint === undefined ? undefined : normalizeFingerprint(body.device.fingerprint);
        if (body.device.fingerprint !== undefined && fingerprint === undefined) {
          throw errors.invalid('device.fingerprint must be a hex SHA-256');
        }
        const result = await access.decider.decide(
          {
            ...(fingerprint === undefined ? {} : { fingerprint }),
            ...(body.device.token === undefined ? {} : { deviceToken: body.device.token }),
            // A device named by id is looked up in the caller's tenant unless another is named
            // (which then does not match the binding: `device-unknown`).
            ...(body.device.deviceId === undefined
              ? {}
              : { deviceId: body.device.deviceId, tenantId: body.device.tenantId ?? binding.tenantId }),
          },
          {
            tenantId: binding.tenantId,
            ...(body.resourceId === undefined ? {} : { resourceId: body.resourceId }),
            ...(body.host === undefined ? {} : { host: body.host }),
            ...(body.path === undefined ? {} : { path: body.path }),
            ...(body.method === undefined ? {} : { method: body.method }),
            ...(body.ssid === undefined ? {} : { ssid: body.ssid }),
            ...(body.clientId === undefined ? {} : { clientId: body.clientId }),
          },
          'decide',
        );
        const d = result.decision;
        return {
          outcome: result.status === 200 ? ('allow' as const) : ('deny' as const),
          status: result.status,
          reason: result.reason,
          deviceId: result.device?.deviceId ?? null,
          user: result.device?.user ?? null,
          resourceId: result.resourceId ?? null,
          reasons:
            result.reason === STATE_UNAVAILABLE
              ? [{ code: STATE_UNAVAILABLE, message: STATE_UNAVAILABLE_MESSAGE }]
              : (d?.reasons ?? []).map((r) => ({ ...r })),
          matchedPolicies: (d?.matchedPolicies ?? []).map((m) => ({ ...m })),
          reportOnly: (d?.reportOnly ?? []).map((r) => ({ policyId: r.policyId, reason: { ...r.reason } })),
          remediation: (d?.remediation ?? []).map((r) => ({ ...r, steps: [...r.steps] })),
          remediationUrl: result.remediationUrl ?? null,
        };
      },
    );
  };
}
