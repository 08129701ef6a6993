import { ResourceHostSchema } from '@riskgate/engine';
import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { hostPatternsOverlap } from '../access/host-patterns.ts';

/**
 * One gateway route as `riskgate serve --gateway-config <file>` reads it: requests for `host`
 * (exact, or `*.example.com`) under `pathPrefix` go to `upstream` when `resourceId` allows them.
 */
export const GatewayRouteSchema = Type.Object(
  {
    host: ResourceHostSchema,
    pathPrefix: Type.String({ minLength: 1, maxLength: 1024, pattern: '^/', default: '/' }),
    /** `http://` or `https://` origin, optionally with a base path that is prepended. */
    upstream: Type.String({ minLength: 8, maxLength: 2048, pattern: '^https?://' }),
    /** The resource access policies name; also what forward-auth would map this host and path to. */
    resourceId: Type.String({ minLength: 1, maxLength: 128 }),
    /**
     * The one tenant the route belongs to: its resource and access policies decide, and only its
     * devices are known here (a device of another tenant is `device-unknown`).
     */
    tenantId: Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_-]+$' }),
  },
  { additionalProperties: false },
);
export type GatewayRouteInput = Static<typeof GatewayRouteSchema>;

/** The gateway config file: its routes (TLS and listen address come from the server config). */
export const GatewayConfigSchema = Type.Object(
  { routes: Type.Array(GatewayRouteSchema, { minItems: 1, maxItems: 1000 }) },
  { additionalProperties: false },
);
export type GatewayConfigInput = Static<typeof GatewayConfigSchema>;

/** A route ready for `createGateway`. */
export interface GatewayRoute {
  readonly host: string;
  readonly pathPrefix: string;
  readonly upstream: URL;
  readonly resourceId: string;
  readonly tenantId: string;
}

/**
 * Validates a parsed config file (JSON or YAML) and returns its routes; throws an Error naming
 * the first bad setting, so a bad config fails fast at start.
 */
export function parseGatewayConfig(value: unknown): GatewayRoute[] {
  const withDefaults = Value.Default(GatewayConfigSchema, structuredClone(value));
  const [first] = Value.Errors(GatewayConfigSchema, withDefaults);
  if (first !== undefined) {
    throw new Error(`gateway config: ${first.path || '/'}: ${first.message}`);
  }
  const config = withDefaults as GatewayConfigInput;
  refuseCrossTenantHosts(config.routes);
  return config.routes.map((route, i) => {
    let upstream: URL;
    try {
      upstream = new URL(route.upstream);
    } catch {
      throw new Error(`gateway config: /routes/${i}/upstream: not a URL`);
    }
    if (upstream.search !== '' || upstream.hash !== '' || upstream.username !== '') {
      throw new Error(`gateway config: /routes/${i}/upstream: no query, fragment or credentials allowed`);
    }
    return {
      host: route.host,
      pathPrefix: route.pathPrefix,
      upstream,
      resourceId: route.resourceId,
      tenantId: route.tenantId,
    };
  });
}

/**
 * A host belongs to one tenant (docs/conditional-access.md § 3, host claims), in the gateway as in
 * resources: two routes of different tenants whose hosts overlap (the same host in any spelling, or
 * a wildcard covering the other) would hand one tenant's requests to the other's policies.
 * Quadratic in the routes (at most 1000), once at start.
 */
function refuseCrossTenantHosts(routes: readonly GatewayRouteInput[]): void {
  routes.forEach((route, j) => {
    const i = routes.findIndex(
      (other, k) => k < j && other.tenantId !== route.tenantId && hostPatternsOverlap(other.host, route.host),
    );
    const other = routes[i];
    if (other !== undefined)
      throw new Error(
        `gateway config: /routes/${j}/host: overlaps /routes/${i}/host of tenant ${other.tenantId}: a host belongs to one tenant`,
      );
  });
}
