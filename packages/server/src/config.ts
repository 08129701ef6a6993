import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { GatewayConfigSchema, type GatewayRoute, parseGatewayConfig } from './gateway/schema.ts';

/** The server configuration schema: one source of truth for every setting and its default. */
export const ConfigSchema = Type.Object(
  {
    host: Type.String({ minLength: 1, default: '127.0.0.1' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
    dataDir: Type.String({ minLength: 1, default: './data' }),
    databaseUrl: Type.Optional(Type.String({ pattern: '^(postgres|postgresql)://' })),
    /** 32-byte key (base64 or 64 hex chars) that encrypts device CA private keys. No default. */
    secretKey: Type.Optional(Type.String({ minLength: 32 })),
    intelPaths: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
    trustedProxies: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
    logLevel: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
      { default: 'info' },
    ),
    // A full snapshot may list thousands of apps; 4 MiB covers the engine's limits in practice.
    bodyLimit: Type.Integer({ minimum: 1024, maximum: 64 * 1024 * 1024, default: 4 * 1024 * 1024 }),
    // Limits on what a client may hold open or send (issue 11.7). Seconds; see README.
    /** Seconds to receive a request's headers (Node `headersTimeout`; slowloris). */
    headersTimeout: Type.Integer({ minimum: 1, maximum: 600, default: 10 }),
    /** Seconds to receive a whole request, body included (Node `requestTimeout`). */
    requestTimeout: Type.Integer({ minimum: 1, maximum: 3600, default: 30 }),
    /** Seconds an idle keep-alive connection stays open. */
    keepAliveTimeout: Type.Integer({ minimum: 1, maximum: 600, default: 5 }),
    /** Seconds of socket inactivity before the connection is closed (0: never). */
    connectionTimeout: Type.Integer({ minimum: 0, maximum: 3600, default: 120 }),
    // Rate limits: requests per `rateLimitWindow` seconds for one key; 0 turns a limit off.
    rateLimitWindow: Type.Integer({ minimum: 1, maximum: 3600, default: 60 }),
    /** Enrollments per client address. */
    rateLimitEnrollPerIp: Type.Integer({ minimum: 0, default: 30 }),
    /** Device API requests per client address, before the signature is checked. */
    rateLimitDevicePerIp: Type.Integer({ minimum: 0, default: 3000 }),
    /** Device API requests per authenticated device. */
    rateLimitDevicePerDevice: Type.Integer({ minimum: 0, default: 120 }),
    /** Admin API requests per client address, before the token is checked. */
    rateLimitAdminPerIp: Type.Integer({ minimum: 0, default: 1200 }),
    /** Admin API requests per authenticated API token. */
    rateLimitAdminPerToken: Type.Integer({ minimum: 0, default: 600 }),
    /** Directory of trusted attestation root PEMs (default: `<datasets>/google-hardware-attestation-roots`). */
    attestationRoots: Type.Optional(Type.String({ minLength: 1 })),
    /**
     * Attestation status list: a file path, or an http(s) URL refreshed on a schedule (e.g.
     * https://android.googleapis.com/attestation/status). Default: the dataset snapshot.
     */
    attestationRevocations: Type.Optional(Type.String({ minLength: 1 })),
    /** Seconds an attestation challenge stays valid. */
    attestationChallengeTtl: Type.Integer({ minimum: 10, maximum: 3600, default: 300 }),
    /** Seconds a verified attestation stands for reports that carry no chain. */
    attestationMaxAge: Type.Integer({ minimum: 0, maximum: 30 * 86_400, default: 86_400 }),
    /** Append-only JSON-lines file of signed audit checkpoints (default: `<dataDir>/audit-checkpoints.jsonl`). */
    auditCheckpointFile: Type.Optional(Type.String({ minLength: 1 })),
    /** Seconds between audit checkpoint rounds (only chains that moved are signed); 0: only at shutdown. */
    auditCheckpointInterval: Type.Integer({ minimum: 0, maximum: 86_400, default: 60 }),
    /** Days delivered outbox rows are kept before the hourly sweep deletes them (undelivered rows stay). */
    outboxRetentionDays: Type.Integer({ minimum: 1, maximum: 3650, default: 30 }),
    /**
     * Retention defaults per kind, in days (docs/retention.md): each tenant may change them in
     * `PUT /v1/admin/settings/retention` within the bounds of `retention/retention-settings.ts`;
     * `outboxRetentionDays` is both the default and the upper bound for delivered outbox rows.
     */
    retentionSnapshotDays: Type.Integer({ minimum: 1, maximum: 3650, default: 30 }),
    retentionReportDays: Type.Integer({ minimum: 1, maximum: 3650, default: 90 }),
    retentionHistoryDays: Type.Integer({ minimum: 1, maximum: 3650, default: 365 }),
    retentionThreatDays: Type.Integer({ minimum: 1, maximum: 3650, default: 180 }),
    retentionAccessLogDays: Type.Integer({ minimum: 1, maximum: 3650, default: 90 }),
    /** Audit entries are kept longer: at least 90 days, and only up to a signed checkpoint. */
    auditRetentionDays: Type.Integer({ minimum: 90, maximum: 3650, default: 400 }),
    /** Seconds between retention runs (`retention/retention-job.ts`); 0: only `riskgate retention run`. */
    retentionInterval: Type.Integer({ minimum: 0, maximum: 7 * 86_400, default: 3600 }),
    /** Rows one retention statement deletes before it yields to other work. */
    retentionBatch: Type.Integer({ minimum: 1, maximum: 100_000, default: 1000 }),
    /**
     * Seconds between state timer rounds (devices whose state changes with time: unresponsive,
     * grace period over, patch too old; `device-state/state-timer.ts`); 0: the timer does not run.
     */
    stateTimerInterval: Type.Integer({ minimum: 0, maximum: 86_400, default: 60 }),
    /**
     * Seconds between rounds of the intel upstream scheduler (each feed with an upstream is fetched
     * at its own interval; docs/intel.md); 0: feeds are fetched only on demand.
     */
    intelFetchTick: Type.Integer({ minimum: 0, maximum: 86_400, default: 60 }),
    /**
     * Private addresses (CIDRs or single addresses, comma-separated in the environment) intel
     * upstreams may be at: on-premises feeds. Default none: loopback, link-local, RFC 1918, ULA,
     * CGNAT, multicast and reserved addresses are refused (SSRF; docs/intel.md).
     */
    upstreamAllowPrivate: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
    /** Devices the state timer re-rates per transaction. */
    stateTimerBatch: Type.Integer({ minimum: 1, maximum: 10_000, default: 500 }),
    /** Absolute URL users reach Riskgate at, used in remediation links (default: the listen address). */
    publicUrl: Type.Optional(Type.String({ pattern: '^https?://[^\\s]+$', maxLength: 2048 })),
    /** Shared secret proxies send in `X-Riskgate-Proxy-Secret`, at least 24 characters. No default. */
    proxySecret: Type.Optional(Type.String({ minLength: 24, maxLength: 512 })),
    /** The one tenant the shared secret and trusted proxy addresses are bound to (docs/conditional-access.md §3). */
    proxyTenant: Type.Optional(Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_-]+$' })),
    /** The proxy behind the shared secret / trusted addresses: which one identity header is read. */
    proxyIntegration: Type.Optional(
      Type.Union([
        Type.Literal('nginx'),
        Type.Literal('traefik'),
        Type.Literal('caddy'),
        Type.Literal('envoy'),
      ]),
    ),
    /** Seconds from a tenant CRL's thisUpdate to its nextUpdate (`GET /v1/pki/{tenantId}/crl`; docs/proxies.md). */
    crlPeriod: Type.Integer({ minimum: 60, maximum: 7 * 86_400, default: 3600 }),
    /** Seconds a signed certificate status stands (`GET /v1/pki/{tenantId}/status/…`). */
    certStatusPeriod: Type.Integer({ minimum: 10, maximum: 86_400, default: 300 }),
    /** Built-in gateway: listen port. */
    gatewayPort: Type.Integer({ minimum: 0, maximum: 65535, default: 8443 }),
    /** Built-in gateway: its TLS certificate and key, PEM files. */
    gatewayCert: Type.Optional(Type.String({ minLength: 1 })),
    gatewayKey: Type.Optional(Type.String({ minLength: 1 })),
    /** Built-in gateway: a JSON or YAML file holding its `routes` (`serve --gateway-config` overrides). */
    gatewayConfig: Type.Optional(Type.String({ minLength: 1 })),
    /** Built-in gateway routes, inline in the settings file or read from `gatewayConfig`. */
    gateway: Type.Optional(GatewayConfigSchema),
  },
  { additionalProperties: false },
);

export type Config = Static<typeof ConfigSchema>;

/** A setting that failed validation; the message names the setting. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Environment variable → config key. */
export const ENV_KEYS: Readonly<Record<string, keyof Config>> = {
  RISKGATE_HOST: 'host',
  RISKGATE_PORT: 'port',
  RISKGATE_DATA_DIR: 'dataDir',
  DATABASE_URL: 'databaseUrl',
  RISKGATE_SECRET_KEY: 'secretKey',
  RISKGATE_INTEL_PATHS: 'intelPaths',
  RISKGATE_TRUSTED_PROXIES: 'trustedProxies',
  RISKGATE_LOG_LEVEL: 'logLevel',
  RISKGATE_BODY_LIMIT: 'bodyLimit',
  RISKGATE_ATTESTATION_ROOTS: 'attestationRoots',
  RISKGATE_ATTESTATION_REVOCATIONS: 'attestationRevocations',
  RISKGATE_ATTESTATION_CHALLENGE_TTL: 'attestationChallengeTtl',
  RISKGATE_ATTESTATION_MAX_AGE: 'attestationMaxAge',
  RISKGATE_HEADERS_TIMEOUT: 'headersTimeout',
  RISKGATE_REQUEST_TIMEOUT: 'requestTimeout',
  RISKGATE_KEEP_ALIVE_TIMEOUT: 'keepAliveTimeout',
  RISKGATE_CONNECTION_TIMEOUT: 'connectionTimeout',
  RISKGATE_RATE_LIMIT_WINDOW: 'rateLimitWindow',
  RISKGATE_RATE_LIMIT_ENROLL_PER_IP: 'rateLimitEnrollPerIp',
  RISKGATE_RATE_LIMIT_DEVICE_PER_IP: 'rateLimitDevicePerIp',
  RISKGATE_RATE_LIMIT_DEVICE_PER_DEVICE: 'rateLimitDevicePerDevice',
  RISKGATE_RATE_LIMIT_ADMIN_PER_IP: 'rateLimitAdminPerIp',
  RISKGATE_RATE_LIMIT_ADMIN_PER_TOKEN: 'rateLimitAdminPerToken',
  RISKGATE_AUDIT_CHECKPOINT_FILE: 'auditCheckpointFile',
  RISKGATE_AUDIT_CHECKPOINT_INTERVAL: 'auditCheckpointInterval',
  RISKGATE_OUTBOX_RETENTION_DAYS: 'outboxRetentionDays',
  RISKGATE_RETENTION_SNAPSHOT_DAYS: 'retentionSnapshotDays',
  RISKGATE_RETENTION_REPORT_DAYS: 'retentionReportDays',
  RISKGATE_RETENTION_HISTORY_DAYS: 'retentionHistoryDays',
  RISKGATE_RETENTION_THREAT_DAYS: 'retentionThreatDays',
  RISKGATE_RETENTION_ACCESS_LOG_DAYS: 'retentionAccessLogDays',
  RISKGATE_AUDIT_RETENTION_DAYS: 'auditRetentionDays',
  RISKGATE_RETENTION_INTERVAL: 'retentionInterval',
  RISKGATE_RETENTION_BATCH: 'retentionBatch',
  RISKGATE_STATE_TIMER_INTERVAL: 'stateTimerInterval',
  RISKGATE_STATE_TIMER_BATCH: 'stateTimerBatch',
  RISKGATE_INTEL_FETCH_TICK: 'intelFetchTick',
  RISKGATE_UPSTREAM_ALLOW_PRIVATE: 'upstreamAllowPrivate',
  RISKGATE_PUBLIC_URL: 'publicUrl',
  RISKGATE_PROXY_SECRET: 'proxySecret',
  RISKGATE_PROXY_TENANT: 'proxyTenant',
  RISKGATE_PROXY_INTEGRATION: 'proxyIntegration',
  RISKGATE_CRL_PERIOD: 'crlPeriod',
  RISKGATE_CERT_STATUS_PERIOD: 'certStatusPeriod',
  RISKGATE_GATEWAY_PORT: 'gatewayPort',
  RISKGATE_GATEWAY_CERT: 'gatewayCert',
  RISKGATE_GATEWAY_KEY: 'gatewayKey',
  RISKGATE_GATEWAY_CONFIG: 'gatewayConfig',
};

const LIST_KEYS: ReadonlySet<keyof Config> = new Set([
  'intelPaths',
  'trustedProxies',
  'upstreamAllowPrivate',
]);
const INT_KEYS: ReadonlySet<keyof Config> = new Set([
  'port',
  'bodyLimit',
  'attestationChallengeTtl',
  'attestationMaxAge',
  'headersTimeout',
  'requestTimeout',
  'keepAliveTimeout',
  'connectionTimeout',
  'rateLimitWindow',
  'rateLimitEnrollPerIp',
  'rateLimitDevicePerIp',
  'rateLimitDevicePerDevice',
  'rateLimitAdminPerIp',
  'rateLimitAdminPerToken',
  'auditCheckpointInterval',
  'outboxRetentionDays',
  'retentionSnapshotDays',
  'retentionReportDays',
  'retentionHistoryDays',
  'retentionThreatDays',
  'retentionAccessLogDays',
  'auditRetentionDays',
  'retentionInterval',
  'retentionBatch',
  'crlPeriod',
  'certStatusPeriod',
  'stateTimerInterval',
  'stateTimerBatch',
  'intelFetchTick',
  'gatewayPort',
]);

function envNameOf(key: string): string {
  return Object.entries(ENV_KEYS).find(([, value]) => value === key)?.[0] ?? key;
}

/** Reads a settings file (`.json`, or YAML otherwise); errors name the setting that named it. */
function readSettingsFile(path: string, setting: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`${setting}: cannot read ${path}: ${(error as Error).message}`);
  }
  const json = extname(path) === '.json';
  let parsed: unknown;
  try {
    parsed = json ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ConfigError(
      `${setting}: ${path} is not valid ${json ? 'JSON' : 'YAML'}: ${(error as Error).message}`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`${setting}: ${path} must hold an object of settings`);
  }
  return parsed as Record<string, unknown>;
}

