import { appendAudit } from '../audit/audit-service.ts';
import { actorOf, type Principal, requirePermission } from '../auth/principal.ts';
import type { ServiceContext } from '../context.ts';
import { errors } from '../errors.ts';
import { listDeviceRowsPage, type StoredRow } from '../queries/device-rows.ts';
import { findDeviceById } from '../queries/devices.ts';
import { DEVICE_TABLES, type DeviceTable } from './device-tables.ts';

/** The export document's format name (docs/privacy.md, "Per-device export"). */
export const DEVICE_EXPORT_FORMAT = 'riskgate.device-export/1';

/** Rows fetched per query: bounds the memory an export holds, whatever the device's history. */
const PAGE_SIZE = 500;

/** A row as exported: JSON text columns parsed, secret digests left out. */
function exportedRow(spec: DeviceTable, row: StoredRow): StoredRow {
  const out: StoredRow = {};
  for (const [column, value] of Object.entries(row)) {
    if (spec.omit?.includes(column)) continue;
    if (typeof value === 'string' && spec.json?.includes(column)) {
      try {
        out[column] = JSON.parse(value) as unknown;
        continue;
      } catch {
        // Not JSON after all (an old row): exported as stored.
      }
    }
    out[column] = value;
  }
  return out;
}

/** The enrollment tokens a device used: the current one and those its enrollment audit entries name. */
async function enrollmentTokenIds(
  ctx: Pick<ServiceContext, 'db'>,
  tenantId: string,
  deviceId: string,
  current: string | null,
): Promise<string[]> {
  const ids = new Set<string>(current === null ? [] : [current]);
  const rows = await ctx.db.db
    .selectFrom('audit_log')
    .select('details')
    .where('tenant_id', '=', tenantId)
    .where('target', '=', deviceId)
    .where('action', 'in', ['device.enroll', 'device.reenroll'])
    .execute();
  for (const row of rows) {
    const details = JSON.parse(row.details) as { enrollmentTokenId?: unknown };
    if (typeof details.enrollmentTokenId === 'string') ids.add(details.enrollmentTokenId);
  }
  return [...ids];
}

/** The device export service: one JSON document per device, streamed page by page. */
export type DeviceExportService = ReturnType<typeof createDeviceExportService>;

/** Creates the device export service. */
export function createDeviceExportService(ctx: Pick<ServiceContext, 'db' | 'now'>) {
  const { db, dialect } = ctx.db;

  /** Audits the export, then yields the document's text in chunks (one per page of rows). */
  async function* stream(tenantId: string, deviceId: string, tokenIds: readonly string[], at: string) {
    yield `{"format":${JSON.stringify(DEVICE_EXPORT_FORMAT)},"exportedAt":${JSON.stringify(at)},"tenantId":${JSON.stringify(tenantId)},"deviceId":${JSON.stringify(deviceId)},"tables":{`;
    let firstTable = true;
    for (const spec of DEVICE_TABLES) {
      yield `${firstTable ? '' : ','}${JSON.stringify(spec.table)}:[`;
      firstTable = false;
      const match =
        spec.match === 'enrollment-tokens' ? { oneOf: { column: 'id', values: tokenIds } } : spec.match;
      let after: unknown;
      let firstRow = true;
      for (;;) {
        const rows = await listDeviceRowsPage(db, {
          table: spec.table,
          tenantId,
          deviceId,
          match,
          key: spec.key,
          after,
          limit: PAGE_SIZE,
        });
        if (rows.length === 0) break;
        const text = rows.map((row) => JSON.stringify(exportedRow(spec, row))).join(',');
        yield `${firstRow ? '' : ','}${text}`;
        firstRow = false;
        after = rows.at(-1)?.[spec.key];
        if (rows.length < PAGE_SIZE) break;
      }
      yield ']';
    }
    yield '}}';
  }

  async function begin(tenantId: string, deviceId: string, actor: string) {
    const at = ctx.now().toISOString();
    const device = await findDeviceById(db, tenantId, deviceId);
    if (device === undefined) throw errors.notFound('device');
    const tokenIds = await enrollmentTokenIds(ctx, tenantId, deviceId, device.enrollment_token_id);
    // Audited before the rows are read, so the export includes its own entry.
    await db
      .transaction()
      .execute((trx) =>
        appendAudit(trx, dialect, { tenantId, actor, action: 'device.export', target: deviceId, at }),
      );
    return stream(tenantId, deviceId, tokenIds, at);
  }

  return {
    /**
     * Everything Riskgate holds about a device, for an admin (devices:read, admin or owner).
     * Resolves once the device is known (404 otherwise) with the document's text chunks.
     */
    async exportForAdmin(principal: Principal, deviceId: string): Promise<AsyncGenerator<string>> {
      requirePermission(principal, 'devices:read');
      return begin(principal.tenantId, deviceId, actorOf(principal));
    },
    /** The same document for the device itself (a signed device request). */
    async exportForDevice(device: { readonly tenant_id: string; readonly id: string }) {
      return begin(device.tenant_id, device.id, `device:${device.id}`);
    },
  };
}
