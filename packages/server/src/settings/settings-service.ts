import type { Kysely } from 'kysely';
import { appendAudit } from '../audit/audit-service.ts';
import { actorOf, type Principal, requirePermission } from '../auth/principal.ts';
import type { ServiceContext } from '../context.ts';
import type { Database } from '../db/types.ts';
import { findSetting, upsertSetting } from '../queries/settings.ts';
import { DEFAULT_PRIVACY, type PrivacySettings } from '../reports/privacy.ts';
import { DETECTION_KEY, type DetectionSettings, parseDetectionSettings } from './detection-settings.ts';

/** The settings key of the privacy settings. */
export const PRIVACY_KEY = 'privacy';

/** The tenant's privacy settings (defaults when never set). */
export async function readPrivacySettings(db: Kysely<Database>, tenantId: string): Promise<PrivacySettings> {
  const stored = await findSetting(db, tenantId, PRIVACY_KEY);
  if (stored === undefined) return DEFAULT_PRIVACY;
  return { ...DEFAULT_PRIVACY, ...(JSON.parse(stored) as Partial<PrivacySettings>) };
}

/** Tenant settings for admins. */
export function createSettingsService(ctx: Pick<ServiceContext, 'db' | 'now'>) {
  const { db, dialect } = ctx.db;
  return {
    async getPrivacy(principal: Principal): Promise<PrivacySettings> {
      requirePermission(principal, 'settings:read');
      return readPrivacySettings(db, principal.tenantId);
    },

    async setPrivacy(principal: Principal, settings: PrivacySettings): Promise<PrivacySettings> {
      requirePermission(principal, 'settings:write');
      const at = ctx.now().toISOString();
      await db.transaction().execute(async (trx) => {
        await upsertSetting(trx, principal.tenantId, PRIVACY_KEY, JSON.stringify(settings), at);
        await appendAudit(trx, dialect, {
          tenantId: principal.tenantId,
          actor: actorOf(principal),
          action: 'settings.privacy.update',
          details: { ...settings },
          at,
        });
      });
      return settings;
    },

    async getDetection(principal: Principal): Promise<DetectionSettings> {
      requirePermission(principal, 'settings:read');
      return parseDetectionSettings(await findSetting(db, principal.tenantId, DETECTION_KEY));
    },

    /** Applies from each device's next report (ingestion reads them with the tenant's policies). */
    async setDetection(principal: Principal, settings: DetectionSettings): Promise<DetectionSettings> {
      requirePermission(principal, 'settings:write');
      const at = ctx.now().toISOString();
      await db.transaction().execute(async (trx) => {
        await upsertSetting(trx, principal.tenantId, DETECTION_KEY, JSON.stringify(settings), at);
        await appendAudit(trx, dialect, {
          tenantId: principal.tenantId,
          actor: actorOf(principal),
          action: 'settings.detection.update',
          details: { knownNetworks: settings.knownNetworks.map((network) => network.ssid) },
          at,
        });
      });
      return settings;
    },
  };
}
