import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditCheckpointFileOf, ConfigError, loadConfig, resolveSecretKey } from './config.ts';

describe('loadConfig', () => {
  it('has defaults and no secret', () => {
    expect(loadConfig({})).toEqual({
      host: '127.0.0.1',
      port: 8080,
      dataDir: './data',
      intelPaths: [],
      trustedProxies: [],
      logLevel: 'info',
      bodyLimit: 4 * 1024 * 1024,
      attestationChallengeTtl: 300,
      attestationMaxAge: 86_400,
      auditCheckpointInterval: 60,
    });
  });

  it('reads the audit checkpoint settings; the file defaults to the data folder', () => {
    const config = loadConfig({
      RISKGATE_DATA_DIR: '/var/lib/riskgate',
      RISKGATE_AUDIT_CHECKPOINT_INTERVAL: '0',
    });
    expect(config.auditCheckpointInterval).toBe(0);
    expect(auditCheckpointFileOf(config)).toBe('/var/lib/riskgate/audit-checkpoints.jsonl');
    expect(
      auditCheckpointFileOf(loadConfig({ RISKGATE_AUDIT_CHECKPOINT_FILE: '/mnt/worm/riskgate.jsonl' })),
    ).toBe('/mnt/worm/riskgate.jsonl');
    expect(() => loadConfig({ RISKGATE_AUDIT_CHECKPOINT_INTERVAL: '-5' })).toThrow(
      /RISKGATE_AUDIT_CHECKPOINT_INTERVAL/,
    );
  });

  it('reads the attestation settings', () => {
    const config = loadConfig({
      RISKGATE_ATTESTATION_ROOTS: '/etc/riskgate/roots',
      RISKGATE_ATTESTATION_REVOCATIONS: 'https://android.googleapis.com/attestation/status',
      RISKGATE_ATTESTATION_CHALLENGE_TTL: '120',
      RISKGATE_ATTESTATION_MAX_AGE: '3600',
    });
    expect(config).toMatchObject({
      attestationRoots: '/etc/riskgate/roots',
      attestationRevocations: 'https://android.googleapis.com/attestation/status',
      attestationChallengeTtl: 120,
      attestationMaxAge: 3600,
    });
    expect(() => loadConfig({ RISKGATE_ATTESTATION_CHALLENGE_TTL: '1' })).toThrow(
      /RISKGATE_ATTESTATION_CHALLENGE_TTL/,
    );
  });

  it('reads the environment', () => {
    const config = loadConfig({
      RISKGATE_HOST: '0.0.0.0',
      RISKGATE_PORT: '9000',
      DATABASE_URL: 'postgres://u@db/rg',
      RISKGATE_INTEL_PATHS: '/a,/b',
      RISKGATE_TRUSTED_PROXIES: '10.0.0.1, 10.0.0.2',
      RISKGATE_LOG_LEVEL: 'debug',
      RISKGATE_SECRET_KEY: 'ab'.repeat(32),
    });
    expect(config).toMatchObject({
      host: '0.0.0.0',
      port: 9000,
      databaseUrl: 'postgres://u@db/rg',
      intelPaths: ['/a', '/b'],
      trustedProxies: ['10.0.0.1', '10.0.0.2'],
      logLevel: 'debug',
    });
  });

  it('reads a YAML file named by RISKGATE_CONFIG, the environment winning', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rg-config-'));
    const file = join(dir, 'riskgate.yaml');
    writeFileSync(file, 'port: 7000\nlogLevel: warn\n');
    expect(loadConfig({ RISKGATE_CONFIG: file, RISKGATE_LOG_LEVEL: 'error' })).toMatchObject({
      port: 7000,
      logLevel: 'error',
    });
  });

  it.each([
    [{ RISKGATE_PORT: 'eighty' }, /RISKGATE_PORT/],
    [{ RISKGATE_PORT: '70000' }, /RISKGATE_PORT/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL/],
    [{ RISKGATE_LOG_LEVEL: 'loud' }, /RISKGATE_LOG_LEVEL/],
    [{ RISKGATE_SECRET_KEY: 'short' }, /RISKGATE_SECRET_KEY/],
    [{ RISKGATE_SECRET_KEY: 'z'.repeat(40) }, /RISKGATE_SECRET_KEY/],
    [{ RISKGATE_BODY_LIMIT: '10' }, /RISKGATE_BODY_LIMIT/],
    [{ RISKGATE_CONFIG: '/nonexistent/riskgate.yaml' }, /RISKGATE_CONFIG/],
  ])('fails fast naming the setting: %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});

describe('resolveSecretKey', () => {
  it('requires a key unless generation is allowed, then persists it with mode 0600', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'rg-secret-'));
    const config = loadConfig({ RISKGATE_DATA_DIR: dataDir });
    expect(() => resolveSecretKey(config, { allowGenerate: false })).toThrow(/RISKGATE_SECRET_KEY/);
    const events: boolean[] = [];
    const key = resolveSecretKey(config, {
      allowGenerate: true,
      onGenerated: (_path, created) => events.push(created),
    });
    expect(key).toHaveLength(32);
    const path = join(dataDir, 'secret.key');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8').trim()).toBe(key.toString('hex'));
    expect(
      resolveSecretKey(config, {
        allowGenerate: false,
        onGenerated: (_path, created) => events.push(created),
      }),
    ).toEqual(key);
    expect(events).toEqual([true, false]);
  });

  it('prefers the configured key', () => {
    const config = loadConfig({ RISKGATE_SECRET_KEY: Buffer.alloc(32, 7).toString('base64') });
    expect(resolveSecretKey(config, { allowGenerate: false })).toEqual(Buffer.alloc(32, 7));
  });
});
