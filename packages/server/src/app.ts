import { randomUUID } from 'node:crypto';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, {
  type FastifyError,
  type FastifyReply,
  type FastifyRequest,
  LogController,
  type RouteOptions,
} from 'fastify';
import type { Logger } from 'pino';
import { clientErrorHandler } from './client-errors.ts';
import type { Config } from './config.ts';
import { isDatabaseUnavailable } from './db/database-errors.ts';
import { AppError, type ErrorCode, STATUS_OF } from './errors.ts';
import { type Metrics, tallyLookup } from './metrics.ts';
import { registerAccessRoutes } from './routes/access/index.ts';
import { registerAdminRoutes } from './routes/admin/index.ts';
import { registerConsoleRoutes } from './routes/console.ts';
import { registerDeviceRoutes } from './routes/device/index.ts';
import { ErrorBodySchema } from './routes/http.ts';
import { registerMdmRoutes } from './routes/mdm/index.ts';
import { registerOpsRoutes } from './routes/ops/index.ts';
import { registerPkiRoutes } from './routes/pki/index.ts';
import type { Services } from './runtime.ts';
import { type RateLimitSettings, rateLimitsPlugin } from './security/rate-limits.ts';
import {
  findUnsafeText,
  jsonDepth,
  MAX_JSON_DEPTH,
  mayHoldUnsafeText,
  typeboxValidatorCompiler,
  unsafeTextMessage,
} from './validation.ts';

/** What a 503 asks the client to wait before retrying (seconds). */
const RETRY_AFTER_SECONDS = '5';
/** Timeouts of the HTTP server and the API's rate limits (config.ts, README). */
export type ServerLimits = RateLimitSettings &
  Pick<Config, 'headersTimeout' | 'requestTimeout' | 'keepAliveTimeout' | 'connectionTimeout'>;

/** Fastify/Node server options for the configured timeouts (seconds → ms); Node's defaults when unset. */
function serverTimeouts(config: Partial<ServerLimits>) {
  const ms = (seconds: number | undefined) => (seconds === undefined ? undefined : seconds * 1000);
  const headersTimeout = ms(config.headersTimeout);
  const requestTimeout = ms(config.requestTimeout);
  return {
    ...(requestTimeout === undefined ? {} : { requestTimeout }),
    ...(config.keepAliveTimeout === undefined ? {} : { keepAliveTimeout: config.keepAliveTimeout * 1000 }),
    ...(config.connectionTimeout === undefined ? {} : { connectionTimeout: config.connectionTimeout * 1000 }),
    // Node checks header and request timeouts of open connections on this interval.
    http: {
      connectionsCheckingInterval: 1000,
      // Node requires headersTimeout ≤ requestTimeout.
      ...(headersTimeout === undefined
        ? {}
        : { headersTimeout: Math.min(headersTimeout, requestTimeout ?? headersTimeout) }),
    },
  };
}

/** Fastify's own error codes we answer with our vocabulary. */
const FASTIFY_CODES: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_VALIDATION: 'invalid_request',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_request',
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformed_json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_request',
  FST_ERR_BAD_URL: 'invalid_request',
};

function toAppError(error: FastifyError | Error): AppError | undefined {
  if (error instanceof AppError) return error;
  // A lost database is not a bug: the client retries (a report is acknowledged only after commit).
  if (isDatabaseUnavailable(error))
    return new AppError('unavailable', 'the database is unavailable; retry later');
  const code = 'code' in error && typeof error.code === 'string' ? FASTIFY_CODES[error.code] : undefined;
  if (code !== undefined) return new AppError(code, error.message);
  const status = 'statusCode' in error && typeof error.statusCode === 'number' ? error.statusCode : 500;
  if (status === 413) return new AppError('payload_too_large', 'request body is too large');
  if (status === 415) return new AppError('unsupported_media_type', 'unsupported content type');
  if (status === 400) return new AppError('invalid_request', error.message);
  return undefined;
}

/**
 * Builds the Fastify app: JSON parsing with raw bytes kept, errors, OpenAPI, and all routes over
 * the services it is given (built once by `createRuntime`, the composition root).
 */
