import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { AccessPolicy, Resource, Snapshot } from '@riskgate/engine';
import { sql } from 'kysely';
import pino, { type Logger } from 'pino';
import { expect } from 'vitest';
import type { AccessOptions } from '../src/access/access-system.ts';
import type { ProxyIntegration } from '../src/access/proxy-binding.ts';
import type { ServerLimits } from '../src/app.ts';
import type { DialectName } from '../src/db/database.ts';
import type { Role } from '../src/db/types.ts';
import { newId } from '../src/ids.ts';
import { defaultDatasetsDir, type IntelSource, loadIntelSource } from '../src/intel/intel-source.ts';
import { createRuntime } from '../src/runtime.ts';
import { createTenant, mintTenantApiToken } from '../src/tenants/tenant-service.ts';
import { createTestDb, postgresAdminUrl, type TestDb } from './db.ts';
import { TestDevice } from './device.ts';
import { cleanAndroidSnapshot, storeApp } from './snapshots.ts';

/** TheTruthSpy, listed in stalkerware-indicators/ioc.yaml. */
export const STALKERWARE_APP = 'com.apspy.app';

let stalkerwareIntel: Promise<IntelSource> | undefined;

/** The real stalkerware-indicators feed (loaded once per test file). */
export function stalkerwareIntelSource(): Promise<IntelSource> {
  stalkerwareIntel ??= loadIntelSource(
    [join(defaultDatasetsDir(), 'stalkerware-indicators', 'ioc.yaml')],
    pino({ level: 'silent' }),
  );
  return stalkerwareIntel;
}

/** The connection URL of a PostgreSQL test database (for a LISTEN client of its own). */
export async function postgresUrlOf(testDb: TestDb): Promise<string> {
  const result = await sql<{ name: string }>`select current_database() as name`.execute(testDb.db.db);
  const url = new URL(postgresAdminUrl());
  url.pathname = `/${result.rows[0]?.name ?? ''}`;
  return url.toString();
}

export const PROXY_SECRET = 'test-proxy-secret-0123456789abcdef';

/** An enrolled test device with its certificate. */
export interface EnrolledDevice {
  readonly key: TestDevice;
  readonly deviceId: string;
  readonly certificate: string;
  readonly caCertificate: string;
  readonly fingerprint: string;
}

