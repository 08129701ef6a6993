import pino, { type Logger } from 'pino';
import { createAccessAdminService } from './access/access-admin-service.ts';
import { type AccessOptions, type AccessSystem, createAccessSystem } from './access/access-system.ts';
import { createProxyCredentialService } from './access/proxy-credential-service.ts';
import { buildApp, type ServerLimits } from './app.ts';
import { registerAttestationMetrics } from './attestation/attestation-metrics.ts';
import { type AttestationSettings, createAttestationService } from './attestation/attestation-service.ts';
import { type AttestationTrust, NO_ATTESTATION_TRUST } from './attestation/attestation-trust.ts';
import { createAuditLogService } from './audit/audit-log-service.ts';
import { pruneAuditLog } from './audit/audit-prune.ts';
import { type AuditCheckpointOptions, createAuditCheckpointer } from './audit/checkpoint-writer.ts';
import { authenticateAdmin } from './auth/auth-service.ts';
import { createTokenService } from './auth/token-service.ts';
import { createClusterSync } from './cluster/cluster-sync.ts';
import { createCompliancePolicyService } from './compliance/compliance-policy-service.ts';
import { type Config, loadConfig } from './config.ts';
import type { ServiceContext } from './context.ts';
import { createPublicKeyCache } from './crypto/public-key-cache.ts';
import { createSecretBox } from './crypto/secret-box.ts';
import { type Db, pingDatabase } from './db/database.ts';
import {
  authenticateDevice,
  authenticateDeviceBody,
  authenticateDeviceHead,
  type VerifiedHead,
} from './device-identity/device-auth-service.ts';
import { enrollDevice } from './device-identity/enrollment-service.ts';
import { createReenrollmentApprovalService } from './device-identity/reenrollment.ts';
import type { SignedHead } from './device-identity/request-signature.ts';
import { createStateTimer, type StateTimerOptions } from './device-state/state-timer.ts';
import { createDeviceExplainService } from './devices/device-explain-service.ts';
import { createDeviceService } from './devices/device-service.ts';
import { createIntelFeedService } from './intel/intel-feed-service.ts';
import { EMPTY_INTEL, type IntelSource } from './intel/intel-source.ts';
import { createStoredIntel } from './intel/stored-intel.ts';
import { createUpstreamScheduler } from './intel/upstream/scheduler.ts';
import { registerUpstreamMetrics } from './intel/upstream/upstream-metrics.ts';
import { createIntelUpstreamService } from './intel/upstream/upstream-service.ts';
import { createMdmService, type MdmService } from './mdm/mdm-service.ts';
import { createMetrics } from './metrics.ts';
import { createPkiService, type PkiOptions, type PkiService } from './pki/pki-service.ts';
import { createDeviceExportService } from './privacy/device-export.ts';
import type { DeviceRow } from './queries/devices.ts';
import { countDevicesByRisk } from './queries/devices.ts';
import { createReportService } from './reports/report-service.ts';
import { createRetentionJob } from './retention/retention-job.ts';
import { registerRetentionMetrics } from './retention/retention-metrics.ts';
import { type RetentionPolicy, retentionPolicyOf } from './retention/retention-settings.ts';
import { createSettingsService } from './settings/settings-service.ts';
import { createThreatService } from './threats/threat-service.ts';
import { createThreatTypeService } from './threats/threat-type-service.ts';

/**
 * Every service the routes call, built once by {@link createRuntime} (the composition root) and
 * handed to `buildApp`; routes never construct services. One instance per runtime, so two runtimes
 * in one process share nothing.
 */