function fromEnv(env: Readonly<Record<string, string | undefined>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(ENV_KEYS)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    if (LIST_KEYS.has(key)) {
      out[key] = raw
        .split(key === 'intelPaths' ? /[,:]/ : ',')
        .map((part) => part.trim())
        .filter((part) => part.length > 0);
    } else if (INT_KEYS.has(key)) {
      out[key] = /^\d+$/.test(raw) ? Number(raw) : raw;
    } else {
      out[key] = raw;
    }
  }
  return out;
}

/**
 * Parses the configuration once, at start, with one schema ({@link ConfigSchema}): defaults ← file
 * named by `RISKGATE_CONFIG` (JSON or YAML) ← environment ← `overrides` (command-line flags), then
 * the gateway routes from the file named by `gatewayConfig`. Throws {@link ConfigError} naming the
 * first wrong setting.
 */
export function loadConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
  overrides: Partial<Record<keyof Config, unknown>> = {},
  defaults: Partial<Record<keyof Config, unknown>> = {},
): Config {
  const file = env.RISKGATE_CONFIG ? readSettingsFile(env.RISKGATE_CONFIG, 'RISKGATE_CONFIG') : {};
  // `defaults` replace the schema's defaults only: the settings file, the environment and
  // `overrides` still win (serve --demo uses it for its fleet-simulation rate limits).
  const layered: Record<string, unknown> = {
    ...definedOf(defaults),
    ...file,
    ...fromEnv(env),
    ...definedOf(overrides),
  };
  const gatewayFile = typeof layered.gatewayConfig === 'string' ? layered.gatewayConfig : undefined;
  if (gatewayFile !== undefined) layered.gateway = readSettingsFile(gatewayFile, 'RISKGATE_GATEWAY_CONFIG');
  const merged = Value.Default(ConfigSchema, layered);
  const firstError = Value.Errors(ConfigSchema, merged).First();
  if (firstError !== undefined) {
    const key = firstError.path.split('/')[1] ?? '';
    const where = firstError.path.slice(1);
    const name =
      key === ''
        ? 'config'
        : key === 'gateway' && gatewayFile !== undefined
          ? `RISKGATE_GATEWAY_CONFIG (${gatewayFile}: ${where})`
          : `${envNameOf(key)} (${where})`;
    throw new ConfigError(`invalid setting ${name}: ${firstError.message}`);
  }
  const config = merged as Config;
  if (config.secretKey !== undefined) decodeSecretKey(config.secretKey);
  gatewayRoutesOf(config);
  if (
    (config.proxySecret !== undefined || config.proxyTenant !== undefined) &&
    (config.proxyTenant === undefined || config.proxyIntegration === undefined)
  ) {
    // One tenant per enforcement request: a secret any tenant's proxy could send would let any
    // tenant's devices through any tenant's proxy.
    throw new ConfigError(
      'RISKGATE_PROXY_SECRET / RISKGATE_PROXY_TENANT need both RISKGATE_PROXY_TENANT (the one tenant the shared secret and trusted proxy addresses are bound to) and RISKGATE_PROXY_INTEGRATION (nginx, traefik, caddy or envoy); or drop RISKGATE_PROXY_SECRET and give each tenant its own proxy credential (POST /v1/admin/proxy-credentials)',
    );
  }
  return config;
}

