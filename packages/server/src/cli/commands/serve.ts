import { parseArgs } from 'node:util';
import pino from 'pino';
import { accessOptionsForServe, startGatewayForServe } from '../../access/serve-gateway.ts';
import { loadAttestationFromConfig } from '../../attestation/attestation-config.ts';
import { auditCheckpointFileOf, gatewayRoutesOf, loadConfig, resolveSecretKey } from '../../config.ts';
import { seedDemoPolicies } from '../../demo/demo-policies.ts';
import { ensureDemoTenant } from '../../demo/demo-service.ts';
import { defaultDatasetsDir, loadIntelSource } from '../../intel/intel-source.ts';
import { deleteExpiredDeviceNonces } from '../../queries/device-nonces.ts';
import { retentionPolicyOf } from '../../retention/retention-settings.ts';
import { createRuntime } from '../../runtime.ts';
import type { Command } from '../command.ts';
import { describeDatabase, openConfiguredDatabase } from '../open-database.ts';

/**
 * Rate limits of `serve --demo` where neither the settings file nor the environment sets them:
 * the demo enrollment token is meant for `riskgate-agent simulate` fleets (README: 1000 devices
 * from one address), which the production defaults (30 enrollments per minute per address)
 * would refuse. Loopback is not exempted: behind a reverse proxy every request comes from it.
 */
export const DEMO_RATE_LIMITS = { rateLimitEnrollPerIp: 2000, rateLimitDevicePerIp: 20000 } as const;

const HELP = `usage: riskgate serve [--demo] [--gateway-config <routes.yaml>]

Runs the server until SIGINT/SIGTERM. Settings come from RISKGATE_* environment variables or the
RISKGATE_CONFIG file (README: Settings).

options:
  --demo                     create a demo tenant (once) and print its admin and enrollment tokens;
                             without RISKGATE_SECRET_KEY a key is generated in the data folder; the
                             per-address limits are raised for fleet simulation unless set
                             (RISKGATE_RATE_LIMIT_ENROLL_PER_IP ${DEMO_RATE_LIMITS.rateLimitEnrollPerIp}, RISKGATE_RATE_LIMIT_DEVICE_PER_IP ${DEMO_RATE_LIMITS.rateLimitDevicePerIp})
  --gateway-config FILE      also run the built-in gateway with the routes of FILE
  -h, --help                 print this help
exit status: 0 stopped by a signal, 1 startup error
`;

