import pino, { type Logger } from 'pino';
import { type AccessOptions, createAccessSystem } from './access/access-system.ts';
import { buildApp } from './app.ts';
import { registerAttestationMetrics } from './attestation/attestation-metrics.ts';
import { type AttestationSettings, createAttestationService } from './attestation/attestation-service.ts';
import { type AttestationTrust, NO_ATTESTATION_TRUST } from './attestation/attestation-trust.ts';
import type { Config } from './config.ts';
import type { ServiceContext } from './context.ts';
import { createSecretBox } from './crypto/secret-box.ts';
import type { Db } from './db/database.ts';
import { loadStoredIntel } from './intel/intel-feed-service.ts';
import { createIntelRegistry } from './intel/intel-registry.ts';
import { EMPTY_INTEL, type IntelSource } from './intel/intel-source.ts';
import { createMetrics } from './metrics.ts';
import { countDevicesByRisk } from './queries/devices.ts';
import { createReportService } from './reports/report-service.ts';

/** Builds the service context and the app over an open, migrated database. */
export async function createRuntime(params: {
  readonly db: Db;
  readonly secretKey: Uint8Array;
  readonly config: Pick<Config, 'bodyLimit' | 'trustedProxies'>;
  readonly logger?: Logger;
  readonly now?: () => Date;
  /** Threat intelligence for assessments; none by default. */
  readonly intel?: IntelSource;
  /** Conditional-access settings (public URL, proxy secret, LISTEN/NOTIFY URL). */
  readonly access?: AccessOptions;
  /** Hardware attestation roots, revocation list and settings; none: every chain is refused. */
  readonly attestation?: { readonly trust: AttestationTrust; readonly settings?: AttestationSettings };
}) {
  const now = params.now ?? (() => new Date());
  const logger = params.logger ?? pino({ level: 'silent' });
  const metrics = createMetrics(() => countDevicesByRisk(params.db.db));
  const access = await createAccessSystem(
    { db: params.db, secretKey: params.secretKey, registry: metrics.registry, logger, now },
    { trustedProxies: params.config.trustedProxies, ...params.access },
  );
  const ctx: ServiceContext = {
    db: params.db,
    box: createSecretBox(params.secretKey),
    now,
    logger,
    devicesChanged: access.devicesChanged,
  };
  // Stored feeds (API uploads, `riskgate intel import`) layered over the start-up intel.
  const intel = createIntelRegistry(params.intel ?? EMPTY_INTEL);
  await loadStoredIntel(params.db.db, intel, logger);
  const attestation = createAttestationService(ctx, {
    trust: params.attestation?.trust ?? NO_ATTESTATION_TRUST,
    ...(params.attestation?.settings === undefined ? {} : { settings: params.attestation.settings }),
  });
  registerAttestationMetrics(metrics.registry, attestation.trust);
  const reports = createReportService(ctx, {
    intel,
    metrics,
    attestation,
    onDeviceChanged: access.deviceChanged,
    reserveDeviceChange: access.reserveDeviceChange,
  });
  const app = await buildApp({ ctx, config: params.config, metrics, reports, access, intel, attestation });
  return { ctx, metrics, reports, app, access, intel, attestation };
}
