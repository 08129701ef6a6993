import { ResourceHostSchema } from '@riskgate/engine';
import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

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
