import { compileResourceIndex, type Resource } from '@riskgate/engine';
import type { GatewayRoute } from './schema.ts';

/** Routes indexed by host and path prefix. */
export interface RouteTable {
  /** The route for a request: most specific host, then longest path prefix; `undefined` if none. */
  match(host: string, path: string): GatewayRoute | undefined;
}

/**
 * Builds the route table on the engine's resource matcher, so the gateway reads hosts and paths
 * exactly as access decisions do (case, ports, trailing dots, `..` and encoded slashes, segment
 * boundaries: `/owa` covers `/owa/x`, not `/owablah`).
 */
export function compileRouteTable(routes: readonly GatewayRoute[]): RouteTable {
  const resources: Resource[] = routes.map((route, i) => ({
    id: String(i),
    name: route.resourceId,
    kind: 'http-app',
    hosts: [route.host],
    pathPrefix: route.pathPrefix,
  }));
  const index = compileResourceIndex(resources);
  return {
    match(host, path) {
      const resource = index.matchHttp({ host, path });
      return resource === undefined ? undefined : routes[Number(resource.id)];
    },
  };
}
