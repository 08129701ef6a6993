import type { Config } from '../config.ts';

/** What retention deletes, one name per kind of row (docs/retention.md). */
export const RETENTION_KINDS = [
  'retiredDeviceSnapshots',
  'reports',
  'deviceHistory',
  'resolvedThreats',
  'accessLog',
  'deliveredOutbox',
  'auditLog',
] as const;

export type RetentionKind = (typeof RETENTION_KINDS)[number];

/** Days each kind is kept, per tenant. */
export type RetentionSettings = Readonly<Record<RetentionKind, number>>;

/** The inclusive bounds a tenant may set a kind to, in days. */
export interface RetentionBound {
  readonly min: number;
  readonly max: number;
}

/** Server-wide defaults and bounds, from the one config schema. */
export interface RetentionPolicy {
  readonly defaults: RetentionSettings;
  readonly bounds: Readonly<Record<RetentionKind, RetentionBound>>;
}

/** No kind is kept longer than ten years; audit entries at least 90 days. */
export const RETENTION_MAX_DAYS = 3650;
export const AUDIT_RETENTION_MIN_DAYS = 90;

/** The settings key under which a tenant's retention overrides are stored. */
export const RETENTION_KEY = 'retention';

type RetentionConfig = Pick<
  Config,
  | 'retentionSnapshotDays'
  | 'retentionReportDays'
  | 'retentionHistoryDays'
  | 'retentionThreatDays'
  | 'retentionAccessLogDays'
  | 'outboxRetentionDays'
  | 'auditRetentionDays'
>;

/**
 * Defaults and bounds from the config: every kind 1..3650 days, except delivered outbox rows,
 * bounded by `RISKGATE_OUTBOX_RETENTION_DAYS` (they only exist to be delivered), and audit
 * entries, at least 90 days.
 */
export function retentionPolicyOf(config: RetentionConfig): RetentionPolicy {
  const wide: RetentionBound = { min: 1, max: RETENTION_MAX_DAYS };
  return {
    defaults: {
      retiredDeviceSnapshots: config.retentionSnapshotDays,
      reports: config.retentionReportDays,
      deviceHistory: config.retentionHistoryDays,
      resolvedThreats: config.retentionThreatDays,
      accessLog: config.retentionAccessLogDays,
      deliveredOutbox: config.outboxRetentionDays,
      auditLog: config.auditRetentionDays,
    },
    bounds: {
      retiredDeviceSnapshots: wide,
      reports: wide,
      deviceHistory: wide,
      resolvedThreats: wide,
      accessLog: wide,
      deliveredOutbox: { min: 1, max: config.outboxRetentionDays },
      auditLog: { min: AUDIT_RETENTION_MIN_DAYS, max: RETENTION_MAX_DAYS },
    },
  };
}

/** The first kind whose value lies outside its bounds, with a message; `undefined` when all fit. */
export function retentionProblem(
  policy: RetentionPolicy,
  settings: Partial<Record<RetentionKind, number>>,
): string | undefined {
  for (const kind of RETENTION_KINDS) {
    const days = settings[kind];
    if (days === undefined) continue;
    const { min, max } = policy.bounds[kind];
    if (!Number.isInteger(days) || days < min || days > max)
      return `${kind} must be an integer number of days between ${min} and ${max}`;
  }
  return undefined;
}

/**
 * A tenant's effective settings: its stored overrides over the defaults, each clamped to its
 * bounds (a bound lowered since, e.g. `RISKGATE_OUTBOX_RETENTION_DAYS`, applies at once).
 */
export function effectiveRetention(policy: RetentionPolicy, stored: string | undefined): RetentionSettings {
  const overrides = parseRetentionOverrides(stored);
  const result = { ...policy.defaults } as Record<RetentionKind, number>;
  for (const kind of RETENTION_KINDS) {
    const { min, max } = policy.bounds[kind];
    result[kind] = Math.min(max, Math.max(min, overrides[kind] ?? result[kind]));
  }
  return result;
}

/** The kinds a tenant set itself (stored JSON); anything else in it is ignored. */
export function parseRetentionOverrides(stored: string | undefined): Partial<Record<RetentionKind, number>> {
  if (stored === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(stored);
  } catch {
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null) return {};
  const overrides: Partial<Record<RetentionKind, number>> = {};
  for (const kind of RETENTION_KINDS) {
    const value: unknown = (parsed as Record<string, unknown>)[kind];
    if (typeof value === 'number' && Number.isInteger(value)) overrides[kind] = value;
  }
  return overrides;
}
