import {
  type AccessPolicy,
  AccessPolicySchema,
  type CompiledAccessPolicies,
  compileAccessPolicies,
  compileResourceIndex,
  type Resource,
  type ResourceIndex,
  ResourceSchema,
} from '@riskgate/engine';
import { Value } from '@sinclair/typebox/value';
import type { Kysely } from 'kysely';
import type { Database } from '../db/types.ts';
import { listAccessPolicies, listResources } from '../queries/access-config.ts';

/** A tenant's resources and access policies, compiled for per-request decisions. */
export interface TenantAccessConfig {
  readonly resources: ResourceIndex;
  readonly policies: CompiledAccessPolicies;
  /** Policy names by id, for the remediation page and the access log. */
  readonly policyNames: ReadonlyMap<string, string>;
}

/** Per-node cache of compiled access configuration, rebuilt after `invalidate(tenantId)`. */
export interface PolicyCache {
  /** The compiled configuration (loaded on first use or after invalidation). */
  get(tenantId: string): Promise<TenantAccessConfig>;
  /** Synchronous read of an already compiled configuration. */
  peek(tenantId: string): TenantAccessConfig | undefined;
  invalidate(tenantId: string): void;
  /** Invalidates every tenant. */
  clear(): void;
}

/** Parses stored documents, skipping any that no longer match the schema (logged by the caller). */
export function parseDocs<T>(docs: readonly string[], check: (value: unknown) => value is T): T[] {
  const out: T[] = [];
  for (const doc of docs) {
    try {
      const value: unknown = JSON.parse(doc);
      if (check(value)) out.push(value);
    } catch {
      // A row that is not JSON is skipped, like one that fails the schema.
    }
  }
  return out;
}

const isResource = (value: unknown): value is Resource => Value.Check(ResourceSchema, value);
const isPolicy = (value: unknown): value is AccessPolicy => Value.Check(AccessPolicySchema, value);

/** Compiles a tenant's resources and policies. */
export function compileTenantAccess(
  resources: readonly Resource[],
  policies: readonly AccessPolicy[],
): TenantAccessConfig {
  return {
    resources: compileResourceIndex(resources),
    policies: compileAccessPolicies(policies),
    policyNames: new Map(policies.map((p) => [p.id, p.name])),
  };
}

/** Creates the cache over the database. */
export function createPolicyCache(db: Kysely<Database>): PolicyCache {
  const compiled = new Map<string, TenantAccessConfig>();
  const loading = new Map<string, Promise<TenantAccessConfig>>();
  const generations = new Map<string, number>();

  async function load(tenantId: string): Promise<TenantAccessConfig> {
    const generation = generations.get(tenantId) ?? 0;
    const [resourceRows, policyRows] = await Promise.all([
      listResources(db, tenantId),
      listAccessPolicies(db, tenantId),
    ]);
    const config = compileTenantAccess(
      parseDocs(
        resourceRows.map((r) => r.doc),
        isResource,
      ),
      parseDocs(
        policyRows.map((p) => p.doc),
        isPolicy,
      ),
    );
    // An invalidation while loading means what was read may be old: do not keep it.
    if ((generations.get(tenantId) ?? 0) === generation) compiled.set(tenantId, config);
    return config;
  }

  return {
    get(tenantId) {
      const hit = compiled.get(tenantId);
      if (hit !== undefined) return Promise.resolve(hit);
      let pending = loading.get(tenantId);
      if (pending === undefined) {
        pending = load(tenantId).finally(() => loading.delete(tenantId));
        loading.set(tenantId, pending);
      }
      return pending;
    },
    peek: (tenantId) => compiled.get(tenantId),
    invalidate(tenantId) {
      generations.set(tenantId, (generations.get(tenantId) ?? 0) + 1);
      compiled.delete(tenantId);
      loading.delete(tenantId);
    },
    clear() {
      for (const tenantId of new Set([...compiled.keys(), ...loading.keys()])) {
        generations.set(tenantId, (generations.get(tenantId) ?? 0) + 1);
      }
      compiled.clear();
      loading.clear();
    },
  };
}