/** A runtime with access options, one tenant with owner/admin/analyst/helpdesk tokens, and a second tenant. */
export async function createAccessHarness(
  dialect: DialectName,
  options: {
    readonly access?: AccessOptions;
    readonly withPostgresNotify?: boolean;
    readonly logger?: Logger;
    /** Hardware attestation trust and settings (none: every chain is refused). */
    readonly attestation?: Parameters<typeof createRuntime>[0]['attestation'];
    /** Rate limits (none by default: tests send many requests from one address). */
    readonly limits?: Partial<ServerLimits>;
  } = {},
) {
  const testDb: TestDb = await createTestDb(dialect);
  const clock = { now: new Date() };
  const secretKey = randomBytes(32);
  // The shared secret is bound to the first tenant (Acme) and to Caddy's identity header
  // (`X-Client-Cert-Sha256`); other integrations and tenants use `proxyCredential`.
  const acmeId = newId('ten');
  const sharedProxy = {
    proxySecret: PROXY_SECRET,
    proxyTenantId: acmeId,
    proxyIntegration: 'caddy',
  } as const satisfies AccessOptions;
  const access: AccessOptions = {
    ...sharedProxy,
    publicUrl: 'https://riskgate.test',
    ...(options.withPostgresNotify === true && dialect === 'postgres'
      ? { postgresUrl: await postgresUrlOf(testDb) }
      : {}),
    ...options.access,
  };
  const runtime = await createRuntime({
    db: testDb.db,
    secretKey,
    config: { bodyLimit: 1024 * 1024, trustedProxies: [], ...options.limits },
    now: () => clock.now,
    intel: await stalkerwareIntelSource(),
    access,
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    ...(options.attestation === undefined ? {} : { attestation: options.attestation }),
  });
  async function seed(name: string, id?: string) {
    const created = await createTenant(runtime.ctx, {
      name,
      actor: 'test',
      ...(id === undefined ? {} : { id }),
    });
    const tokens: Record<Role, string> = { owner: created.ownerToken, admin: '', analyst: '', helpdesk: '' };
    for (const role of ['admin', 'analyst', 'helpdesk'] as const) {
      tokens[role] = (
        await mintTenantApiToken(runtime.ctx, { tenantId: created.tenantId, role, name: role, actor: 'test' })
      ).token;
    }
    return { tenantId: created.tenantId, tokens };
  }
  const tenant = await seed('Acme', acmeId);
  const otherTenant = await seed('Globex');
  const app = runtime.app;
  const auth = (role: Role, which = tenant) => ({ authorization: `Bearer ${which.tokens[role]}` });

  async function admin(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    url: string,
    payload?: unknown,
    role: Role = 'admin',
  ) {
    return app.inject({
      method,
      url,
      headers: auth(role),
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  }

  return {
    testDb,
    runtime,
    app,
    access: runtime.access,
    tenant,
    otherTenant,
    clock,
    secretKey,
    auth,
    admin,
    /** The access options binding {@link PROXY_SECRET} to Acme (for a second node's runtime). */
    sharedProxy,
    /** Creates a proxy credential for one integration through the admin API; resolves with its secret. */
    async proxyCredential(integration: ProxyIntegration, which = tenant): Promise<string> {
      const reply = await app.inject({
        method: 'POST',
        url: '/v1/admin/proxy-credentials',
        headers: auth('admin', which),
        payload: { name: `${integration} proxy`, integration },
      });
      expect(reply.statusCode, reply.body).toBe(201);
      return reply.json<{ secret: string }>().secret;
    },
    async addResource(resource: Resource) {
      const reply = await admin('POST', '/v1/admin/resources', resource);
      expect(reply.statusCode, reply.body).toBe(201);
    },
    async addPolicy(policy: AccessPolicy) {
      const reply = await admin('POST', '/v1/admin/access-policies', policy);
      expect(reply.statusCode, reply.body).toBe(201);
    },
    /** Enrolls a device through the real enrollment API. */
    async enroll(which = tenant, ownership: 'corporate' | 'personal' = 'corporate'): Promise<EnrolledDevice> {
      const token = await app.inject({
        method: 'POST',
        url: '/v1/admin/enrollment-tokens',
        headers: auth('owner', which),
        payload: { ownership, expiresInHours: 1, maxUses: 1, groups: ['staff'] },
      });
      expect(token.statusCode, token.body).toBe(201);
      const key = new TestDevice();
      const body = {
        token: token.json().token,
        publicKey: key.jwk,
        device: { platform: 'android', user: 'alice@acme.test' },
      };
      const reply = await app.inject(
        key.request('POST', '/v1/device/enroll', body, clock.now, { withJwk: true }),
      );
      expect(reply.statusCode, reply.body).toBe(201);
      const json = reply.json<{ deviceId: string; certificate: string; caCertificate: string }>();
      key.deviceId = json.deviceId;
      const { X509Certificate } = await import('node:crypto');
      const fingerprint = new X509Certificate(json.certificate).fingerprint256
        .replaceAll(':', '')
        .toLowerCase();
      return {
        key,
        deviceId: json.deviceId,
        certificate: json.certificate,
        caCertificate: json.caCertificate,
        fingerprint,
      };
    },
    /** Sends a full report: with the stalkerware app when `malicious`, else a clean inventory. */
    async report(device: EnrolledDevice, malicious: boolean | Snapshot) {
      const snapshot =
        typeof malicious === 'object'
          ? malicious
          : cleanAndroidSnapshot(clock.now, malicious ? [storeApp(STALKERWARE_APP)] : []);
      const payload = { reportId: randomUUID(), kind: 'full', snapshot };
      const reply = await app.inject(device.key.request('POST', '/v1/device/reports', payload, clock.now));
      expect(reply.statusCode, reply.body).toBe(200);
      return reply.json<{ riskLevel: string }>();
    },
    async close() {
      await app.close();
      await testDb.destroy();
    },
  };
}

export type AccessHarness = Awaited<ReturnType<typeof createAccessHarness>>;
