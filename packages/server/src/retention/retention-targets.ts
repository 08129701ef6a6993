import { sql } from 'kysely';
import type { RetentionTarget } from '../queries/retention.ts';
import type { RetentionKind } from './retention-settings.ts';

/**
 * What each kind deletes. Snapshots go only for devices retired before the cutoff (an enrolled
 * device keeps its snapshot however old); threats only when resolved before it (active and
 * ignored threats stay: they still rate the device); outbox rows only once delivered. Audit
 * entries are bounded further by the signed checkpoint (`audit-prune.ts`).
 */
export const RETENTION_TARGETS: Readonly<Record<Exclude<RetentionKind, 'auditLog'>, RetentionTarget>> = {
  retiredDeviceSnapshots: {
    table: 'snapshots',
    oldest: sql`select min(d.retired_at) as oldest from devices d join snapshots s on s.device_id = d.id where d.retired_at is not null`,
    due: (tenantId, cutoff) =>
      sql`tenant_id = ${tenantId} and device_id in (select id from devices where tenant_id = ${tenantId} and retired_at is not null and retired_at < ${cutoff})`,
  },
  reports: {
    table: 'reports',
    oldest: sql`select min(received_at) as oldest from reports`,
    due: (tenantId, cutoff) => sql`tenant_id = ${tenantId} and received_at < ${cutoff}`,
  },
  deviceHistory: {
    table: 'device_history',
    oldest: sql`select min(at) as oldest from device_history`,
    due: (tenantId, cutoff) => sql`tenant_id = ${tenantId} and at < ${cutoff}`,
  },
  resolvedThreats: {
    table: 'threats',
    oldest: sql`select min(resolved_at) as oldest from threats where state = 'resolved'`,
    due: (tenantId, cutoff) =>
      sql`tenant_id = ${tenantId} and state = 'resolved' and resolved_at is not null and resolved_at < ${cutoff}`,
  },
  accessLog: {
    table: 'access_log',
    oldest: sql`select min(at) as oldest from access_log`,
    due: (tenantId, cutoff) => sql`tenant_id = ${tenantId} and at < ${cutoff}`,
  },
  deliveredOutbox: {
    table: 'outbox',
    oldest: sql`select min(delivered_at) as oldest from outbox where delivered_at is not null`,
    due: (tenantId, cutoff) =>
      sql`tenant_id = ${tenantId} and delivered_at is not null and delivered_at < ${cutoff}`,
  },
};
