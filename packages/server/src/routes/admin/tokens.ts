import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../../runtime.ts';
import { errorResponses, IdParams, principalOf } from '../http.ts';
import { requires } from '../route-auth.ts';
import {
  ApiTokenSchema,
  CreateApiTokenBody,
  CreatedApiTokenSchema,
  CreatedEnrollmentTokenSchema,
  CreateEnrollmentTokenBody,
  EnrollmentTokenSchema,
  UpdateApiTokenBody,
} from './schemas.ts';

const errs = errorResponses(400, 401, 403, 404, 409);

/** API tokens and enrollment tokens. */
export function registerTokenRoutes(tokens: Services['tokens']): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<TypeBoxTypeProvider>();

    app.post(
      '/api-tokens',
      {
        ...requires('tokens:write'),
        schema: {
          tags: ['admin'],
          summary: 'Create an API token (shown once)',
          body: CreateApiTokenBody,
          response: { 201: CreatedApiTokenSchema, ...errs },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await tokens.createApiToken(principalOf(request), request.body)),
    );

    app.get(
      '/api-tokens',
      {
        ...requires('tokens:read'),
        schema: {
          tags: ['admin'],
          summary: 'List API tokens',
          response: { 200: Type.Object({ items: Type.Array(ApiTokenSchema) }), ...errs },
        },
      },
      async (request) => ({ items: await tokens.listApiTokens(principalOf(request)) }),
    );

    app.delete(
      '/api-tokens/:id',
      {
        ...requires('tokens:write'),
        schema: {
          tags: ['admin'],
          summary: 'Revoke an API token',
          params: IdParams,
          response: { 204: Type.Null(), ...errs },
        },
      },
      async (request, reply) => {
        await tokens.revokeApiToken(principalOf(request), request.params.id);
        return reply.status(204).send(null);
      },
    );

    app.patch(
      '/api-tokens/:id',
      {
        ...requires('tokens:write'),
        schema: {
          tags: ['admin'],
          summary: 'Rename an API token or change its role (never above your own)',
          params: IdParams,
          body: UpdateApiTokenBody,
          response: { 200: ApiTokenSchema, ...errs },
        },
      },
      async (request) => tokens.updateApiToken(principalOf(request), request.params.id, request.body),
    );

    app.post(
      '/enrollment-tokens',
      {
        ...requires('enrollment:write'),
        schema: {
          tags: ['admin'],
          summary: 'Create an enrollment token (shown once)',
          body: CreateEnrollmentTokenBody,
          response: { 201: CreatedEnrollmentTokenSchema, ...errs },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await tokens.createEnrollmentToken(principalOf(request), request.body)),
    );

    app.get(
      '/enrollment-tokens',
      {
        ...requires('enrollment:read'),
        schema: {
          tags: ['admin'],
          summary: 'List enrollment tokens',
          response: { 200: Type.Object({ items: Type.Array(EnrollmentTokenSchema) }), ...errs },
        },
      },
      async (request) => ({ items: await tokens.listEnrollmentTokens(principalOf(request)) }),
    );

    app.delete(
      '/enrollment-tokens/:id',
      {
        ...requires('enrollment:write'),
        schema: {
          tags: ['admin'],
          summary: 'Revoke an enrollment token',
          params: IdParams,
          response: { 204: Type.Null(), ...errs },
        },
      },
      async (request, reply) => {
        await tokens.revokeEnrollmentToken(principalOf(request), request.params.id);
        return reply.status(204).send(null);
      },
    );
  };
}
