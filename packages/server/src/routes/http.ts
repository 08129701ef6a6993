import { type Static, type TSchema, Type } from '@sinclair/typebox';
import type { FastifyRequest, RouteOptions } from 'fastify';
import type { Principal } from '../auth/principal.ts';
import type { ErrorCode } from '../errors.ts';
import type { DeviceRow } from '../queries/devices.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route registered, as its hooks left it (buildApp). */
    readonly registeredRoutes: readonly RouteOptions[];
  }
  interface FastifyRequest {
    /** The exact body bytes, kept for the signature's body digest. */
    rawBody: Buffer | null;
    /** The admin caller, set by the admin auth hook. */
    principal: Principal | null;
    /** The signed-in device, set by the device auth hook. */
    device: DeviceRow | null;
  }
}

/** The error body schema (every error reply). */
export const ErrorBodySchema = Type.Object(
  { code: Type.String(), message: Type.String(), requestId: Type.String() },
  { $id: 'ErrorBody', additionalProperties: false },
);

/** Error replies every route may give, for OpenAPI. */
export function errorResponses(...statuses: number[]): Record<number, TSchema> {
  const out: Record<number, TSchema> = {};
  for (const status of statuses) out[status] = Type.Ref('ErrorBody');
  return out;
}

/** The caller set by the admin auth hook; throws if a route forgot the hook (a bug). */
export function principalOf(request: FastifyRequest): Principal {
  if (request.principal === null) throw new Error('admin route without authentication');
  return request.principal;
}

/** The device set by the device auth hook; throws if a route forgot the hook (a bug). */
export function deviceOf(request: FastifyRequest): DeviceRow {
  if (request.device === null) throw new Error('device route without authentication');
  return request.device;
}

/** `:id` path params. */
export const IdParams = Type.Object(
  { id: Type.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false },
);
export type IdParams = Static<typeof IdParams>;

export type { ErrorCode };
