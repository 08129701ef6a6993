import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';

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
  },
  { additionalProperties: false },
);

export type Config = Static<typeof ConfigSchema>;

/** A setting that failed validation; the message names the setting. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Environment variable → config key. */
const ENV_KEYS: Readonly<Record<string, keyof Config>> = {
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
  RISKGATE_AUDIT_CHECKPOINT_FILE: 'auditCheckpointFile',
  RISKGATE_AUDIT_CHECKPOINT_INTERVAL: 'auditCheckpointInterval',
};

const LIST_KEYS: ReadonlySet<keyof Config> = new Set(['intelPaths', 'trustedProxies']);
const INT_KEYS: ReadonlySet<keyof Config> = new Set([
  'port',
  'bodyLimit',
  'attestationChallengeTtl',
  'attestationMaxAge',
  'auditCheckpointInterval',
]);

function envNameOf(key: string): string {
  return Object.entries(ENV_KEYS).find(([, value]) => value === key)?.[0] ?? key;
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`RISKGATE_CONFIG: cannot read ${path}: ${(error as Error).message}`);
  }
  const parsed: unknown = extname(path) === '.json' ? JSON.parse(text) : parseYaml(text);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`RISKGATE_CONFIG: ${path} must hold an object of settings`);
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
 * Parses the configuration once, at start: defaults ← file named by `RISKGATE_CONFIG` (JSON or
 * YAML) ← environment. Throws {@link ConfigError} naming the first wrong setting.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): Config {
  const file = env.RISKGATE_CONFIG ? readConfigFile(env.RISKGATE_CONFIG) : {};
  const merged = Value.Default(ConfigSchema, { ...file, ...fromEnv(env) });
  const firstError = Value.Errors(ConfigSchema, merged).First();
  if (firstError !== undefined) {
    const key = firstError.path.split('/')[1] ?? '';
    const name = key === '' ? 'config' : `${envNameOf(key)} (${key})`;
    throw new ConfigError(`invalid setting ${name}: ${firstError.message}`);
  }
  const config = merged as Config;
  if (config.secretKey !== undefined) decodeSecretKey(config.secretKey);
  return config;
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
