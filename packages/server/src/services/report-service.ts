import { AppError } from '../errors.ts';
import type { DeviceRow } from '../queries/devices.ts';
import type { ServiceContext } from './context.ts';
import type { DeviceStatus } from './device-service.ts';

/** A validated report body (docs/agent-protocol.md §4). */
export interface ReportBody {
  readonly reportId: string;
  readonly kind: 'full' | 'events';
  readonly snapshot?: unknown;
  readonly events?: readonly unknown[];
}

/** The reply to a report: the status plus the report id and whether it was a retry. */
export interface ReportOutcome extends DeviceStatus {
  readonly reportId: string;
  readonly duplicate: boolean;
}

/** Report ingestion. */
export interface ReportService {
  /**
   * Ingests one report of an authenticated device. SEAM: assessment, threat diff, state, labels,
   * history, audit and outbox in one transaction, ack after commit, idempotent by reportId. To be
   * implemented once `@riskgate/engine` exports `assess` and `ReportSchema`.
   */
  ingestReport(device: DeviceRow, body: ReportBody): Promise<ReportOutcome>;
}

/** Creates the report service (currently refuses every report with 501 `not_implemented`). */
export function createReportService(_ctx: Pick<ServiceContext, 'db' | 'now' | 'logger'>): ReportService {
  return {
    async ingestReport() {
      throw new AppError('not_implemented', 'report ingestion is not available yet');
    },
  };
}
