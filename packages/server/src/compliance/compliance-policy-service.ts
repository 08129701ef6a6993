import type { CompliancePolicy } from '@riskgate/engine';
import type { Kysely } from 'kysely';
import { appendAudit } from '../audit/audit-service.ts';
import { actorOf, type Principal, requirePermission } from '../auth/principal.ts';
import type { ServiceContext } from '../context.ts';
import type { Database } from '../db/types.ts';
import { rerateDevices } from '../device-state/rerate.ts';
import { errors } from '../errors.ts';
import { newId } from '../ids.ts';
import {
  type CompliancePolicyRow,
  deleteCompliancePolicy,
  findCompliancePolicy,
  insertCompliancePolicy,
  listCompliancePolicies,
  updateCompliancePolicy,
} from '../queries/compliance-policies.ts';

/** A policy as the admin API shows it: the engine document plus timestamps. */
export type CompliancePolicyView = CompliancePolicy & {
  readonly createdAt: string;
  readonly updatedAt: string;
};

/** A policy change and how many devices' compliance it changed. */
export interface PolicyChangeResult {
  readonly policy: CompliancePolicyView | null;
  readonly devicesExamined: number;
  readonly devicesChanged: number;
}

/** The policy body admins send: the engine document without its id (the server assigns it). */
export type CompliancePolicyInput = Omit<CompliancePolicy, 'id'>;

function toView(row: CompliancePolicyRow): CompliancePolicyView {
  const doc = JSON.parse(row.doc) as CompliancePolicy;
  return { ...doc, id: row.id, name: row.name, createdAt: row.created_at, updatedAt: row.updated_at };
}

/** Compliance policies CRUD; every change re-evaluates the compliance of all the tenant's devices. */
export type CompliancePolicyService = ReturnType<typeof createCompliancePolicyService>;

/** Creates the compliance policy service. */
export function createCompliancePolicyService(ctx: Pick<ServiceContext, 'db' | 'now' | 'devicesChanged'>) {
  const { db, dialect } = ctx.db;

  async function change(
    principal: Principal,
    action: string,
    target: string,
    write: (trx: Kysely<Database>, at: string) => Promise<CompliancePolicyView | null>,
  ): Promise<PolicyChangeResult> {
    requirePermission(principal, 'policies:write');
    const now = ctx.now();
    const at = now.toISOString();
    let changedIds: readonly string[] = [];
    const outcome = await db.transaction().execute(async (trx) => {
      const policy = await write(trx, at);
      const rerated = await rerateDevices(trx, {
        tenantId: principal.tenantId,
        scope: { kind: 'all' },
        at: now,
        cause: 'policy',
        trigger: action,
        allCompliance: true,
      });
      changedIds = rerated.written;
      const result = { policy, devicesExamined: rerated.examined, devicesChanged: rerated.changed.length };
      await appendAudit(trx, dialect, {
        tenantId: principal.tenantId,
        actor: actorOf(principal),
        action,
        target,
        details: { policy, devicesChanged: result.devicesChanged },
        at,
      });
      return result;
    });
    await ctx.devicesChanged?.(principal.tenantId, changedIds); // after commit
    return outcome;
  }

  return {
    async listPolicies(principal: Principal): Promise<{ items: CompliancePolicyView[] }> {
      requirePermission(principal, 'policies:read');
      return { items: (await listCompliancePolicies(db, principal.tenantId)).map(toView) };
    },

    async getPolicy(principal: Principal, id: string): Promise<CompliancePolicyView> {
      requirePermission(principal, 'policies:read');
      const row = await findCompliancePolicy(db, principal.tenantId, id);
      if (row === undefined) throw errors.notFound('compliance policy');
      return toView(row);
    },

    /** Creates a policy and re-evaluates every device's compliance. */
    createPolicy(principal: Principal, input: CompliancePolicyInput): Promise<PolicyChangeResult> {
      const id = newId('pol');
      return change(principal, 'compliance-policy.create', id, async (trx, at) => {
        const doc: CompliancePolicy = { ...input, id };
        await insertCompliancePolicy(trx, {
          tenant_id: principal.tenantId,
          id,
          name: input.name,
          doc: JSON.stringify(doc),
          created_at: at,
          updated_at: at,
        });
        return { ...doc, createdAt: at, updatedAt: at };
      });
    },

    /** Replaces a policy and re-evaluates every device's compliance. */
    updatePolicy(
      principal: Principal,
      id: string,
      input: CompliancePolicyInput,
    ): Promise<PolicyChangeResult> {
      return change(principal, 'compliance-policy.update', id, async (trx, at) => {
        const existing = await findCompliancePolicy(trx, principal.tenantId, id);
        if (existing === undefined) throw errors.notFound('compliance policy');
        const doc: CompliancePolicy = { ...input, id };
        await updateCompliancePolicy(trx, principal.tenantId, id, {
          name: input.name,
          doc: JSON.stringify(doc),
          updated_at: at,
        });
        return { ...doc, createdAt: existing.created_at, updatedAt: at };
      });
    },

    /** Deletes a policy and re-evaluates every device's compliance. */
    deletePolicy(principal: Principal, id: string): Promise<PolicyChangeResult> {
      return change(principal, 'compliance-policy.delete', id, async (trx) => {
        if (!(await deleteCompliancePolicy(trx, principal.tenantId, id)))
          throw errors.notFound('compliance policy');
        return null;
      });
    },
  };
}
