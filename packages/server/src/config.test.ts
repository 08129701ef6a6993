import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  auditCheckpointFileOf,
  ConfigError,
  gatewayRoutesOf,
  loadConfig,
  resolveSecretKey,
} from './config.ts';

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
      outboxRetentionDays: 30,
      retentionSnapshotDays: 30,
      retentionReportDays: 90,
      retentionHistoryDays: 365,
      retentionThreatDays: 180,
      retentionAccessLogDays: 90,
      auditRetentionDays: 400,
      retentionInterval: 3600,
      retentionBatch: 1000,
      crlPeriod: 3600,
      certStatusPeriod: 300,
      stateTimerInterval: 60,
      stateTimerBatch: 500,
      intelFetchTick: 60,
      upstreamAllowPrivate: [],
      gatewayPort: 8443,
      headersTimeout: 10,
      requestTimeout: 30,
      keepAliveTimeout: 5,
      connectionTimeout: 120,
      rateLimitWindow: 60,
      rateLimitEnrollPerIp: 30,
      rateLimitDevicePerIp: 3000,
      rateLimitDevicePerDevice: 120,
      rateLimitAdminPerIp: 1200,
      rateLimitAdminPerToken: 600,
    });
  });

  // One schema: the access and gateway settings are parsed (and refused) with the others.
  it('reads the access and gateway settings, and the gateway routes from the file they name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'riskgate-gw-'));
    const routes = join(dir, 'routes.yaml');
    writeFileSync(
      routes,
      'routes:\n  - host: mail.example.com\n    upstream: http://10.0.0.20:8080\n    resourceId: exchange\n    tenantId: ten_1\n',
    );
    const config = loadConfig({
      RISKGATE_PUBLIC_URL: 'https://riskgate.example.com',
      RISKGATE_PROXY_SECRET: 'a-proxy-secret-of-24-chars-or-more',
      RISKGATE_PROXY_TENANT: 'ten_1',
      RISKGATE_PROXY_INTEGRATION: 'nginx',
      RISKGATE_GATEWAY_PORT: '9443',
      RISKGATE_GATEWAY_CERT: '/etc/riskgate/gw.pem',
      RISKGATE_GATEWAY_KEY: '/etc/riskgate/gw.key',
      RISKGATE_GATEWAY_CONFIG: routes,
    });
    expect(config).toMatchObject({
      publicUrl: 'https://riskgate.example.com',
      proxySecret: 'a-proxy-secret-of-24-chars-or-more',
      gatewayPort: 9443,
      gatewayCert: '/etc/riskgate/gw.pem',
      gatewayKey: '/etc/riskgate/gw.key',
    });
    expect(gatewayRoutesOf(config)?.map((r) => [r.host, r.pathPrefix, r.upstream.href])).toEqual([
      ['mail.example.com', '/', 'http://10.0.0.20:8080/'],
    ]);
    // The command-line flag (`serve --gateway-config`) wins over the environment.
    const other = join(dir, 'other.json');
    writeFileSync(
      other,
      JSON.stringify({
        routes: [{ host: 'a.example', upstream: 'https://b.example', resourceId: 'r', tenantId: 'ten_1' }],
      }),
    );
    expect(
      gatewayRoutesOf(loadConfig({ RISKGATE_GATEWAY_CONFIG: routes }, { gatewayConfig: other }))?.[0]?.host,
    ).toBe('a.example');
    expect(gatewayRoutesOf(loadConfig({}))).toBeUndefined();
  });

  it.each([
    [{ RISKGATE_PUBLIC_URL: 'ftp://x' }, /RISKGATE_PUBLIC_URL \(publicUrl\)/],
    [{ RISKGATE_PROXY_SECRET: 'short' }, /RISKGATE_PROXY_SECRET \(proxySecret\)/],
    [{ RISKGATE_GATEWAY_PORT: '70000' }, /RISKGATE_GATEWAY_PORT \(gatewayPort\)/],
    [{ RISKGATE_GATEWAY_PORT: 'https' }, /RISKGATE_GATEWAY_PORT \(gatewayPort\)/],
    [{ RISKGATE_PORT: '-1' }, /RISKGATE_PORT \(port\)/],
    [{ RISKGATE_LOG_LEVEL: 'loud' }, /RISKGATE_LOG_LEVEL \(logLevel\)/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL \(databaseUrl\)/],
    [{ RISKGATE_CRL_PERIOD: '5' }, /RISKGATE_CRL_PERIOD \(crlPeriod\)/],
  ])('stops on a wrong setting and names it: %o', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it.each([
    ['bad.json', '{ nope', /RISKGATE_GATEWAY_CONFIG: .*bad\.json is not valid JSON/],
    ['bad.yaml', 'routes: [', /RISKGATE_GATEWAY_CONFIG: .*bad\.yaml is not valid YAML/],
    ['empty.yaml', 'routes: []', /RISKGATE_GATEWAY_CONFIG \(.*empty\.yaml: gateway\/routes\)/],
    [
      'host.yaml',
      'routes:\n  - host: "bad host"\n    upstream: http://10.0.0.1\n    resourceId: r\n    tenantId: ten_1\n',
      /RISKGATE_GATEWAY_CONFIG \(.*host\.yaml: gateway\/routes\/0\/host\)/,
    ],
    [
      'query.yaml',
      'routes:\n  - host: a.example\n    upstream: http://10.0.0.1/?x=1\n    resourceId: r\n    tenantId: ten_1\n',
      /RISKGATE_GATEWAY_CONFIG \(.*query\.yaml\).*upstream: no query/,
    ],
    [
      'extra.yaml',
      'routes:\n  - host: a.example\n    upstream: http://10.0.0.1\n    resourceId: r\n    tenantId: ten_1\n    tls: off\n',
      /gateway\/routes\/0/,
    ],
  ])(
    'stops on a bad gateway routes file and names the file and the setting: %s',
    (name, content, message) => {
      const path = join(mkdtempSync(join(tmpdir(), 'riskgate-gw-')), name);
      writeFileSync(path, content);
      expect(() => loadConfig({ RISKGATE_GATEWAY_CONFIG: path })).toThrow(ConfigError);
      expect(() => loadConfig({ RISKGATE_GATEWAY_CONFIG: path })).toThrow(message);
    },
  );

  it('names a settings file that is not valid JSON', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'riskgate-cfg-')), 'riskgate.json');
    writeFileSync(path, '{ "port": ');
    expect(() => loadConfig({ RISKGATE_CONFIG: path })).toThrow(
      /RISKGATE_CONFIG: .*riskgate\.json is not valid JSON/,
    );
  });

  it('reads timeouts and rate limits from the environment; 0 turns a limit off', () => {
    const config = loadConfig({ RISKGATE_HEADERS_TIMEOUT: '5', RISKGATE_RATE_LIMIT_ENROLL_PER_IP: '0' });
    expect(config.headersTimeout).toBe(5);
    expect(config.rateLimitEnrollPerIp).toBe(0);
    expect(() => loadConfig({ RISKGATE_REQUEST_TIMEOUT: '0' })).toThrow(/RISKGATE_REQUEST_TIMEOUT/);
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
    expect(loadConfig({ RISKGATE_OUTBOX_RETENTION_DAYS: '7' }).outboxRetentionDays).toBe(7);
    for (const bad of ['0', '3651', 'x'])
      expect(() => loadConfig({ RISKGATE_OUTBOX_RETENTION_DAYS: bad })).toThrow(
        /RISKGATE_OUTBOX_RETENTION_DAYS/,
      );
    expect(() => loadConfig({ RISKGATE_AUDIT_CHECKPOINT_INTERVAL: '-5' })).toThrow(
      /RISKGATE_AUDIT_CHECKPOINT_INTERVAL/,
    );
  });

  it('reads the state timer settings, bounded', () => {
    const config = loadConfig({ RISKGATE_STATE_TIMER_INTERVAL: '0', RISKGATE_STATE_TIMER_BATCH: '2000' });
    expect(config).toMatchObject({ stateTimerInterval: 0, stateTimerBatch: 2000 });
    for (const bad of ['-1', '86401', 'x'])
      expect(() => loadConfig({ RISKGATE_STATE_TIMER_INTERVAL: bad })).toThrow(
        /RISKGATE_STATE_TIMER_INTERVAL/,
      );
    for (const bad of ['0', '10001'])
      expect(() => loadConfig({ RISKGATE_STATE_TIMER_BATCH: bad })).toThrow(/RISKGATE_STATE_TIMER_BATCH/);
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
