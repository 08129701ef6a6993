import type { AddressInfo } from 'node:net';
import type { Kysely } from 'kysely';
import type { Config } from '../config.ts';
import type { Database } from '../db/types.ts';
import type { AccessEnforcer } from '../enforcement/contract.ts';
import { createGateway, type GatewayLogger, type GatewayRoute } from '../gateway/index.ts';
import { listDeviceCaCertificates } from '../queries/access-device-cas.ts';
import { readGatewayKeyPair } from './access-settings.ts';
import type { AccessOptions } from './access-system.ts';

export interface ConfiguredGateway {
  readonly address: AddressInfo;
  /** Re-reads the device CAs (a tenant was added); also runs on a timer. */
  reloadCas(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts the built-in gateway for `riskgate serve --gateway-config`: the given routes, the
 * server's own enforcer (the same decisions as `/v1/access/check`), and every tenant's device CA,
 * re-read every `caRefreshMs` (default 60 s) so new tenants' devices are accepted.
 */
export async function startConfiguredGateway(params: {
  readonly db: Kysely<Database>;
  readonly routes: readonly GatewayRoute[];
  readonly enforcer: AccessEnforcer;
  readonly tls: { readonly cert: string; readonly key: string };
  readonly host: string;
  readonly port: number;
  readonly logger: GatewayLogger;
  readonly caRefreshMs?: number;
}): Promise<ConfiguredGateway> {
  let cas = await listDeviceCaCertificates(params.db);
  const gateway = createGateway({
    routes: params.routes,
    tls: { ...params.tls, ca: cas },
    enforcer: params.enforcer,
    logger: params.logger,
  });
  async function reloadCas(): Promise<void> {
    const fresh = await listDeviceCaCertificates(params.db);
    if (fresh.join('\n') === cas.join('\n')) return;
    cas = fresh;
    gateway.updateTls({ ...params.tls, ca: cas });
  }
  const timer = setInterval(() => {
    reloadCas().catch((error: unknown) =>
      params.logger.warn({ err: String(error) }, 'gateway CA reload failed'),
    );
  }, params.caRefreshMs ?? 60_000);
  timer.unref();
  const address = await gateway.listen(params.port, params.host);
  return {
    address,
    reloadCas,
    async close() {
      clearInterval(timer);
      await gateway.close();
    },
  };
}

/** The access options `riskgate serve` passes to `createRuntime`, from the settings. */
export function accessOptionsForServe(
  config: Pick<
    Config,
    | 'host'
    | 'port'
    | 'databaseUrl'
    | 'trustedProxies'
    | 'publicUrl'
    | 'proxySecret'
    | 'proxyTenant'
    | 'proxyIntegration'
  >,
): AccessOptions {
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  return {
    publicUrl:
      config.publicUrl ?? `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${config.port}`,
    ...(config.proxySecret === undefined ? {} : { proxySecret: config.proxySecret }),
    ...(config.proxyTenant === undefined ? {} : { proxyTenantId: config.proxyTenant }),
    ...(config.proxyIntegration === undefined ? {} : { proxyIntegration: config.proxyIntegration }),
    trustedProxies: config.trustedProxies,
    ...(config.databaseUrl === undefined ? {} : { postgresUrl: config.databaseUrl }),
  };
}

/**
 * `riskgate serve --gateway-config <file>`: the routes (parsed with the settings by `loadConfig`)
 * and the gateway's key pair (failing fast with the setting's name), then the gateway beside the API.
 */
export async function startGatewayForServe(params: {
  readonly routes: readonly GatewayRoute[];
  readonly settings: Pick<Config, 'gatewayCert' | 'gatewayKey' | 'gatewayPort'>;
  readonly host: string;
  readonly db: Kysely<Database>;
  readonly enforcer: AccessEnforcer;
  readonly logger: GatewayLogger;
}): Promise<ConfiguredGateway> {
  const routes = params.routes;
  const tls = readGatewayKeyPair(params.settings);
  return startConfiguredGateway({
    db: params.db,
    routes,
    enforcer: params.enforcer,
    tls,
    host: params.host,
    port: params.settings.gatewayPort,
    logger: params.logger,
  });
}
