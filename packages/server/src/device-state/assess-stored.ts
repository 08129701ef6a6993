import { assess, type Detection, type IntelLookup, type Snapshot } from '@riskgate/engine';
import type { Kysely } from 'kysely';
import type { Database } from '../db/types.ts';
import { findSnapshot } from '../queries/reports.ts';
import type { IngestConfigReader } from '../reports/ingest-config.ts';

/**
 * The detections a device's latest report gives today: its stored snapshot (as stored: redacted
 * for personal devices, matches kept; with the server's attestation verdict) assessed with the
 * current intel and the tenant's overrides and detection settings. `undefined` before the first
 * full report. This is what "present in the latest report" means for triage (docs/admin-api.md),
 * and what the from-scratch reference of the tests computes.
 */
export async function assessStoredSnapshot(
  trx: Kysely<Database>,
  params: {
    readonly tenantId: string;
    readonly deviceId: string;
    readonly lookup: IntelLookup;
    readonly readConfig: IngestConfigReader;
    readonly now: Date;
  },
): Promise<readonly Detection[] | undefined> {
  const { tenantId, deviceId, now } = params;
  const text = await findSnapshot(trx, tenantId, deviceId);
  if (text === undefined) return undefined;
  const config = await params.readConfig(trx, tenantId);
  return assess(JSON.parse(text) as Snapshot, params.lookup, config.classification, {
    now,
    settings: config.assessSettings,
  }).detections;
}