/** `riskgate serve [--demo]`: runs the server until SIGINT/SIGTERM. */
export const command: Command = {
  summary:
    'run the server (--demo: create a demo tenant and print tokens; --gateway-config: also run the built-in gateway)',
  usage: 'riskgate serve [--demo] [--gateway-config <routes.yaml>]',
  async run(args, io) {
    const { values } = parseArgs({
      args: [...args],
      options: {
        demo: { type: 'boolean', default: false },
        'gateway-config': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    });
    if (values.help === true) {
      io.stdout.write(HELP);
      return 0;
    }
    const demo = values.demo === true;
    const config = loadConfig(
      io.env,
      { gatewayConfig: values['gateway-config'] },
      demo ? DEMO_RATE_LIMITS : {},
    );
    const logger = pino({ level: config.logLevel, base: { service: 'riskgate' } });
    const secretKey = resolveSecretKey(config, {
      allowGenerate: demo,
      onGenerated: (path, created) =>
        logger.warn(
          { path },
          created
            ? 'RISKGATE_SECRET_KEY is not set: generated a secret key and stored it (mode 0600); set RISKGATE_SECRET_KEY in production'
            : 'RISKGATE_SECRET_KEY is not set: using the key stored in the data folder',
        ),
    });
    const db = await openConfiguredDatabase(config, (error) =>
      logger.warn({ err: error }, 'PostgreSQL connection lost; the pool reconnects'),
    );
    logger.info({ database: describeDatabase(config) }, 'database ready');
    logger.info({ rateLimits: describeRateLimits(config) }, 'rate limits');
    const intelPaths = config.intelPaths.length > 0 ? config.intelPaths : [defaultDatasetsDir(io.env)];
    const started = performance.now();
    const intel = await loadIntelSource(intelPaths, logger);
    logger.info(
      {
        paths: intelPaths,
        feeds: intel.feeds.length,
        skipped: intel.files.filter((file) => file.status !== 'loaded').length,
        ms: Math.round(performance.now() - started),
      },
      'intel loaded',
    );
    const access = accessOptionsForServe(config);
    const attestation = await loadAttestationFromConfig(config, io.env, logger);
    attestation.trust.startRefresh();
    const runtime = await createRuntime({
      db,
      secretKey,
      config,
      logger,
      intel,
      access,
      attestation,
      auditCheckpoints: {
        file: auditCheckpointFileOf(config),
        intervalMs: config.auditCheckpointInterval * 1000,
      },
      pki: { crlPeriodSeconds: config.crlPeriod, statusPeriodSeconds: config.certStatusPeriod },
      stateTimer: { intervalMs: config.stateTimerInterval * 1000, batchSize: config.stateTimerBatch },
      intelFetchTickMs: config.intelFetchTick * 1000,
      retention: {
        policy: retentionPolicyOf(config),
        intervalMs: config.retentionInterval * 1000,
        batchSize: config.retentionBatch,
      },
      upstreamAllowPrivate: config.upstreamAllowPrivate,
    });
    const { app, ctx } = runtime;

    // Delivered outbox rows and the other kinds are deleted by the retention job (runtime.retention).
    const sweeper = setInterval(() => {
      deleteExpiredDeviceNonces(db.db, new Date().toISOString()).catch((error: unknown) =>
        logger.warn({ err: error }, 'nonce cleanup failed'),
      );
    }, 60_000);
    sweeper.unref();

    const address = await app.listen({ host: config.host, port: config.port });
    runtime.auditCheckpoints?.start();
    runtime.stateTimer.start();
    runtime.retention.start();
    runtime.intelScheduler.start();
    const gatewayRoutes = gatewayRoutesOf(config);
    const gateway =
      gatewayRoutes === undefined
        ? undefined
        : await startGatewayForServe({
            routes: gatewayRoutes,
            settings: config,
            host: config.host,
            db: db.db,
            enforcer: runtime.access.decider,
            logger,
          });
    if (gateway !== undefined) logger.info({ port: gateway.address.port }, 'built-in gateway listening');
    const shownHost = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
    const url = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${new URL(address).port}/`;
    if (demo) {
      const credentials = await ensureDemoTenant(ctx);
      if (credentials.created) {
        credentials.notes.push(...(await seedDemoPolicies(app, credentials.ownerToken)));
      }
      io.stdout.write(
        [
          '',
          'Riskgate is running (demo mode).',
          `  Console:          ${url}`,
          `  API docs:         ${url}docs`,
          `  Tenant:           ${credentials.tenantId}`,
          `  Admin token:      ${credentials.ownerToken}`,
          `  Enrollment token: ${credentials.enrollmentToken}`,
          `  Rate limits:      ${describeRateLimits(config)}`,
          ...credentials.notes.map((note) => `  Note: ${note}`),
          '',
          `Try: curl -H "Authorization: Bearer ${credentials.ownerToken}" ${url}v1/admin/devices`,
          '',
        ].join('\n'),
      );
    } else {
      io.stdout.write(`Riskgate is listening on ${url}\n`);
    }

    return new Promise<number>((resolve) => {
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        logger.info({ signal }, 'shutting down');
        clearInterval(sweeper);
        Promise.resolve(gateway?.close())
          .then(() => runtime.stateTimer.stop())
          .then(() => runtime.retention.stop())
          .then(() => runtime.intelScheduler.stop())
          .then(() => app.close())
          // After the last request: the final checkpoint covers every entry written.
          .then(() => runtime.auditCheckpoints?.stop())
          .then(() => db.close())
          .then(
            () => resolve(0),
            (error: unknown) => {
              logger.error({ err: error }, 'shutdown failed');
              resolve(1);
            },
          );
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    });
  },
};

/** The effective per-address limits, as printed at start (0 = off). */
export function describeRateLimits(config: {
  rateLimitWindow: number;
  rateLimitEnrollPerIp: number;
  rateLimitDevicePerIp: number;
}): string {
  const of = (n: number) => (n === 0 ? 'off' : String(n));
  return `enrollments ${of(config.rateLimitEnrollPerIp)}, device requests ${of(config.rateLimitDevicePerIp)} per address per ${config.rateLimitWindow}s`;
}