function definedOf(values: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined));
}

/** The built-in gateway's routes from the settings, or `undefined` when none are configured. */
export function gatewayRoutesOf(
  config: Pick<Config, 'gateway' | 'gatewayConfig'>,
): GatewayRoute[] | undefined {
  if (config.gateway === undefined) return undefined;
  try {
    return parseGatewayConfig(config.gateway);
  } catch (error) {
    const setting =
      config.gatewayConfig === undefined ? 'gateway' : `RISKGATE_GATEWAY_CONFIG (${config.gatewayConfig})`;
    throw new ConfigError(`invalid setting ${setting}: ${(error as Error).message}`);
  }
}

/** Decodes a 32-byte key given as 64 hex chars or base64/base64url. */
export function decodeSecretKey(text: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed)
    ? Buffer.from(trimmed, 'hex')
    : Buffer.from(trimmed, 'base64');
  if (key.length !== 32) {
    throw new ConfigError('invalid setting RISKGATE_SECRET_KEY (secretKey): must be 32 bytes, hex or base64');
  }
  return key;
}

/** Where the SQLite database lives when no `DATABASE_URL` is set. */
export function sqlitePathOf(config: Config): string {
  return join(resolve(config.dataDir), 'riskgate.db');
}

/** Where signed audit checkpoints are appended. */
export function auditCheckpointFileOf(config: Config): string {
  return resolve(config.auditCheckpointFile ?? join(config.dataDir, 'audit-checkpoints.jsonl'));
}

/**
 * Returns the secret key. When none is configured: in demo / first-start mode, reads or creates
 * `<dataDir>/secret.key` (mode 0600) and reports that through `onGenerated`; otherwise throws.
 */
export function resolveSecretKey(
  config: Config,
  options: {
    readonly allowGenerate: boolean;
    readonly onGenerated?: (path: string, created: boolean) => void;
  },
): Buffer {
  if (config.secretKey !== undefined) return decodeSecretKey(config.secretKey);
  const path = join(resolve(config.dataDir), 'secret.key');
  if (existsSync(path)) {
    const key = decodeSecretKey(readFileSync(path, 'utf8'));
    options.onGenerated?.(path, false);
    return key;
  }
  if (!options.allowGenerate) {
    throw new ConfigError(
      'missing setting RISKGATE_SECRET_KEY (secretKey): required (32 bytes, hex or base64); `riskgate serve --demo` generates one',
    );
  }
  mkdirSync(resolve(config.dataDir), { recursive: true });
  const key = randomBytes(32);
  writeFileSync(path, `${key.toString('hex')}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  options.onGenerated?.(path, true);
  return key;
}