export async function buildApp(deps: {
  readonly logger: Logger;
  readonly config: Pick<Config, 'bodyLimit' | 'trustedProxies'> & Partial<ServerLimits>;
  readonly metrics: Metrics;
  readonly services: Services;
}) {
  const { services } = deps;
  const app = Fastify({
    loggerInstance: deps.logger,
    bodyLimit: deps.config.bodyLimit,
    trustProxy: deps.config.trustedProxies.length > 0 ? [...deps.config.trustedProxies] : false,
    genReqId: () => randomUUID(),
    ...serverTimeouts(deps.config),
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    // Requests Node's parser refuses get our error body too (client-errors.ts).
    clientErrorHandler,
    // A path Fastify cannot decode (e.g. a lone surrogate's bytes) gets our error body too.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      const known = toAppError(error) ?? new AppError('invalid_request', 'the request URL cannot be decoded');
      return reply
        .status(known.status)
        .send({ code: known.code, message: known.message, requestId: String(request.id) });
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(typeboxValidatorCompiler);
  app.decorateRequest('rawBody', null);
  app.decorateRequest('principal', null);
  app.decorateRequest('device', null);
  app.addSchema(ErrorBodySchema);

  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const raw = body as Buffer;
    request.rawBody = raw;
    if (raw.length === 0) return done(null, undefined);
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch {
      return done(new AppError('malformed_json', 'request body is not valid JSON'), undefined);
    }
    if (jsonDepth(parsed) > MAX_JSON_DEPTH) {
      return done(
        new AppError('invalid_request', `request body nests deeper than ${MAX_JSON_DEPTH} levels`),
        undefined,
      );
    }
    const unsafe = mayHoldUnsafeText(raw) ? findUnsafeText(parsed, 'body') : undefined;
    if (unsafe !== undefined)
      return done(new AppError('invalid_request', unsafeTextMessage(unsafe)), undefined);
    done(null, parsed);
  });

  // Path params and query strings of every route, with or without a schema, are refused when
  // they hold NUL or a lone surrogate (bodies are checked by the parser above, signature headers
  // where they are decoded). It runs after authentication (onRequest) so strangers still get 401.
  app.addHook('preValidation', (request, _reply, done) => {
    const unsafe = findUnsafeText(request.params, 'params') ?? findUnsafeText(request.query, 'querystring');
    done(unsafe === undefined ? undefined : new AppError('invalid_request', unsafeTextMessage(unsafe)));
  });

  app.setErrorHandler((error: FastifyError | Error, request, reply) => {
    const known = toAppError(error);
    if (known === undefined) {
      request.log.error({ err: error }, 'unhandled error');
      return reply
        .status(500)
        .send({ code: 'internal_error', message: 'internal error', requestId: String(request.id) });
    }
    if (known.status >= 500) request.log.error({ err: error }, known.message);
    if (known.code === 'unavailable') reply.header('retry-after', RETRY_AFTER_SECONDS);
    // Refused before its body was read (401, 413, 429 from an onRequest hook): close the
    // connection rather than drain a body nobody will look at.
    if (request.raw.complete === false) reply.header('connection', 'close');
    return reply
      .status(STATUS_OF[known.code])
      .send({ code: known.code, message: known.message, requestId: String(request.id) });
  });

  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ code: 'not_found', message: 'no such route', requestId: String(request.id) }),
  );

  // Both hooks run for every request, so they are callback-style (no promise, no extra microtask
  // before the response is written) and the request counter keeps one tally per label set (see
  // tallyLookup and TalliedCounter: counting is an addition).
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', String(request.id));
    done(null, payload);
  });
  const requestTally = tallyLookup((route: string, method: string, status: number) =>
    deps.metrics.httpRequestTally({ method, route, status: String(status) }),
  );
  app.addHook('onResponse', (request, reply, done) => {
    requestTally(request.routeOptions.url ?? 'unmatched', request.method, reply.statusCode).n++;
    done();
  });

  // Every route as registered (the options object the route hooks finished with): the test that
  // holds the OpenAPI document to the routes compares both ways (routes/openapi-routes.test.ts).
  const registeredRoutes: RouteOptions[] = [];
  app.addHook('onRoute', (route) => {
    registeredRoutes.push(route);
  });
  app.decorate('registeredRoutes', registeredRoutes);

  await app.register(rateLimitsPlugin(deps.config));

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Riskgate API',
        version: '0.1.0',
        description: 'Mobile Threat Defense: device API (signed), admin API (bearer), operations.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          deviceSignature: { type: 'apiKey', in: 'header', name: 'x-riskgate-signature' },
          proxySecret: { type: 'apiKey', in: 'header', name: 'x-riskgate-proxy-secret' },
          // The MDM webhook secret (docs/mdm.md): basic-auth password, bearer token or `?secret=`.
          mdmWebhookBasic: { type: 'http', scheme: 'basic' },
          mdmWebhookQuery: { type: 'apiKey', in: 'query', name: 'secret' },
        },
      },
    },
  });

  await app.register(
    registerOpsRoutes({
      metrics: deps.metrics,
      pingDatabase: services.pingDatabase,
      listenState: () => services.access.listenState(),
    }),
  );
  await app.register(registerAdminRoutes(services), { prefix: '/v1/admin' });
  await app.register(registerDeviceRoutes({ ...services, metrics: deps.metrics }), { prefix: '/v1/device' });
  await app.register(registerAccessRoutes(services));
  await app.register(registerPkiRoutes(services.pki));
  await app.register(registerMdmRoutes(services));
  await app.register(registerConsoleRoutes());
  await app.ready();
  return app;
}

/** The built app. */
export type App = Awaited<ReturnType<typeof buildApp>>;
