import rateLimit from '@fastify/rate-limit';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.ts';
import { AppError } from '../errors.ts';

/** The rate-limit settings (config.ts); each limit is requests per window for one key, 0: off. */
export type RateLimitSettings = Pick<
  Config,
  | 'rateLimitWindow'
  | 'rateLimitEnrollPerIp'
  | 'rateLimitDevicePerIp'
  | 'rateLimitDevicePerDevice'
  | 'rateLimitAdminPerIp'
  | 'rateLimitAdminPerToken'
>;

/**
 * Counts one request against `key` (the client address by default); throws `rate_limited` (429)
 * with `Retry-After` once the key is over its limit.
 */
export type RateCheck = (request: FastifyRequest, reply: FastifyReply, key?: string) => Promise<void>;

/** Every limit the API applies, by who is counted. */
export interface RateLimits {
  readonly enrollPerIp: RateCheck;
  readonly devicePerIp: RateCheck;
  readonly devicePerDevice: RateCheck;
  readonly adminPerIp: RateCheck;
  readonly adminPerToken: RateCheck;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The API's rate limits, applied by the authentication hooks of each scope. */
    rateLimits: RateLimits;
  }
}

const unlimited: RateCheck = async () => {};

/**
 * A plugin that registers `@fastify/rate-limit` (its in-memory LRU store, per node) without a global hook and
 * decorates the app with one limiter per kind of key. The authentication hooks call them: the
 * address limits before anything touches the database, the token and device limits after the
 * caller is authenticated, so nobody can spend another caller's budget by naming it.
 */
export function rateLimitsPlugin(settings: Partial<RateLimitSettings>): FastifyPluginAsync {
  // fastify-plugin: the decorator is visible to every route scope, not only inside this plugin.
  return fp(
    async (app) => {
      await app.register(rateLimit, { global: false });
      const windowMs = (settings.rateLimitWindow ?? 60) * 1000;
      const limiter = (what: string, max: number | undefined): RateCheck => {
        if (max === undefined || max <= 0) return unlimited;
        const keys = new WeakMap<FastifyRequest, string>();
        const check = app.createRateLimit({
          max,
          timeWindow: windowMs,
          keyGenerator: (request) => keys.get(request) ?? request.ip,
        });
        return async (request, reply, key = request.ip) => {
          keys.set(request, key);
          const result = await check(request);
          if (result.isAllowed || !result.isExceeded) return;
          reply.header('retry-after', String(result.ttlInSeconds));
          throw new AppError('rate_limited', `too many requests ${what}; retry in ${result.ttlInSeconds} s`);
        };
      };
      app.decorate('rateLimits', {
        enrollPerIp: limiter('to enroll from this address', settings.rateLimitEnrollPerIp),
        devicePerIp: limiter('from this address', settings.rateLimitDevicePerIp),
        devicePerDevice: limiter('from this device', settings.rateLimitDevicePerDevice),
        adminPerIp: limiter('from this address', settings.rateLimitAdminPerIp),
        adminPerToken: limiter('with this API token', settings.rateLimitAdminPerToken),
      } satisfies RateLimits);
    },
    { name: 'riskgate-rate-limits' },
  );
}
