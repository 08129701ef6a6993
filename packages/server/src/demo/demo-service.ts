import { createTokenService } from '../auth/token-service.ts';
import type { ServiceContext } from '../context.ts';
import { prefixOf, tokenMatches } from '../crypto/tokens.ts';
import { findLiveApiTokensByPrefix } from '../queries/api-tokens.ts';
import { findEnrollmentTokensByPrefix } from '../queries/enrollment-tokens.ts';
import { findSetting, upsertSetting } from '../queries/settings.ts';
import { findTenantById } from '../queries/tenants.ts';
import { createTenant, mintTenantApiToken } from '../tenants/tenant-service.ts';

/** The demo tenant's fixed id, so later starts find it. */
export const DEMO_TENANT_ID = 'ten_demo';
const DEMO_KEY = 'demo';
const sealContext = `settings:${DEMO_TENANT_ID}:${DEMO_KEY}`;

/** What `riskgate serve --demo` prints. */
export interface DemoCredentials {
  readonly tenantId: string;
  readonly ownerToken: string;
  readonly enrollmentToken: string;
  /** Whether this call created the demo tenant (first start). */
  readonly created: boolean;
  /** What happened: created the tenant, reused tokens, minted new ones… */
  readonly notes: string[];
}

interface DemoSecrets {
  ownerToken: string;
  enrollmentToken: string;
}

/**
 * Makes sure the demo tenant exists with a usable owner token and enrollment token. The tokens are
 * kept sealed (AES-256-GCM with the secret key) in the tenant's settings so later starts can print
 * them again; a revoked, expired or used-up one is replaced and the notes say so.
 */
export async function ensureDemoTenant(
  ctx: Pick<ServiceContext, 'db' | 'box' | 'now'>,
): Promise<DemoCredentials> {
  const db = ctx.db.db;
  const notes: string[] = [];
  let secrets: DemoSecrets | undefined;
  let ownerTokenId: string;
  const created = (await findTenantById(db, DEMO_TENANT_ID)) === undefined;
  if (created) {
    const created = await createTenant(ctx, { name: 'Demo', id: DEMO_TENANT_ID, actor: 'demo' });
    ownerTokenId = created.ownerTokenId;
    secrets = { ownerToken: created.ownerToken, enrollmentToken: '' };
    notes.push('created the demo tenant');
  } else {
    const sealed = await findSetting(db, DEMO_TENANT_ID, DEMO_KEY);
    if (sealed !== undefined) {
      try {
        secrets = JSON.parse(
          ctx.box.open(JSON.parse(sealed) as string, sealContext).toString('utf8'),
        ) as DemoSecrets;
      } catch {
        notes.push('could not open the stored demo tokens (was the secret key changed?)');
      }
    }
    ownerTokenId = '';
  }

  const tokens = createTokenService(ctx);
  const ownerPrefix = secrets === undefined ? undefined : prefixOf('api', secrets.ownerToken);
  const liveOwner =
    secrets !== undefined && ownerPrefix !== undefined
      ? (await findLiveApiTokensByPrefix(db, ownerPrefix)).find(
          (row) =>
            row.tenant_id === DEMO_TENANT_ID &&
            secrets !== undefined &&
            tokenMatches(secrets.ownerToken, row.hash),
        )
      : undefined;
  if (liveOwner !== undefined) {
    ownerTokenId = liveOwner.id;
  } else if (ownerTokenId === '') {
    const minted = await mintTenantApiToken(ctx, {
      tenantId: DEMO_TENANT_ID,
      role: 'owner',
      name: 'demo owner',
      actor: 'demo',
    });
    secrets = { ownerToken: minted.token, enrollmentToken: secrets?.enrollmentToken ?? '' };
    ownerTokenId = minted.id;
    notes.push('minted a new demo owner token (the stored one was missing or revoked)');
  }
  const current: DemoSecrets = secrets ?? { ownerToken: '', enrollmentToken: '' };

  const now = ctx.now().toISOString();
  const enrollPrefix = prefixOf('enrollment', current.enrollmentToken);
  const liveEnrollment =
    enrollPrefix === undefined
      ? undefined
      : (await findEnrollmentTokensByPrefix(db, enrollPrefix)).find(
          (row) =>
            row.tenant_id === DEMO_TENANT_ID &&
            tokenMatches(current.enrollmentToken, row.hash) &&
            row.revoked_at === null &&
            row.expires_at > now &&
            (row.uses_left === null || row.uses_left > 0),
        );
  if (liveEnrollment === undefined) {
    const principal = { tenantId: DEMO_TENANT_ID, tokenId: ownerTokenId, role: 'owner' as const };
    const created = await tokens.createEnrollmentToken(principal, {
      ownership: 'corporate',
      groups: ['demo'],
      expiresInHours: 24 * 30,
      maxUses: null,
    });
    if (current.enrollmentToken !== '')
      notes.push('minted a new demo enrollment token (the stored one expired or was revoked)');
    current.enrollmentToken = created.token;
  }
  const sealed = JSON.stringify(ctx.box.seal(Buffer.from(JSON.stringify(current)), sealContext));
  await upsertSetting(db, DEMO_TENANT_ID, DEMO_KEY, sealed, now);
  return {
    tenantId: DEMO_TENANT_ID,
    created,
    ownerToken: current.ownerToken,
    enrollmentToken: current.enrollmentToken,
    notes,
  };
}
