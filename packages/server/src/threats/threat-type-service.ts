import { findThreatType, THREAT_TYPES, type ThreatRisk } from '@riskgate/engine';
import type { Kysely } from 'kysely';
import { appendAudit } from '../audit/audit-service.ts';
import { actorOf, type Principal, requirePermission } from '../auth/principal.ts';
import type { ServiceContext } from '../context.ts';
import type { Database } from '../db/types.ts';
import { rerateDevices } from '../device-state/rerate.ts';
import { errors } from '../errors.ts';
import {
  deleteThreatTypeOverride,
  setRiskOfOpenThreatsByFamily,
  setRiskOfOpenThreatsByType,
  upsertThreatTypeOverride,
} from '../queries/threat-overrides.ts';
import { listThreatTypeOverrides } from '../queries/threats.ts';

/** Overrides of a family are stored beside type overrides under this key prefix. */
export const FAMILY_KEY_PREFIX = 'family:';

/** A catalog entry with the tenant's effective risk. */
export interface ThreatTypeView {
  readonly id: string;
  readonly class: string;
  readonly title: string;
  readonly description: string;
  readonly attack: string[];
  readonly platforms: string[];
  readonly defaultRisk: ThreatRisk;
  readonly risk: string;
  readonly overridden: boolean;
}

/** What a re-rating changed. */
export interface RerateSummary {
  readonly threatsUpdated: number;
  readonly devicesExamined: number;
  readonly devicesChanged: number;
}

/** Threat catalog with tenant overrides; changing one re-rates open threats and devices at once. */
export type ThreatTypeService = ReturnType<typeof createThreatTypeService>;

