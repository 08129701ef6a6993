import { randomBytes } from 'node:crypto';
import type { ServerLimits } from '../src/app.ts';
import type { DialectName } from '../src/db/database.ts';
import type { Role } from '../src/db/types.ts';
import type { IntelSource } from '../src/intel/intel-source.ts';
import { createRuntime } from '../src/runtime.ts';
import { createTenant, mintTenantApiToken } from '../src/tenants/tenant-service.ts';
import { createTestDb, type TestDb } from './db.ts';

export { createTestDb, DIALECTS, shouldSkipDialect, type TestDb } from './db.ts';

/** A seeded tenant: its id and one API token per role. */
export interface SeededTenant {
  readonly tenantId: string;
  readonly tokens: Readonly<Record<Role, string>>;
}

/** A real app over a fresh database with two tenants seeded, and a clock tests can move. */
export interface Harness {
  readonly testDb: TestDb;
  readonly runtime: Awaited<ReturnType<typeof createRuntime>>;
  readonly app: Awaited<ReturnType<typeof createRuntime>>['app'];
  readonly tenant: SeededTenant;
  /** A second tenant, for cross-tenant tests. */
  readonly otherTenant: SeededTenant;
  /** The harness clock; set `clock.now` to move time. */
  readonly clock: { now: Date };
  /** `{ authorization: 'Bearer …' }` for a role of the main tenant. */
  auth(role: Role, tenant?: SeededTenant): { authorization: string };
  close(): Promise<void>;
}

async function seedTenant(ctx: Parameters<typeof createTenant>[0], name: string): Promise<SeededTenant> {
  const created = await createTenant(ctx, { name, actor: 'test' });
  const tokens: Record<Role, string> = { owner: created.ownerToken, admin: '', analyst: '', helpdesk: '' };
  for (const role of ['admin', 'analyst', 'helpdesk'] as const) {
    tokens[role] = (
      await mintTenantApiToken(ctx, { tenantId: created.tenantId, role, name: role, actor: 'test' })
    ).token;
  }
  return { tenantId: created.tenantId, tokens };
}

/** Builds the app over a fresh `dialect` database with a seeded tenant and owner/admin/analyst/helpdesk tokens. */
export async function createHarness(
  dialect: DialectName,
  options: {
    readonly bodyLimit?: number;
    readonly intel?: IntelSource;
    readonly attestation?: Parameters<typeof createRuntime>[0]['attestation'];
    /** Signed audit checkpoints (a file under a temp folder); rounds run by hand. */
    readonly auditCheckpoints?: Parameters<typeof createRuntime>[0]['auditCheckpoints'];
    /** Timeouts and rate limits (none by default: tests send many requests from one address). */
    readonly limits?: Partial<ServerLimits>;
    /** Retention policy and batch size (runs by hand). */
    readonly retention?: Parameters<typeof createRuntime>[0]['retention'];
    /** Private addresses intel upstreams may be at (the upstream tests: their local servers). */
    readonly upstreamAllowPrivate?: readonly string[];
  } = {},
): Promise<Harness> {
  const testDb = await createTestDb(dialect);
  const clock = { now: new Date() };
  const runtime = await createRuntime({
    db: testDb.db,
    secretKey: randomBytes(32),
    config: { bodyLimit: options.bodyLimit ?? 256 * 1024, trustedProxies: [], ...options.limits },
    now: () => clock.now,
    ...(options.intel !== undefined ? { intel: options.intel } : {}),
    ...(options.attestation !== undefined ? { attestation: options.attestation } : {}),
    ...(options.auditCheckpoints !== undefined ? { auditCheckpoints: options.auditCheckpoints } : {}),
    ...(options.retention !== undefined ? { retention: options.retention } : {}),
    ...(options.upstreamAllowPrivate !== undefined
      ? { upstreamAllowPrivate: options.upstreamAllowPrivate }
      : {}),
  });
  const tenant = await seedTenant(runtime.ctx, 'Acme');
  const otherTenant = await seedTenant(runtime.ctx, 'Globex');
  return {
    testDb,
    runtime,
    app: runtime.app,
    tenant,
    otherTenant,
    clock,
    auth: (role, which = tenant) => ({ authorization: `Bearer ${which.tokens[role]}` }),
    async close() {
      await runtime.app.close();
      await testDb.destroy();
    },
  };
}
