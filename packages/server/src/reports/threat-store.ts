import type { Detection } from '@riskgate/engine';
import type { Kysely } from 'kysely';
import type { Database } from '../db/types.ts';
import { newId } from '../ids.ts';
import { insertThreats, updateThreatsByIds } from '../queries/threat-batches.ts';
import { type ThreatRow, updateThreat } from '../queries/threats.ts';
import type { ThreatDiff } from './threat-diff.ts';

/** The stored columns a detection sets on its threat row. */
export function detectionColumns(detection: Detection) {
  return {
    risk: detection.risk,
    default_risk: detection.defaultRisk,
    title: detection.title,
    summary: detection.summary,
    evidence: JSON.stringify(detection.evidence),
    attack: JSON.stringify(detection.attack),
    family: detection.family ?? null,
    remediation: JSON.stringify(detection.remediation),
  };
}

type DetectionColumns = ReturnType<typeof detectionColumns>;

function sameColumns(row: ThreatRow, columns: DetectionColumns): boolean {
  return (
    row.risk === columns.risk &&
    row.default_risk === columns.default_risk &&
    row.title === columns.title &&
    row.summary === columns.summary &&
    row.evidence === columns.evidence &&
    row.attack === columns.attack &&
    row.family === columns.family &&
    row.remediation === columns.remediation
  );
}

/**
 * Writes a threat diff inside the caller's transaction: new detections become active threats
 * (multi-row INSERT); threats seen again get the detection's columns, `last_seen` and no
 * `resolved_at` (ignored ones stay ignored, resolved ones become active again); active threats no
 * longer detected are resolved. Threats seen again whose stored columns already equal the
 * detection's (the common case: the same threat reported again) only need `last_seen` moved: with
 * `touch: 'caller'` their ids are returned for the caller to update with its other writes (one
 * round trip on PostgreSQL), otherwise one UPDATE of `last_seen` for all of them is run here.
 */
export async function storeThreatDiff(
  trx: Kysely<Database>,
  params: {
    readonly tenantId: string;
    readonly deviceId: string;
    readonly diff: ThreatDiff;
    readonly at: string;
    readonly touch?: 'here' | 'caller';
  },
): Promise<string[]> {
  const { tenantId, deviceId, diff, at } = params;
  if (diff.created.length > 0) {
    await insertThreats(
      trx,
      diff.created.map((detection) => ({
        tenant_id: tenantId,
        id: newId('thr'),
        device_id: deviceId,
        key: detection.key,
        type_id: detection.typeId,
        class: detection.class,
        state: 'active' as const,
        ...detectionColumns(detection),
        first_seen: at,
        last_seen: at,
        resolved_at: null,
      })),
    );
  }
  const touched: string[] = [];
  for (const { row, detection } of diff.seenAgain) {
    const columns = detectionColumns(detection);
    const state = row.state === 'ignored' ? 'ignored' : 'active';
    if (row.state === state && row.resolved_at === null && sameColumns(row, columns)) {
      touched.push(row.id);
      continue;
    }
    await updateThreat(trx, tenantId, row.id, { ...columns, state, last_seen: at, resolved_at: null });
  }
  if (touched.length > 0 && params.touch !== 'caller')
    await updateThreatsByIds(trx, tenantId, touched, { last_seen: at });
  if (diff.resolved.length > 0) {
    await updateThreatsByIds(
      trx,
      tenantId,
      diff.resolved.map((row) => row.id),
      { state: 'resolved', resolved_at: at },
    );
  }
  return params.touch === 'caller' ? touched : [];
}
