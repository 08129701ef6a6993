import type { Kysely } from 'kysely';
import { appendAudit } from '../audit/audit-service.ts';
import { actorOf, type Principal, requirePermission } from '../auth/principal.ts';
import type { ServiceContext } from '../context.ts';
import type { Database } from '../db/types.ts';
import { AppError } from '../errors.ts';
import { findSetting, upsertSetting } from '../queries/settings.ts';
import { lockTenant } from '../queries/tenants.ts';
import { DEFAULT_PRIVACY, type PrivacySettings } from '../reports/privacy.ts';
import {
  effectiveRetention,
  parseRetentionOverrides,
  RETENTION_KEY,
  type RetentionPolicy,
  type RetentionSettings,
  retentionProblem,
} from '../retention/retention-settings.ts';
import { DETECTION_KEY, type DetectionSettings, parseDetectionSettings } from './detection-settings.ts';

/** The settings key of the privacy settings. */
export const PRIVACY_KEY = 'privacy';

/** The tenant's privacy settings (defaults when never set). */
export async function readPrivacySettings(db: Kysely<Database>, tenantId: string): Promise<PrivacySettings> {
  const stored = await findSetting(db, tenantId, PRIVACY_KEY);
  if (stored === undefined) return DEFAULT_PRIVACY;
  return { ...DEFAULT_PRIVACY, ...(JSON.parse(stored) as Partial<PrivacySettings>) };
}

/** A tenant's retention as the admin API shows it. */
export interface RetentionView {
  readonly days: RetentionSettings;
  readonly defaults: RetentionSettings;
  readonly bounds: RetentionPolicy['bounds'];
}

/** Tenant settings for admins. */
export function createSettingsService(
  ctx: Pick<ServiceContext, 'db' | 'now'>,
  deps: { readonly retention: RetentionPolicy },
) {
  const { db, dialect } = ctx.db;
  return {
    /** The tenant's retention in days per kind, with the bounds each may be set within. */
    async getRetention(principal: Principal): Promise<RetentionView> {
      requirePermission(principal, 'settings:read');
      const days = effectiveRetention(
        deps.retention,
        await findSetting(db, principal.tenantId, RETENTION_KEY),
      );
      return { days, defaults: deps.retention.defaults, bounds: deps.retention.bounds };
    },

    /** Sets some or all kinds (the others keep their value); out of bounds: 400, nothing stored. */
    async setRetention(
      principal: Principal,
      change: Partial<Record<keyof RetentionSettings, number>>,
    ): Promise<RetentionView> {
      requirePermission(principal, 'settings:write');
      const problem = retentionProblem(deps.retention, change);
      if (problem !== undefined) throw new AppError('invalid_request', problem);
      const at = ctx.now().toISOString();
      const days = await db.transaction().execute(async (trx) => {
        await lockTenant(trx, dialect, principal.tenantId);
        // Only what the tenant set is stored: the other kinds follow the server's defaults.
        const overrides = {
          ...parseRetentionOverrides(await findSetting(trx, principal.tenantId, RETENTION_KEY)),
          ...change,
        };
        await upsertSetting(trx, principal.tenantId, RETENTION_KEY, JSON.stringify(overrides), at);
        const next = effectiveRetention(deps.retention, JSON.stringify(overrides));
        await appendAudit(trx, dialect, {
          tenantId: principal.tenantId,
          actor: actorOf(principal),
          action: 'settings.retention.update',
          details: { changed: { ...change }, days: { ...next } },
          at,
        });
        return next;
      });
      return { days, defaults: deps.retention.defaults, bounds: deps.retention.bounds };
    },

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