export interface Services {
  /** Admin bearer tokens → principal (`Authorization` header). */
  readonly authenticateAdmin: (authorization: string | undefined) => ReturnType<typeof authenticateAdmin>;
  /** Signed device requests → device row, and enrollment (docs/agent-protocol.md). */
  readonly deviceIdentity: {
    readonly authenticate: (
      request: Parameters<typeof authenticateDevice>[1],
    ) => ReturnType<typeof authenticateDevice>;
    /** First half, before the body is read: device, key, signature, method, path, time. */
    readonly authenticateHead: (request: SignedHead) => Promise<VerifiedHead>;
    /** Second half, once the body is read: body digest and nonce. */
    readonly authenticateBody: (head: VerifiedHead, rawBody: Uint8Array) => Promise<DeviceRow>;
    readonly enroll: (
      request: Parameters<typeof enrollDevice>[1],
      body: Parameters<typeof enrollDevice>[2],
    ) => ReturnType<typeof enrollDevice>;
  };
  /** Readiness: resolves when the database answers. */
  readonly pingDatabase: () => Promise<void>;
  readonly tokens: ReturnType<typeof createTokenService>;
  readonly devices: ReturnType<typeof createDeviceService>;
  /** Admin approvals to re-enroll a device without its current key. */
  readonly reenrollmentApprovals: ReturnType<typeof createReenrollmentApprovalService>;
  /** Per-device export: everything held about one device (docs/privacy.md). */
  readonly deviceExport: ReturnType<typeof createDeviceExportService>;
  readonly explain: ReturnType<typeof createDeviceExplainService>;
  readonly threats: ReturnType<typeof createThreatService>;
  readonly threatTypes: ReturnType<typeof createThreatTypeService>;
  readonly compliancePolicies: ReturnType<typeof createCompliancePolicyService>;
  readonly intelFeeds: ReturnType<typeof createIntelFeedService>;
  readonly intelUpstreams: ReturnType<typeof createIntelUpstreamService>;
  readonly settings: ReturnType<typeof createSettingsService>;
  readonly auditLog: ReturnType<typeof createAuditLogService>;
  readonly reports: ReturnType<typeof createReportService>;
  readonly attestation: ReturnType<typeof createAttestationService>;
  /** Conditional access (forward-auth, decisions, remediation) and its admin API. */
  readonly access: Awaited<ReturnType<typeof createAccessSystem>>;
  readonly accessAdmin: ReturnType<typeof createAccessAdminService>;
  /** Per-tenant proxy credentials (what binds a proxy's checks to one tenant). */
  readonly proxyCredentials: ReturnType<typeof createProxyCredentialService>;
  /** The tenants' published revocation data: CRLs and signed certificate status. */
  readonly pki: PkiService;
  /** Apple MDM webhook (NanoMDM / MicroMDM command results) and its admin settings. */
  readonly mdm: MdmService;
}

