import { readFileSync } from 'node:fs';
import { type Config, ConfigError } from '../config.ts';

/** The gateway's certificate and key from the settings; throws when the gateway is asked for without them. */
export function readGatewayKeyPair(settings: Pick<Config, 'gatewayCert' | 'gatewayKey'>): {
  cert: string;
  key: string;
} {
  if (settings.gatewayCert === undefined || settings.gatewayKey === undefined) {
    throw new ConfigError(
      'missing setting RISKGATE_GATEWAY_CERT / RISKGATE_GATEWAY_KEY: the built-in gateway terminates TLS and needs a certificate and key (PEM files)',
    );
  }
  try {
    return {
      cert: readFileSync(settings.gatewayCert, 'utf8'),
      key: readFileSync(settings.gatewayKey, 'utf8'),
    };
  } catch (error) {
    throw new ConfigError(`RISKGATE_GATEWAY_CERT / RISKGATE_GATEWAY_KEY: ${(error as Error).message}`);
  }
}
