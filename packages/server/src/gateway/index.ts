/** The built-in gateway: mTLS termination, access enforcement and proxying for users without a proxy. */

export {
  createGateway,
  DEVICE_TOKEN_HEADER,
  type Gateway,
  type GatewayOptions,
  type GatewayTls,
} from './gateway.ts';
export type { GatewayLogger } from './logger.ts';
export {
  GatewayConfigSchema,
  type GatewayRoute,
  GatewayRouteSchema,
  parseGatewayConfig,
} from './schema.ts';
