import { readFileSync } from 'node:fs';
import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ConfigError } from '../config.ts';

/**
 * Conditional-access settings, read once at start from the environment (kept beside the main
 * `ConfigSchema` so the access subsystem can be configured without touching it).
 */
export const AccessSettingsSchema = Type.Object(
  {
    /** Absolute URL users reach Riskgate at, used in remediation links (`RISKGATE_PUBLIC_URL`). */
    publicUrl: Type.Optional(Type.String({ pattern: '^https?://[^\\s]+$', maxLength: 2048 })),
    /** Shared secret proxies send in `X-Riskgate-Proxy-Secret` (`RISKGATE_PROXY_SECRET`), ≥ 24 chars. */
    proxySecret: Type.Optional(Type.String({ minLength: 24, maxLength: 512 })),
    /** Built-in gateway: listen port (`RISKGATE_GATEWAY_PORT`, default 8443). */
    gatewayPort: Type.Integer({ minimum: 0, maximum: 65535, default: 8443 }),
    /** Built-in gateway: its TLS certificate and key, PEM files (`RISKGATE_GATEWAY_CERT`, `RISKGATE_GATEWAY_KEY`). */
    gatewayCert: Type.Optional(Type.String({ minLength: 1 })),
    gatewayKey: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);
export type AccessSettings = Static<typeof AccessSettingsSchema>;

const ENV: Readonly<Record<string, keyof AccessSettings>> = {
  RISKGATE_PUBLIC_URL: 'publicUrl',
  RISKGATE_PROXY_SECRET: 'proxySecret',
  RISKGATE_GATEWAY_PORT: 'gatewayPort',
  RISKGATE_GATEWAY_CERT: 'gatewayCert',
  RISKGATE_GATEWAY_KEY: 'gatewayKey',
};

/** Parses the access settings from the environment; throws `ConfigError` naming the bad variable. */
export function loadAccessSettings(env: Readonly<Record<string, string | undefined>>): AccessSettings {
  const raw: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(ENV)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    raw[key] = key === 'gatewayPort' && /^\d+$/.test(value) ? Number(value) : value;
  }
  const merged = Value.Default(AccessSettingsSchema, raw);
  const first = Value.Errors(AccessSettingsSchema, merged).First();
  if (first !== undefined) {
    const key = first.path.split('/')[1] ?? '';
    const name = Object.entries(ENV).find(([, k]) => k === key)?.[0] ?? key;
    throw new ConfigError(`invalid setting ${name}: ${first.message}`);
  }
  return merged as AccessSettings;
}

/** The gateway's certificate and key from the settings; throws when the gateway is asked for without them. */
export function readGatewayKeyPair(settings: AccessSettings): { cert: string; key: string } {
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