/** Creates the threat type service. */
export function createThreatTypeService(ctx: Pick<ServiceContext, 'db' | 'now' | 'devicesChanged'>) {
  const { db, dialect } = ctx.db;

  function familyOverrides(all: Record<string, string>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [key, risk] of Object.entries(all))
      if (key.startsWith(FAMILY_KEY_PREFIX)) out[key.slice(FAMILY_KEY_PREFIX.length)] = risk;
    return out;
  }

  async function audited(
    principal: Principal,
    action: string,
    target: string,
    change: (
      trx: Kysely<Database>,
      now: Date,
    ) => Promise<{
      threats: number;
      scope: Parameters<typeof rerateDevices>[1]['scope'];
      details: Record<string, unknown>;
    }>,
  ): Promise<RerateSummary> {
    requirePermission(principal, 'policies:write');
    const now = ctx.now();
    let changed: readonly string[] = [];
    const result = await db.transaction().execute(async (trx) => {
      const { threats, scope, details } = await change(trx, now);
      const rerated = await rerateDevices(trx, {
        tenantId: principal.tenantId,
        scope,
        at: now,
        cause: 'override',
        trigger: action,
      });
      changed = rerated.written;
      const summary = {
        threatsUpdated: threats,
        devicesExamined: rerated.examined,
        devicesChanged: rerated.changed.length,
      };
      await appendAudit(trx, dialect, {
        tenantId: principal.tenantId,
        actor: actorOf(principal),
        action,
        target,
        details: { ...details, ...summary },
        at: now.toISOString(),
      });
      return summary;
    });
    await ctx.devicesChanged?.(principal.tenantId, changed); // after commit
    return result;
  }

  return {
    /** The catalog with the tenant's overrides, and the family overrides. */
    async listThreatTypes(principal: Principal) {
      requirePermission(principal, 'threats:read');
      const overrides = await listThreatTypeOverrides(db, principal.tenantId);
      const types: ThreatTypeView[] = THREAT_TYPES.map((type) => {
        const override = Object.hasOwn(overrides, type.id) ? overrides[type.id] : undefined;
        return {
          id: type.id,
          class: type.class,
          title: type.title,
          description: type.description,
          attack: [...type.attack],
          platforms: [...(type.platforms ?? ['android', 'ios'])],
          defaultRisk: type.defaultRisk,
          risk: override ?? type.defaultRisk,
          overridden: override !== undefined,
        };
      });
      const families = Object.entries(familyOverrides(overrides)).map(([family, risk]) => ({ family, risk }));
      return { items: types, families };
    },

    /** Overrides a type's risk: every open threat of it (but family-overridden ones) and every affected device is re-rated. */
    async setTypeRisk(principal: Principal, typeId: string, risk: ThreatRisk): Promise<RerateSummary> {
      const type = findThreatType(typeId);
      if (type === undefined) throw errors.notFound('threat type');
      return audited(principal, 'threat-type.override', typeId, async (trx, now) => {
        const all = await listThreatTypeOverrides(trx, principal.tenantId);
        const previous = Object.hasOwn(all, typeId) ? all[typeId] : undefined;
        await upsertThreatTypeOverride(trx, {
          tenant_id: principal.tenantId,
          type_id: typeId,
          risk,
          updated_at: now.toISOString(),
        });
        const except = Object.keys(familyOverrides(all));
        const threats = await setRiskOfOpenThreatsByType(trx, principal.tenantId, {
          typeId,
          override: risk,
          catalogDefault: type.defaultRisk,
          exceptFamilies: except,
        });
        return {
          threats,
          scope: { kind: 'type', typeId },
          details: { from: previous ?? type.defaultRisk, to: risk },
        };
      });
    },

    /** Removes a type override: open threats of the type go back to the catalog default. */
    async clearTypeRisk(principal: Principal, typeId: string): Promise<RerateSummary> {
      const type = findThreatType(typeId);
      if (type === undefined) throw errors.notFound('threat type');
      return audited(principal, 'threat-type.reset', typeId, async (trx) => {
        const all = await listThreatTypeOverrides(trx, principal.tenantId);
        if (!(await deleteThreatTypeOverride(trx, principal.tenantId, typeId)))
          throw errors.notFound('threat type override');
        const except = Object.keys(familyOverrides(all));
        // Each threat gets back its own risk before overrides, not the catalog default.
        const threats = await setRiskOfOpenThreatsByType(trx, principal.tenantId, {
          typeId,
          override: undefined,
          catalogDefault: type.defaultRisk,
          exceptFamilies: except,
        });
        return {
          threats,
          scope: { kind: 'type', typeId },
          details: { from: all[typeId], to: type.defaultRisk },
        };
      });
    },

    /** Overrides a malware family's risk (wins over type overrides). */
    async setFamilyRisk(principal: Principal, family: string, risk: ThreatRisk): Promise<RerateSummary> {
      const key = family.toLowerCase();
      return audited(principal, 'threat-family.override', key, async (trx, now) => {
        await upsertThreatTypeOverride(trx, {
          tenant_id: principal.tenantId,
          type_id: `${FAMILY_KEY_PREFIX}${key}`,
          risk,
          updated_at: now.toISOString(),
        });
        const threats = await setRiskOfOpenThreatsByFamily(trx, principal.tenantId, key, risk);
        return { threats, scope: { kind: 'family', family: key }, details: { to: risk } };
      });
    },

    /** Removes a family override: its open threats go back to their type's effective risk. */
    async clearFamilyRisk(principal: Principal, family: string): Promise<RerateSummary> {
      const key = family.toLowerCase();
      return audited(principal, 'threat-family.reset', key, async (trx) => {
        if (!(await deleteThreatTypeOverride(trx, principal.tenantId, `${FAMILY_KEY_PREFIX}${key}`)))
          throw errors.notFound('threat family override');
        const all = await listThreatTypeOverrides(trx, principal.tenantId);
        const types = await trx
          .selectFrom('threats')
          .select('type_id')
          .distinct()
          .where('tenant_id', '=', principal.tenantId)
          .where('state', '<>', 'resolved')
          .where((eb) => eb(eb.fn('lower', ['family']), '=', key))
          .execute();
        let threats = 0;
        for (const { type_id } of types) {
          const catalogDefault = findThreatType(type_id)?.defaultRisk;
          if (catalogDefault === undefined) continue;
          threats += await setRiskOfOpenThreatsByType(trx, principal.tenantId, {
            typeId: type_id,
            override: Object.hasOwn(all, type_id) ? all[type_id] : undefined,
            catalogDefault,
            family: key,
          });
        }
        return { threats, scope: { kind: 'family', family: key }, details: {} };
      });
    },
  };
}