/** Builds the service context, every service and the app over an open, migrated database. */
export async function createRuntime(params: {
  readonly db: Db;
  readonly secretKey: Uint8Array;
  /** Timeouts and rate limits are optional: absent, Node's timeouts apply and nothing is rate limited. */
  readonly config: Pick<Config, 'bodyLimit' | 'trustedProxies'> & Partial<ServerLimits>;
  readonly logger?: Logger;
  readonly now?: () => Date;
  /** Threat intelligence for assessments; none by default. */
  readonly intel?: IntelSource;
  /** Conditional-access settings (public URL, proxy secret, LISTEN/NOTIFY URL). */
  readonly access?: AccessOptions;
  /** Hardware attestation roots, revocation list and settings; none: every chain is refused. */
  readonly attestation?: { readonly trust: AttestationTrust; readonly settings?: AttestationSettings };
  /** Signed audit checkpoints (file and interval); none: verification checks the chain alone. */
  readonly auditCheckpoints?: AuditCheckpointOptions;
  /** SQLite: how often to look for changes other processes made (default 250 ms; 0: never). */
  readonly clusterPollMs?: number;
  /** CRL and certificate status periods (defaults: one hour, five minutes). */
  readonly pki?: PkiOptions;
  /** The state timer's schedule and batch (default: 60 s, 500); started by the caller (`serve`). */
  readonly stateTimer?: StateTimerOptions;
  /** How often the intel upstream scheduler looks for due feeds (default 60 s; 0: never); started by `serve`. */
  readonly intelFetchTickMs?: number;
  /** Per-request deadline of upstream fetches (default 30 s). */
  readonly intelFetchTimeoutMs?: number;
  /** Retention defaults, bounds, schedule and batch (default: the config schema's defaults, hourly, 1000). */
  readonly retention?: {
    readonly policy?: RetentionPolicy;
    readonly intervalMs?: number;
    readonly batchSize?: number;
  };
  /** Private addresses (CIDRs) intel upstreams may be at (`upstreamAllowPrivate`; default none). */
  readonly upstreamAllowPrivate?: readonly string[];
}) {
  const now = params.now ?? (() => new Date());
  const logger = params.logger ?? pino({ level: 'silent' });
  const metrics = createMetrics(() => countDevicesByRisk(params.db.db));
  // Stored feeds (API uploads, `riskgate intel import`) layered over the start-up intel, kept at
  // the database's version by the cluster sync and by every report (docs/cluster.md).
  const intel = createStoredIntel(params.db.db, params.intel ?? EMPTY_INTEL, logger);
  let access: AccessSystem | undefined;
  const sync = createClusterSync({
    db: params.db,
    logger,
    handlers: {
      intel: (version) => intel.ensure(version),
      config: (tenantId) => access?.applyClusterChange('config', tenantId),
      devices: (tenantId) => access?.applyClusterChange('devices', tenantId),
    },
    ...(params.clusterPollMs === undefined ? {} : { pollMs: params.clusterPollMs }),
  });
  access = await createAccessSystem(
    {
      db: params.db,
      secretKey: params.secretKey,
      registry: metrics.registry,
      logger,
      now,
      onClusterVersion: sync.received,
      onClusterReconnect: () => {
        sync
          .checkAll()
          .catch((error: unknown) => logger.warn({ err: error }, 'cluster version check failed'));
      },
      onClose: () => sync.close(),
    },
    { trustedProxies: params.config.trustedProxies, ...params.access },
  );
  await intel.reload();
  await sync.checkAll();
  const ctx: ServiceContext = {
    db: params.db,
    box: createSecretBox(params.secretKey),
    now,
    logger,
    devicesChanged: access.devicesChanged,
  };
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
  // Built here, started by the caller (`serve`): tests run rounds by hand.
  const auditCheckpoints =
    params.auditCheckpoints === undefined ? undefined : createAuditCheckpointer(ctx, params.auditCheckpoints);
  // Imported device keys, reused across this runtime's signed requests (keyed by the key material).
  const publicKeyOf = createPublicKeyCache();
  // Built here, started by `serve`: tests run rounds by hand with the injected clock.
  const stateTimer = createStateTimer(ctx, params.stateTimer ?? { intervalMs: 60_000, batchSize: 500 });
  const onFetch = registerUpstreamMetrics(metrics.registry, params.db.db);
  const intelUpstreams = createIntelUpstreamService(ctx, intel, {
    onFetch,
    ...(params.intelFetchTimeoutMs !== undefined ? { timeoutMs: params.intelFetchTimeoutMs } : {}),
    ...(params.upstreamAllowPrivate !== undefined ? { allowPrivate: params.upstreamAllowPrivate } : {}),
  });
  // Built here, started by `serve`: tests fetch by hand.
  const intelScheduler = createUpstreamScheduler(intelUpstreams, logger, params.intelFetchTickMs ?? 60_000);
  const retentionPolicy = params.retention?.policy ?? retentionPolicyOf(loadConfig({}));
  // Built here, started by `serve`: tests and `riskgate retention run` run it by hand.
  const retention = createRetentionJob(ctx, {
    policy: retentionPolicy,
    intervalMs: params.retention?.intervalMs ?? 3_600_000,
    batchSize: params.retention?.batchSize ?? 1000,
    onOldest: registerRetentionMetrics(metrics.registry),
    // Audit entries are pruned only up to a signed checkpoint: without checkpoints, never.
    ...(auditCheckpoints === undefined
      ? {}
      : {
          pruneAudit: (tenantId: string, cutoff: string, dryRun: boolean) =>
            pruneAuditLog(ctx, {
              tenantId,
              cutoff,
              dryRun,
              checkpointFile: auditCheckpoints.file,
              batchSize: params.retention?.batchSize ?? 1000,
            }),
        }),
  });
  const services: Services = {
    authenticateAdmin: (authorization) => authenticateAdmin(ctx, authorization),
    deviceIdentity: {
      authenticate: (request) => authenticateDevice(ctx, request, publicKeyOf),
      authenticateHead: (request) => authenticateDeviceHead(ctx, request, publicKeyOf),
      authenticateBody: (head, rawBody) => authenticateDeviceBody(ctx, head, rawBody),
      enroll: (request, body) => enrollDevice(ctx, request, body),
    },
    pingDatabase: () => pingDatabase(params.db.db),
    tokens: createTokenService(ctx),
    devices: createDeviceService(ctx),
    reenrollmentApprovals: createReenrollmentApprovalService(ctx),
    deviceExport: createDeviceExportService(ctx),
    explain: createDeviceExplainService(ctx),
    threats: createThreatService(ctx, { intel }),
    threatTypes: createThreatTypeService(ctx),
    compliancePolicies: createCompliancePolicyService(ctx),
    intelFeeds: createIntelFeedService(ctx, intel),
    intelUpstreams,
    settings: createSettingsService(ctx, { retention: retentionPolicy }),
    auditLog: createAuditLogService(ctx, { checkpointFile: auditCheckpoints?.file }),
    reports,
    attestation,
    access,
    accessAdmin: createAccessAdminService(ctx, { configChanged: access.configChanged }),
    proxyCredentials: createProxyCredentialService(ctx, { configChanged: access.configChanged }),
    pki: createPkiService(ctx, params.pki),
    mdm: createMdmService(ctx, { reports }),
  };
  const app = await buildApp({ logger, config: params.config, metrics, services });
  return {
    ctx,
    metrics,
    services,
    reports,
    app,
    access,
    intel,
    attestation,
    auditCheckpoints,
    stateTimer,
    intelScheduler,
    retention,
  };
}
